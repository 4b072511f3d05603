"""Turning a file's bytes into text without losing an article to a stray byte."""

from __future__ import annotations

import codecs

from ..errors import Problem, ReadError

_SNIFF = 8192
# Bytes that never occur in text files (everything below 0x20 but tab, LF, FF, CR and ESC).
_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\x0c\r\x1b")


def decode(data: bytes, path: str) -> tuple[str, Problem | None]:
    """Decode UTF-8 text; read stray bytes as Windows-1252 (with a warning) rather than drop the file.

    Raises ReadError for bytes that are not text at all (NUL or many control bytes).
    """
    head = data[:_SNIFF]
    if b"\x00" in head or sum(head.count(c) for c in _CONTROL) > len(head) // 100:
        raise ReadError("binary data, not text: export the article as text, HTML, JSON or CSV")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        warning = Problem(
            path,
            f"not valid UTF-8 (byte 0x{data[error.start]:02x}); read as Windows-1252",
            location=f"line {line}",
            skipped=False,
        )
        return data.decode("utf-8-sig", errors=_FALLBACK), warning


def _as_cp1252(error: UnicodeError) -> tuple[str, int]:
    """Decode just the bytes that are not UTF-8 as Windows-1252: the rest stays as written."""
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("cp1252", errors="replace"), error.end


_FALLBACK = "newssearch-cp1252"
codecs.register_error(_FALLBACK, _as_cp1252)
