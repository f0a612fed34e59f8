"""Opening a Neo4j driver from :class:`~graph.settings.Settings`, with one clear error.

Every failure to reach or log in to the server becomes :class:`Neo4jUnavailable`
with a single line that names the URI and what to do — never the password — so
the CLI, the app and ingest can report it without a traceback.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import neo4j
from neo4j import exceptions as nx

from extract.errors import ZhkgError
from graph.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")


class Neo4jUnavailable(ZhkgError, RuntimeError):
    """The server cannot be reached, refused the login, or is not configured."""


def _unavailable(settings: Settings, exc: BaseException) -> Neo4jUnavailable:
    uri = settings.neo4j_uri
    if isinstance(exc, nx.AuthError):
        why = f"login as {settings.neo4j_user!r} refused (check ZHKG_NEO4J_USER / ZHKG_NEO4J_PASSWORD)"
    elif isinstance(exc, nx.ConfigurationError | ValueError):
        why = f"bad connection settings ({exc})"
    elif isinstance(exc, nx.ClientError) and "database" in str(exc).lower():
        why = f"database {settings.neo4j_database!r} is not available ({_first_line(exc)})"
    else:
        why = "server unreachable (start it with `scripts/neo4j.sh start` or check ZHKG_NEO4J_URI)"
    return Neo4jUnavailable(f"Neo4j at {uri}: {why}")


def _first_line(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc)
    return str(text).strip().splitlines()[0] if str(text).strip() else type(exc).__name__


# Bolt only: the driver's HTTP Query API support is a preview and needs extra packages.
_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def open_driver(settings: Settings, *, verify: bool = True) -> neo4j.Driver:
    """A driver for ``settings.neo4j_*``; with ``verify`` the server is contacted once now.

    The connection timeout follows ``neo4j_timeout_s`` so that a dead server is
    reported within that time instead of the driver's default of minutes.
    """
    if not settings.neo4j_configured:
        raise Neo4jUnavailable(
            "Neo4j is not configured: set ZHKG_NEO4J_URI (e.g. bolt://127.0.0.1:7687) and "
            "ZHKG_NEO4J_PASSWORD, or start a local server with `scripts/neo4j.sh start`"
        )
    scheme = settings.neo4j_uri.partition("://")[0].lower()
    if scheme not in _SCHEMES:
        raise _unavailable(
            settings, ValueError(f"the URI must start with {', '.join(s + '://' for s in _SCHEMES)}")
        )
    timeout = max(1.0, float(settings.neo4j_timeout_s))
    try:
        driver = neo4j.GraphDatabase.driver(
            settings.neo4j_uri,
            auth=(settings.neo4j_user, settings.neo4j_password),
            connection_timeout=timeout,
            connection_acquisition_timeout=timeout * 2,
            max_transaction_retry_time=max(30.0, timeout * 2),
            user_agent="zhkg",
            # Server notifications (e.g. "label does not exist yet" on an empty graph) are noise here.
            notifications_min_severity="OFF",
        )
    except (nx.ConfigurationError, ValueError) as exc:
        raise _unavailable(settings, exc) from None
    if verify:
        try:
            driver.verify_connectivity()
            driver.verify_authentication()
        except (nx.ServiceUnavailable, nx.SessionExpired, nx.AuthError, OSError) as exc:
            driver.close()
            raise _unavailable(settings, exc) from None
        except nx.Neo4jError as exc:
            driver.close()
            raise _unavailable(settings, exc) from None
    return driver


@contextmanager
def connect(settings: Settings) -> Iterator[neo4j.Driver]:
    """``with connect(settings) as driver:`` — verified driver, closed afterwards."""
    driver = open_driver(settings)
    try:
        yield driver
    except (nx.ServiceUnavailable, nx.SessionExpired) as exc:
        raise _unavailable(settings, exc) from None
    finally:
        driver.close()


def is_transient(exc: BaseException) -> bool:
    """Errors worth trying again: lost connections, deadlocks, leader switches."""
    if isinstance(exc, nx.TransientError | nx.ServiceUnavailable | nx.SessionExpired):
        return True
    return isinstance(exc, nx.Neo4jError) and bool(getattr(exc, "is_retryable", lambda: False)())


def with_retries(
    fn: Callable[[], T],
    *,
    attempts: int = 5,
    base_delay_s: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``fn`` until it succeeds, backing off exponentially (with jitter) on transient errors.

    Managed transactions already retry inside the driver; this covers the
    statements that run outside them (schema changes) and whole batches that
    lose their connection.
    """
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except Exception as exc:
            if attempt == attempts or not is_transient(exc):
                raise
            delay = base_delay_s * (2 ** (attempt - 1)) * (1 + random.random() / 2)
            log.info(
                "transient Neo4j error (%s), retry %d/%d in %.1fs",
                type(exc).__name__,
                attempt,
                attempts - 1,
                delay,
            )
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def error_line(exc: BaseException) -> str:
    """The first line of a server error, for messages shown to users."""
    return _first_line(exc)
