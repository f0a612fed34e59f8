"""The root of every error zhkg raises on purpose.

Each concern subclasses :class:`ZhkgError` (a lexicon that does not parse, a workspace that is
busy, a Neo4j server that is down, a question that cannot be asked, …), so the command line
and the app can turn any of them into one plain line while a programming error still shows
its traceback. It lives in ``extract`` because both packages need it and ``extract`` imports
nothing from ``graph``.
"""

from __future__ import annotations


class ZhkgError(Exception):
    """An expected failure a user can act on; its message is the one line shown."""
