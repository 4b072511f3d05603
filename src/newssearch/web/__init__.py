"""The web UI, JSON API, Atom feed and OpenSearch description: a thin Flask face over the search service.

Every route parses its parameters (one parser, ``params.parse_search``, for the page, the
API and the feed), calls the Python API and renders. The index is only read.
"""

from .app import create_app
from .launcher import serve

__all__ = ["create_app", "serve"]
