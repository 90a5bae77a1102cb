"""The REST API (FastAPI): routes per resource, API keys with roles, audit, rate limits and jobs.

`create_app(workspace)` builds the app; `ruralmig serve` or :func:`ruralmig.api.server.serve` runs it.
"""

from ruralmig.api.app import create_app

__all__ = ["create_app"]
