"""Search-slot admission: a saturated server process refuses a search at once (503 and Retry-After) instead of queueing it without end."""

from __future__ import annotations

import re
import threading

from flask import Response, current_app, g, request
from werkzeug.datastructures import MultiDict

from .errors import error_response

SEARCH_SLOTS = {"any": 2, "heavy": 1}
"""Searches one server process runs at once (any), and of those, heavy ones (see
``_heavy``). A search is CPU-bound Python and the threads of a process share one core,
so more at once would only make each one slower; the other threads stay free to answer
cheap requests and to refuse quickly."""
SHALLOW_RESULTS = 100
_EXPANDING = re.compile(r"[*?\[\]{}]|\bTO\b")
"""Query syntax of wildcards and ranges, which expand to many words."""
SLOT_WAIT_SECONDS = {"any": 2.0, "heavy": 0.5}
"""How long a request waits for a slot of each lane before it is refused with 503 and
Retry-After: briefly for the heavy one, so that clients sending heavy searches without
pause do not keep every thread waiting."""
RETRY_AFTER_SECONDS = 2


def slot_lanes() -> dict[str, threading.BoundedSemaphore]:
    """The slots of one app: a semaphore per lane, shared by the threads of its server process."""
    return {lane: threading.BoundedSemaphore(n) for lane, n in SEARCH_SLOTS.items()}


class Busy(Exception):
    """Every search slot of a lane of this server process stayed taken for its SLOT_WAIT_SECONDS."""


def take_slot() -> None:
    """Wait briefly for a search slot: a saturated server refuses at once instead of queueing without end.

    A search that may cost up to its limits (wildcards, ranges, a deep page) first needs
    the one heavy slot, so clients sending such searches without pause are refused
    quickly and never hold every slot: everyday searches still get their turn.
    """
    lanes: dict[str, threading.BoundedSemaphore] = current_app.extensions["newssearch.slots"]
    g.search_slots = []
    heavy = _heavy(request.args) or request.path.startswith("/api/export.")  # an export runs up to ten pages of 100
    for lane in ("heavy", "any") if heavy else ("any",):
        if not lanes[lane].acquire(timeout=SLOT_WAIT_SECONDS[lane]):
            raise Busy
        g.search_slots.append(lanes[lane])


def give_slot(_: BaseException | None) -> None:
    for slot in g.pop("search_slots", []):
        slot.release()


def _heavy(args: MultiDict[str, str]) -> bool:
    """Whether a request's search may cost up to its limits: wildcards or ranges, or a page past the first hundred results."""
    try:
        deep = int(args.get("page", 1)) * int(args.get("page-size", 10)) > SHALLOW_RESULTS
    except ValueError:  # the search refuses it before any work
        deep = False
    return deep or _EXPANDING.search(args.get("q", "")) is not None


def busy_response(_: Busy) -> tuple[Response | str, int, dict[str, str]]:
    body, status = error_response(503, "The server is busy", f"Too many searches at once; try again in {RETRY_AFTER_SECONDS} seconds.")
    return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}
