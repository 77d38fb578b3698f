"""Commands that join the layers: the CLI, the local demo stack, site build/serve, posters, packaging.

The rest of `prachakhom` is the pure domain core (models, phases, pots, ballots, tally rules,
messages) and imports none of boto3, moto, chalice, jinja2, MkDocs, `chalicelib` or
`site_generator` (`tests/test_core_purity.py`). Only the modules here may reach into those layers,
as `mkdocs/commands/` does for MkDocs; `cli.py` parses arguments and calls them.
"""
