"""The Blueprint every view registers on; its endpoint names (web.search_page, ...) are the ones templates use.

Each of its requests first takes a search slot (see ``slots``) and gives it back when done.
"""

from __future__ import annotations

from flask import Blueprint

from ..slots import give_slot, take_slot

web = Blueprint("web", __name__)
web.before_request(take_slot)
web.teardown_request(give_slot)
