"""Mentions that live outside the chunk text: names inside MDX component tags of the source files.

The cleaner drops MDX component tags with their attributes (``<Question choices={[{text: "…"}]}/>``),
so a course page that names an entity only in a quiz component's props has no chunk naming it.
Keeping that text in the chunks was tried and made answers worse (quiz options read as facts), so
"which documents mention X?" looks for those names in the source files instead, and only there:
the documents whose stored path is an ``.mdx`` file that still exists with the bytes that were
ingested (its SHA-256 equals the stored ``raw_hash``; a changed or moved file is skipped rather
than counted from text the workspace never saw).

Only the text of the tags is searched (what the cleaner removed), through the same match keys as
every other name, so a name in the body is never counted twice and imports are never read.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterable
from pathlib import Path

from extract.clean import mdx_tag_text
from extract.normalize import match_key
from graph.store import Store

log = logging.getLogger(__name__)

_CACHE_SIZE = 4096  # documents whose tag text is kept folded (small: MDX pages are few and short)

_cache: dict[tuple[str, str], str] = {}
_lock = threading.Lock()


def _folded_tags(path: str, raw_hash: str) -> str:
    """Match-key form of the tag text of ``path`` if its bytes are still those ingested, else ""."""
    key = (path, raw_hash)
    with _lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    try:
        data = Path(path).read_bytes()
    except OSError:
        return ""
    if hashlib.sha256(data).hexdigest() != raw_hash:
        log.debug("%s changed since it was ingested; its tags are not searched", path)
        return ""
    # One tag a line, folded line by line: a name never matches across two tags.
    folded = "\n".join(match_key(t) for t in mdx_tag_text(data.decode("utf-8", "replace")).split("\n"))
    with _lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[key] = folded
    return folded


def tag_mentions(store: Store, keys: Iterable[str], skip: Iterable[str] = ()) -> list[str]:
    """Ids of the MDX documents not in ``skip`` whose component tags name one of ``keys`` (match keys).

    Duplicates (``duplicate_of`` set) are not documents of their own and are left out, as everywhere.
    """
    want = [k for k in dict.fromkeys(keys) if len(k) >= 2]
    if not want:
        return []
    skipped = set(skip)
    rows = store.conn.execute(
        "SELECT id, path, raw_hash FROM documents WHERE duplicate_of = '' AND lower(path) LIKE '%.mdx'"
    ).fetchall()
    found: list[str] = []
    for doc_id, path, raw_hash in rows:
        if doc_id in skipped:
            continue
        folded = _folded_tags(str(path), str(raw_hash))
        if folded and any(k in folded for k in want):
            found.append(str(doc_id))
    return found


def clear_cache() -> None:
    with _lock:
        _cache.clear()


__all__ = ["clear_cache", "tag_mentions"]
