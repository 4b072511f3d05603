"""The embedded engine: Whoosh. Every ``import whoosh`` of newssearch is in this package."""

from . import patches  # noqa: F401  (to be applied inside the engine, not on import: issue 13)
