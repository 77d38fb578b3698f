"""Prachakhom domain core: content models, phases, ballots and tally rules.

The core knows nothing of HTTP, DynamoDB or MkDocs (a test enforces it), so the static-site
generator and the Chalice functions import the same rules.
"""

__version__ = "0.1.0"
