"""Whoosh imported without standard-library packages that it imports and a search never uses.

Importing Whoosh 2.7 imports ``urllib.request`` (whoosh.compat takes ``urlretrieve`` from
it, for a downloader newssearch never calls) and ``asyncio`` (whoosh.reading uses the
``cached_property`` package, which asks asyncio whether a property is a coroutine). With
what they import in turn (http, email, ssl, concurrent.futures ...), about 70 ms of the
one-off ``newssearch query``, whose whole budget is 150 ms (issue 15). Whoosh's own
``whoosh.lang.morph_en`` is deferred the same way: whoosh.query.terms takes ``variations``
from it for Variations queries, which newssearch never builds, and its import compiles a
table of English word endings (~10 ms). So are ``shutil`` (whoosh.filedb.compound takes
``copyfileobj`` from it to write a compound file; it imports bz2 and lzma) and ``tempfile``
(whoosh.filedb.filestore, for temporary storage): about 4 ms, and only a writer uses them.

How: while this module imports the Whoosh modules that import them, each is a
stand-in module in ``sys.modules`` that imports the real one when an attribute of it is
first used (``urlretrieve`` is a function that does so when called). Right after, the
stand-ins leave ``sys.modules``: any later ``import asyncio``, in newssearch or a library,
gets the real module, and only the Whoosh modules imported in that moment hold a
stand-in, which acts as the module it stands for (tests/test_deferred.py). Nothing of
Whoosh itself is changed. The engine's package imports this module before anything of
Whoosh (engine/whoosh/__init__.py).
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

DEFERRED = {
    "urllib.request": ("urlretrieve",),
    "asyncio": (),
    "whoosh.lang.morph_en": ("variations",),
    "tempfile": (),
    "shutil": ("copyfileobj",),
}
"""Module -> the names Whoosh's modules take from it with ``from ... import`` (functions)."""


class StandIn(types.ModuleType):
    """A module that imports the one it is named after on first use of an attribute."""

    def __init__(self, name: str, functions: tuple[str, ...]) -> None:
        super().__init__(name, f"stands for {name} until it is first used (newssearch.engine.whoosh.deferred)")
        for function in functions:
            setattr(self, function, _forwarding(name, function))

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):  # what the import system asks of any module (a package's __path__ ...)
            raise AttributeError(attribute)
        return getattr(_real(self.__name__), attribute)


def _real(name: str) -> types.ModuleType:
    """The module ``name`` itself, imported now if need be (a stand-in still in sys.modules steps aside)."""
    if isinstance(sys.modules.get(name), StandIn):
        del sys.modules[name]
    return importlib.import_module(name)


def _forwarding(module: str, function: str) -> Callable[..., Any]:
    def forward(*args: Any, **kwargs: Any) -> Any:
        return getattr(_real(module), function)(*args, **kwargs)

    forward.__name__ = forward.__qualname__ = function
    return forward


@contextmanager
def standing_in(deferred: dict[str, tuple[str, ...]]) -> Iterator[None]:
    """Stand-ins for the modules of ``deferred`` not imported yet, in sys.modules while the block runs."""
    stand_ins = {name: StandIn(name, functions) for name, functions in deferred.items() if name not in sys.modules}
    sys.modules.update(stand_ins)
    try:
        yield
    finally:
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]


with standing_in(DEFERRED):
    import whoosh.codec.whoosh3  # noqa: F401  # whoosh.filedb.compound: shutil
    import whoosh.compat  # noqa: F401  # urllib.request
    import whoosh.query  # noqa: F401  # whoosh.reading: cached_property -> asyncio; whoosh.query.terms: morph_en
