"""The Chalice app's library: routes as blueprints, request models, services and storage.

Nothing here touches AWS at import time: storage, content and secrets are created lazily on the
first request from environment variables (see `context.py`).
"""
