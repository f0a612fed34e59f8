"""Body → sentences → chunks.

Chinese marks sentence ends with 。！？；… rather than spaces, and technical
writing mixes in English sentences, version numbers (``Llama 3.1``) and tags
(``llama3.1:8b``), so a full stop only ends a sentence when followed by space.
Chunks never cross a section heading and never cut inside a Latin token.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from extract.records import Chunk, stable_id

# A sentence ends after CJK terminal punctuation (plus closing quotes/brackets), after
# ASCII .!? followed by whitespace, or at a newline. The lookbehind comes after the full stop it
# checks, so the regex engine scans for candidate characters instead of trying it everywhere.
_END = re.compile(r"(?:[。！？；!?]+|…+|\.{3,})[」』”’）)\]】]*|[.!?](?<=[A-Za-z0-9)\]][.!?])(?=\s)|\n")
_LATIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:/\-+#@]*")


def split_sentences(text: str, base: int = 0) -> list[tuple[int, int]]:
    """Sentence spans (start, end) in ``text`` (offset by ``base``), trimmed of surrounding space."""
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    for s, e in [*(m.span() for m in _END.finditer(text)), (n, n)]:  # (n, n): the rest of the text
        seg = text[start : s if s < n and text[s] == "\n" else e]  # a newline is not kept
        head = seg.lstrip()  # str.strip trims what str.isspace calls space
        if head:
            first = base + start + len(seg) - len(head)
            spans.append((first, first + len(head.rstrip())))
        start = e
    return spans


def _hard_split(text: str, start: int, end: int, size: int) -> list[tuple[int, int]]:
    """Cut an over-long sentence into pieces of at most ``size``, never inside a Latin token."""
    pieces: list[tuple[int, int]] = []
    tokens = [(m.start(), m.end()) for m in _LATIN.finditer(text, start, end)]
    pos = start
    while end - pos > size:
        cut = pos + size
        for ts, te in tokens:
            if ts < cut < te:  # would cut a token: cut before it, or after it if it starts the piece
                cut = ts if ts > pos else te
                break
        pieces.append((pos, cut))
        pos = cut
    pieces.append((pos, end))
    return [(s, e) for s, e in pieces if e > s]


def make_chunks(
    doc_id: str,
    body: str,
    sections: Sequence[tuple[int, str]],
    size: int = 500,
    overlap: int = 1,
) -> list[Chunk]:
    """Pack sentences into chunks of about ``size`` characters, ``overlap`` sentences shared.

    ``sections`` are ``(offset, heading)`` marks from :func:`extract.clean.assemble`;
    a new section always starts a new chunk.
    """
    bounds = [0] + [off for off, _ in sections if off > 0] + [len(body)]
    heading_at = dict(sections)
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for s_start, s_end in pairwise(bounds):
        if s_end <= s_start:
            continue
        section = heading_at.get(s_start, "")
        if not section:
            section = next((h for off, h in reversed(sections) if off <= s_start), "")
        sentences: list[tuple[int, int]] = []
        for a, b in split_sentences(body[s_start:s_end], s_start):
            sentences.extend(_hard_split(body, a, b, size) if b - a > size else [(a, b)])
        i = 0
        while i < len(sentences):
            j = i
            while j + 1 < len(sentences) and sentences[j + 1][1] - sentences[i][0] <= size:
                j += 1
            start, end = sentences[i][0], sentences[j][1]
            text = body[start:end]
            n = seen.get(text, 0)
            seen[text] = n + 1
            chunks.append(
                Chunk(
                    id=stable_id("c", doc_id, text, str(n)),
                    doc_id=doc_id,
                    index=len(chunks),
                    text=text,
                    start=start,
                    end=end,
                    section=section,
                )
            )
            if j + 1 >= len(sentences):
                break
            i = max(i + 1, j + 1 - overlap)
    return chunks
