"""The fast paths of extraction give exactly what the straightforward code they replaced gave.

Each reference below is the plain version (as it was written before the speed-up); the
fast one must agree with it on many random inputs built from the characters that matter.
"""

from __future__ import annotations

import bisect
import random
import re

import numpy as np

from extract.clean import _squash
from extract.lexicon import best_cover, latin_boundaries_ok
from extract.records import Chunk
from extract.redact import _TRIGGER, _may_hold_secret
from extract.relations import ChunkIndex

ALPHABET = "aZ9_.-:/+@ \t\n。！？；…」)]|•-1.語言模型\u3000"


def _texts(n: int, seed: int, max_len: int = 60) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, max_len))) for _ in range(n)]


_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def _boundary_ok_reference(text: str, start: int, end: int) -> bool:
    if start > 0 and text[start] in _WORD:
        prev = text[start - 1]
        if prev in _WORD:
            return False
        if prev in ".-_:/+@" and start > 1 and text[start - 2] in _WORD:
            return False
    if end < len(text) and text[end - 1] in _WORD:
        nxt = text[end]
        if nxt in _WORD or nxt == "+":
            return False
        if nxt in ".-_:/@" and end + 1 < len(text) and text[end + 1] in _WORD:
            return False
    return True


def test_vectorised_latin_boundaries_match_the_per_span_check() -> None:
    for text in _texts(300, 1):
        if not text:
            continue
        spans = [(s, e) for s in range(len(text)) for e in range(s + 1, min(len(text), s + 6) + 1)]
        starts = np.array([s for s, _ in spans])
        ends = np.array([e for _, e in spans])
        got = latin_boundaries_ok(text, starts, ends).tolist()
        assert got == [_boundary_ok_reference(text, s, e) for s, e in spans]


def _chunk_for_reference(chunks: list[Chunk], start: int, end: int) -> str:
    if not chunks:
        return ""
    i = bisect.bisect_right([c.start for c in chunks], start) - 1
    lo = i
    while lo > 0 and chunks[lo - 1].end > start:
        lo -= 1
    for c in chunks[max(lo, 0) : i + 1]:
        if c.start <= start and end <= c.end:
            return c.id
    for c in chunks[max(lo, 0) : i + 1]:
        if c.start <= start < c.end:
            return c.id
    return chunks[max(i, 0)].id


def test_chunk_index_matches_the_scan() -> None:
    rng = random.Random(4)
    for _ in range(200):
        chunks = []
        pos = 0
        for k in range(rng.randint(0, 6)):
            start = max(0, pos - rng.randint(0, 8))  # chunks overlap, or leave gaps
            end = start + rng.randint(1, 20)
            chunks.append(Chunk(f"c{k}", "d", k, "", start, end))
            pos = end + rng.randint(0, 3)
        index = ChunkIndex(chunks)
        spans = [(s, s + rng.randint(1, 10)) for s in (rng.randint(0, pos + 3) for _ in range(30))]
        expected = [_chunk_for_reference(chunks, s, e) for s, e in spans]
        assert [index.chunk_for(s, e) for s, e in spans] == expected
        assert index.chunk_ids([s for s, _ in spans], [e for _, e in spans]) == expected


def test_a_span_outweighed_on_the_same_offsets_never_changes_the_cover() -> None:
    """Why the extractor may leave out a pattern name lying exactly on a lexicon name."""
    rng = random.Random(5)
    for _ in range(2000):
        spans: list[tuple[int, int, float]] = []
        for _ in range(rng.randint(1, 8)):
            s = rng.randint(0, 20)
            e = s + rng.randint(1, 8)
            spans.append((s, e, (e - s) * rng.choice([1.0, 1.2, 1.1])))
        strong = rng.randrange(len(spans))
        s, e, _ = spans[strong]
        spans[strong] = (s, e, (e - s) * 1.3)
        # a weaker span on the same offsets, anywhere in the list
        weak_at = rng.randint(0, len(spans))
        with_weak = [*spans[:weak_at], (s, e, (e - s) * rng.choice([1.0, 1.2])), *spans[weak_at:]]
        assert [with_weak[i] for i in best_cover(with_weak)] == [spans[i] for i in best_cover(spans)]
        assert weak_at not in best_cover(with_weak)


def test_squash_is_the_whitespace_regex() -> None:
    ws = re.compile(r"\s+")
    for text in [*_texts(200, 6), " \u3000a\u2028b\x1c c\u00a0 ", ""]:
        assert _squash(text) == ws.sub(" ", text).strip()


def test_secret_screen_answers_as_the_trigger_regex() -> None:
    rng = random.Random(7)
    pieces = [
        *("api", "ApI", "apı", "AP\u0130", "_key", "-KEY", "\u212aey"),
        *("secret", "ſecret", "SECRET", "token", "TOKEN", "passwd", "paſſword", "PASSWORD"),
        *("hf_", "sk-", "://", "x", " ", "=", ":", '"', "\n", "語"),
    ]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        assert _may_hold_secret(text) == (_TRIGGER.search(text) is not None), text
