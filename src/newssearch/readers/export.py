"""CMS exports: JSON Lines, a JSON array, or CSV with a header row.

A malformed record is reported with its line or record number; the rest are read.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator

from ..errors import Problem, ReadError
from .record import Output, article_from_record

_TOO_DEEP = "JSON nested too deeply (thousands of levels) to be an article"

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # article bodies exceed csv's 128 KiB default


def read_jsonl(text: str, path: str) -> Iterator[Output]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            yield Problem(path, f"malformed JSON ({error.msg}, column {error.colno})", f"line {number}")
            continue
        except RecursionError:
            yield Problem(path, _TOO_DEEP, f"line {number}")
            continue
        yield from article_from_record(record, path, number, f"line {number}")


def read_json(text: str, path: str) -> Iterator[Output]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReadError(f"malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}") from None
    except RecursionError:
        raise ReadError(_TOO_DEEP) from None
    if isinstance(data, dict):
        data = data.get("articles", [data])
    if not isinstance(data, list):
        raise ReadError("expected a JSON array of articles (or one article object)")
    for number, record in enumerate(data, start=1):
        yield from article_from_record(record, path, number, f"record {number}")


def read_csv(text: str, path: str) -> Iterator[Output]:
    # strict: a quote never closed is an error, not a field that swallows every later row
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        for number, row in enumerate(reader, start=1):
            location = f"line {reader.line_num}"
            if None in row:  # more cells than header columns
                yield Problem(path, f"row has {len(row) - 1 + len(row[None])} cells, header has {len(reader.fieldnames or [])}", location)
                continue
            yield from article_from_record(row, path, number, location)
    except csv.Error as error:
        yield Problem(path, f"malformed CSV ({error}); rows after it were not read", f"line {reader.line_num}")
