"""The routes, one module per kind of page (search, article, feeds, API), all on the Blueprint ``web``."""

from . import api, article, feeds, search  # noqa: F401  importing a view module registers its routes
from .base import web

__all__ = ["web"]
