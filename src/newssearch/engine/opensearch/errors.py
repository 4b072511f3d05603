"""The cluster's failures as the errors a user sees: one line each, never a client exception.

An unreachable cluster, a red one (a shard with no copy left) or a missing index is an
IndexNotFound, which the web app answers with 503; a query the cluster refuses is a
QueryError."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opensearchpy import exceptions as os_errors

from ...errors import IndexNotFound, NewssearchError, QueryError

RETRYABLE = frozenset({429, 500, 502, 503, 504})
"""Statuses of a request the cluster may answer if sent again shortly: overloaded, or a node
just lost (its shards fail until a replica takes over)."""


class ClusterUnavailable(IndexNotFound):
    """The cluster cannot answer for the index now: unreachable, red, or without the index.

    ``passing``: the cluster answered with a status of RETRYABLE, which trying again may cure."""

    def __init__(self, message: str, passing: bool = False) -> None:
        NewssearchError.__init__(self, message)
        self.passing = passing


def _reason(error: os_errors.TransportError) -> str:
    info: Any = error.info
    if isinstance(info, dict):
        cause = info.get("error", {})
        if isinstance(cause, dict):
            root = (cause.get("root_cause") or [cause])[0]
            return str(root.get("reason") or cause.get("type") or error.error)[:200]
    return str(error.error)[:200]


@contextmanager
def translated(where: str) -> Iterator[None]:
    """Run client calls for ``where`` (the index and cluster), turning their failures into ours."""
    try:
        yield
    except os_errors.ConnectionError as error:  # refused, timed out, TLS: no node answered
        hint = "is the cluster up, and NEWSSEARCH_OPENSEARCH_URL right?"
        raise ClusterUnavailable(f"cannot reach the {where}: {type(error).__name__}; {hint}") from None
    except os_errors.NotFoundError as error:
        if error.error == "index_not_found_exception":
            raise ClusterUnavailable(f"no {where}: run `newssearch reindex` first") from None
        raise ClusterUnavailable(f"the {where} answered 404: {_reason(error)}") from None
    except os_errors.AuthenticationException:
        raise ClusterUnavailable(f"the {where} refused the credentials: check NEWSSEARCH_OPENSEARCH_USER and PASSWORD") from None
    except os_errors.AuthorizationException as error:
        raise ClusterUnavailable(f"the {where} forbids this: {_reason(error)}") from None
    except os_errors.RequestError as error:  # 400: a query the cluster cannot run
        raise QueryError(f"OpenSearch cannot run this query: {_reason(error)}; simplify it (fewer wildcards, a narrower range)") from None
    except os_errors.TransportError as error:  # 5xx, 429: red, overloaded, all shards failed
        message = f"the {where} cannot answer now ({error.status_code}: {_reason(error)}); try again shortly"
        raise ClusterUnavailable(message, passing=error.status_code in RETRYABLE) from None
