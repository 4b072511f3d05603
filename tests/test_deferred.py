"""Whoosh imported without the modules a search never uses (engine/whoosh/deferred.py): the stand-ins
leave sys.modules at once, act as the modules they stand for, and change nothing of Whoosh.

Each check runs in a fresh interpreter: this test process has long imported asyncio and the rest.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from newssearch.engine.whoosh.deferred import DEFERRED


def run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_the_engine_imports_none_of_the_deferred_modules() -> None:
    code = f"import sys, newssearch.engine.whoosh\nprint(sorted(name for name in {sorted(DEFERRED)!r} if name in sys.modules))"
    assert run(code) == "[]"


def test_a_later_import_gets_the_real_module() -> None:
    code = (
        "import sys, newssearch.engine.whoosh\n"
        "import asyncio, urllib.request, whoosh.lang.morph_en\n"
        "from newssearch.engine.whoosh.deferred import StandIn\n"
        "print([isinstance(m, StandIn) for m in (asyncio, urllib.request, whoosh.lang.morph_en)], callable(asyncio.run))"
    )
    assert run(code) == "[False, False, False] True"


def test_whoosh_s_own_references_act_as_the_real_modules(tmp_path: Path) -> None:
    """cached_property asks asyncio about coroutines, whoosh.compat's urlretrieve downloads,
    whoosh.query.terms's variations are morph_en's, a compound file copies with shutil's
    copyfileobj and a file store finds tempfile's folder, all through their stand-ins."""
    source = tmp_path / "page.txt"
    source.write_text("fetched")
    code = (
        "import newssearch.engine.whoosh, asyncio\n"
        "import cached_property, whoosh.compat, whoosh.query.terms, whoosh.lang.morph_en\n"
        "async def coroutine(): pass\n"
        "print(cached_property.asyncio.iscoroutinefunction(coroutine), cached_property.asyncio.iscoroutinefunction(print))\n"
        f"path, _ = whoosh.compat.urlretrieve({source.as_uri()!r}, {str(tmp_path / 'copy.txt')!r})\n"
        "print(open(path).read())\n"
        "print(sorted(whoosh.query.terms.variations('render')) == sorted(whoosh.lang.morph_en.variations('render')))\n"
        "import io, tempfile, whoosh.filedb.compound, whoosh.filedb.filestore\n"
        "copy = io.BytesIO()\n"
        "whoosh.filedb.compound.copyfileobj(io.BytesIO(b'segment'), copy)\n"
        "print(copy.getvalue().decode(), whoosh.filedb.filestore.tempfile.gettempdir() == tempfile.gettempdir())"
    )
    assert run(code).splitlines() == ["True False", "fetched", "True", "segment True"]


def test_modules_imported_before_are_left_alone() -> None:
    code = (
        "import asyncio, sys\nimport newssearch.engine.whoosh, cached_property\nprint(cached_property.asyncio is asyncio is sys.modules['asyncio'])"
    )
    assert run(code) == "True"
