"""Body → sentences → chunks.

Chinese marks sentence ends with 。！？；… rather than spaces, and technical
writing mixes in English sentences, version numbers (``Llama 3.1``), tags
(``llama3.1:8b``), file names (``config.yaml``), URLs and abbreviations
(``e.g.``), so an ASCII full stop only ends a sentence when spacing follows it.
:func:`split_sentences` is the one sentence splitter: chunks are packed from its
sentences and relations read their evidence from them
(:func:`extract.relations.split_sentences` adds the kind of each line).
Chunks never cross a section heading and never cut inside a Latin token.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from extract.normalize import HAN, PICTOGRAPH, trim_spacing
from extract.records import Chunk, stable_id
from extract.timing import timed

# Closing quotes and brackets stay with the sentence they close.
_CLOSE = '」』”’）)\\]】〉》〕"'
# A sentence ends
# - after 。！？； (full-width: always), with its closing quotes and brackets;
# - after an ellipsis (…, ……, ...), unless the enumeration goes on (……等, ...，);
# - after ASCII ! or ?, unless a URL, an operator or a word goes on (?q=1, !=, Hello!World):
#   see :func:`_bang_ends`;
# - after an ASCII full stop that follows a letter, digit, closing bracket or Han character and
#   is followed by spacing (white space, an emoji, the end) — ``3.1``, ``config.yaml`` and
#   ``llama3.1:8b`` go on — or, Chinese-style, directly by a Han character after a letter or a
#   Han character (``完成.接著``); abbreviations, initials and list numbers are then told apart
#   by :func:`_period_ends`;
# - at a newline (which belongs to no sentence).
# Emoji and pictographs count as spacing. Each alternative starts with the character it looks
# for and any lookbehind comes after it, so the regex engine scans for candidate characters
# instead of trying every position.
_END = re.compile(
    rf"[。！？；]+[{_CLOSE}]*"
    rf"|(?:…+|\.{{3,}})(?![等，、,….]|\s*等)[{_CLOSE}]*"
    rf"|[!?]+[{_CLOSE}]*"
    rf"|\.(?<=[A-Za-z0-9)\]」』”’%{HAN}]\.)[{_CLOSE}]*(?=[\s{PICTOGRAPH}]|\Z)"
    rf"|\.(?<=[A-Za-z{HAN}]\.)(?=[{HAN}])"
    r"|\n"
)
# Latin words that end in a full stop without ending the sentence (compared case-folded).
_ABBREVIATIONS = frozenset(
    """
    eg ie etc vs cf al approx ca esp incl resp viz fig figs no nos vol vols pp ed eds
    eq eqs sec ch chap ref refs dr mr mrs ms prof jr sr st mt inc ltd co corp dept univ est
    jan feb mar apr jun jul aug sep sept oct nov dec ver rev misc
    """.split()  # noqa: SIM905
)
# The Latin word before a full stop (the search starts at most 12 characters back).
_WORD_BEFORE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z.]*\Z")
_DOTTED = re.compile(r"(?:[A-Za-z]{1,2}\.)+[A-Za-z]{1,2}")  # e.g, i.e, U.S, a.m, Ph.D
# What may stand before a list number at the start of a line: indentation, Markdown marks.
_LIST_NUMBER = re.compile(r"[\s#>*\-]*\d{1,3}(?:\.\d{1,3})*\Z")
# The next word starts in lower case and has no capital or digit in it: the sentence goes on
# (``approx. three``), where ``vLLM`` or ``gpt-4o`` would be a name opening the next one.
_LOWER_WORD = re.compile(rf"[\s{PICTOGRAPH}]*[a-z]+(?![A-Za-z0-9]|[\-_.:/][A-Za-z0-9])")
# After ASCII ! or ?, what makes it part of a URL, an operator or a word (?q=1, !=, Hello!World).
_BANG_GOES_ON = re.compile(r"[A-Za-z0-9_=&/%#.:!?\-\[(]")
_HAN_CHAR = re.compile(f"[{HAN}]")
_LATIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:/\-+#@]*")


def _period_ends(text: str, dot: int, after: int, line_start: int) -> bool:
    """Whether the ASCII full stop at ``dot`` (its closing marks end at ``after``) ends a sentence.

    Not after an abbreviation (``e.g.``, ``Fig.``), a capital initial (``J. Smith``) or a list
    number at the start of a line (``1. 安裝``), and not before a plain lower-case word.
    """
    word = _WORD_BEFORE.search(text, max(line_start, dot - 12), dot)
    if word is not None:
        w = word.group()
        if (len(w) == 1 and w.isupper()) or w.casefold() in _ABBREVIATIONS or _DOTTED.fullmatch(w):
            return False
    elif _LIST_NUMBER.match(text, line_start, dot) is not None:
        return False
    return _LOWER_WORD.match(text, after) is None


def _bang_ends(text: str, start: int, after: int) -> bool:
    """Whether ASCII ! or ? (``text[start:after]`` with closing marks) ends a sentence.

    After a Han character it always does (``是嗎?Ollama 呢``); after Latin text not when a URL,
    an operator or a word goes on.
    """
    if after >= len(text) or (start > 0 and _HAN_CHAR.match(text, start - 1)):
        return True
    return _BANG_GOES_ON.match(text, after) is None


def _ends(text: str, c: str, s: int, e: int, line_start: int) -> bool:
    """Whether the candidate end ``text[s:e]`` (first character ``c``) really ends a sentence."""
    if c == "." and not text.startswith("...", s):
        return _period_ends(text, s, e, line_start)
    if c in "!?":
        return _bang_ends(text, s, e)
    return True


DEFAULT_CHUNK_SIZE = 500  # characters per chunk: the settings, the CLI and partition jobs use this


def split_sentences(text: str, base: int = 0) -> list[tuple[int, int]]:
    """Sentence spans (start, end) in ``text`` (offset by ``base``), trimmed of spacing.

    Spacing is white space and pictographs, so a sentence neither starts nor ends with an
    emoji and a line of emoji alone is no sentence. No sentence crosses a newline.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    line_start = 0
    for m in _END.finditer(text):
        s, e = m.span()
        c = text[s]
        cut = e
        if c == "\n":
            cut = s  # a newline is not kept
        elif not _ends(text, c, s, e, line_start):
            continue
        a, b = trim_spacing(text, start, cut)
        if b > a:
            spans.append((base + a, base + b))
        start = e
        if c == "\n":
            line_start = e
    a, b = trim_spacing(text, start, n)
    if b > a:
        spans.append((base + a, base + b))
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


@timed("chunk.make_chunks")
def make_chunks(
    doc_id: str,
    body: str,
    sections: Sequence[tuple[int, str]],
    size: int = DEFAULT_CHUNK_SIZE,
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
