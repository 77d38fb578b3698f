"""Static-site generator: an MkDocs plugin that turns content and stored data into Thai pages."""
