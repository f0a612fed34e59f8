"""The domain lexicon: known names, their types, aliases and families, and a fast matcher.

The lexicon is data (``extract/lexicon/*.yaml``, plus user files given with
``--lexicon``) so that it can be reviewed and extended without touching code.
Matching runs one Aho-Corasick pass over a *normalised view* of the text (the
same folding as :func:`extract.normalize.match_key`: width, case, Simplified →
Taiwan Traditional, separators dropped) and maps hits back to body offsets, so
``bge large zh v1.5``, ``BGE-Large-ZH-v1.5`` and ``大语言模型`` are all found by
one alias each.
"""

from __future__ import annotations

import bisect
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import ahocorasick
import numpy as np
import yaml

from extract.normalize import match_key, to_traditional
from extract.records import EntityType

log = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).with_name("lexicon")

# Characters match_key drops; the view drops them too so that spacing variants meet.
_SEPARATOR_CHARS = " \t\r\n\f\v\u00a0\u3000-_‐‑‒–—―·・/"
_SEP_CODES = np.array(sorted({ord(c) for c in _SEPARATOR_CHARS}), dtype=np.uint32)
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")


class LexiconError(ValueError):
    """A lexicon file cannot be read or has an invalid entry; the message names file and entry."""


@dataclass(frozen=True, slots=True)
class LexEntry:
    """One real thing the lexicon knows: its display name, type and every way it is written."""

    name: str
    type: EntityType
    aliases: tuple[str, ...] = ()
    family: str = ""  # canonical name of the family this is a variant of (models)
    parent: str = ""  # canonical name of the thing this is part of
    source: str = ""  # file it came from, for error messages and explanations
    ignore: bool = False  # known word that is not an entity (blocks patterns, never becomes a node)

    @property
    def key(self) -> str:
        return match_key(self.name)

    def surfaces(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True, slots=True)
class LexHit:
    """A lexicon name found in a text, in that text's offsets."""

    start: int
    end: int
    entry: LexEntry
    alias: str  # the lexicon spelling that matched


@dataclass(frozen=True, slots=True)
class TextView:
    """A normalised copy of a text with a map from view positions back to text positions."""

    text: str
    view: str
    index: np.ndarray  # index[i] = offset in ``text`` of view character i

    def span(self, vstart: int, vend: int) -> tuple[int, int]:
        return int(self.index[vstart]), int(self.index[vend - 1]) + 1


@lru_cache(maxsize=65536)
def _fold_char(c: str) -> str:
    folded = unicodedata.normalize("NFKC", c).casefold()
    return folded if len(folded) == 1 else c


def _fold_1to1(text: str) -> str:
    """NFKC + casefold, but only where one character stays one character (keeps offsets)."""
    table = {}
    for c in set(text):
        if c.isascii():
            continue
        f = _fold_char(c)
        if f != c:
            table[ord(c)] = f
    out = text.lower() if text.isascii() else text.translate(table).lower()
    return out if len(out) == len(text) else text.translate(table)


def _traditional_1to1(text: str) -> str:
    """Simplified → Taiwan Traditional where lengths allow a character-exact offset map."""
    conv = to_traditional(text)
    if len(conv) == len(text):
        return conv
    parts = re.split(r"([\n。！？；，])", text)
    out = []
    for p in parts:
        c = to_traditional(p)
        out.append(c if len(c) == len(p) else p)
    return "".join(out)


def make_view(text: str) -> TextView:
    """Fold ``text`` like :func:`match_key` and drop separators, keeping an offset map."""
    folded = _fold_1to1(_traditional_1to1(text))
    if not folded:
        return TextView(text, "", np.zeros(0, dtype=np.int64))
    codes = np.frombuffer(folded.encode("utf-32-le"), dtype=np.uint32)
    keep = ~np.isin(codes, _SEP_CODES)
    index = np.flatnonzero(keep)
    view = codes[keep].tobytes().decode("utf-32-le")
    return TextView(text, view, index)


def _is_word_char(c: str) -> bool:
    return c.isascii() and c.isalnum()


def latin_boundary_ok(text: str, start: int, end: int) -> bool:
    """A Latin/digit name must not start or end inside a longer Latin word.

    ``RAG`` in ``STORAGE`` is rejected; so is ``Llama 3`` inside ``Llama 3.1``
    and ``Breeze-7B`` inside ``Breeze-7B-Instruct`` (a continuing version or
    name part is joined by ``.``, ``-``, ``_`` or ``:`` followed by a letter or digit).
    """
    first, last = text[start], text[end - 1]
    if _is_word_char(first) and start > 0:
        prev = text[start - 1]
        if _is_word_char(prev):
            return False
        if prev in ".-_:/+@" and start > 1 and _is_word_char(text[start - 2]):
            return False
    if _is_word_char(last) and end < len(text):
        nxt = text[end]
        if _is_word_char(nxt) or nxt == "+":
            return False
        if nxt in ".-_:/@" and end + 1 < len(text) and _is_word_char(text[end + 1]):
            return False
    return True


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if v is not None and str(v).strip()]
    raise TypeError(f"expected a string or a list, got {type(value).__name__}")


def parse_entries(data: Any, source: str) -> list[LexEntry]:
    """Entries of one lexicon document.

    Format: ``{type: DEFAULT_TYPE?, entries: [{name, type?, aliases?, family?, parent?}],
    ignore: [word, ...]?}`` (a bare list of entries is accepted too). ``ignore`` lists
    words that are known but are not entities (programming languages, precision
    tags, generic words): they are matched so that no pattern picks them up, and dropped.
    """
    if isinstance(data, list):
        data = {"entries": data}
    if not isinstance(data, dict) or not isinstance(data.get("entries", []), list):
        raise LexiconError(f"{source}: expected a mapping with an 'entries' list")
    if not isinstance(data.get("ignore", []), list):
        raise LexiconError(f"{source}: 'ignore' must be a list of words")
    default_type = data.get("type")
    out = []
    for word in data.get("ignore") or []:
        if str(word).strip():
            out.append(LexEntry(str(word).strip(), EntityType.CONCEPT, source=source, ignore=True))
    for i, raw in enumerate(data.get("entries") or []):
        where = f"{source}: entry {i + 1}"
        if not isinstance(raw, dict) or not str(raw.get("name", "")).strip():
            raise LexiconError(f"{where}: each entry needs a 'name'")
        name = str(raw["name"]).strip()
        type_name = str(raw.get("type") or default_type or "").upper()
        try:
            etype = EntityType(type_name)
        except ValueError:
            allowed = ", ".join(t.value for t in EntityType)
            raise LexiconError(f"{where} ({name}): type {type_name or '(none)'!r} is not one of {allowed}")
        try:
            aliases = _as_list(raw.get("aliases"))
        except TypeError as exc:
            raise LexiconError(f"{where} ({name}): aliases: {exc}") from None
        seen = {match_key(name)}
        uniq = []
        for a in aliases:
            k = match_key(a)
            if k and k not in seen:
                seen.add(k)
                uniq.append(a.strip())
        out.append(
            LexEntry(
                name=name,
                type=etype,
                aliases=tuple(uniq),
                family=str(raw.get("family") or "").strip(),
                parent=str(raw.get("parent") or "").strip(),
                source=source,
            )
        )
    return out


def _read_file(path: Path) -> list[LexEntry]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LexiconError(f"cannot read lexicon {path}: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LexiconError(f"lexicon {path} is not valid YAML: {exc}") from None
    return parse_entries(data, str(path.name))


class Lexicon:
    """Known names by key, and a single-pass matcher over texts.

    Later entries win over earlier ones for the same key, so a user lexicon can
    re-type or re-home a shipped name.
    """

    def __init__(self, entries: Iterable[LexEntry]) -> None:
        self.entries: list[LexEntry] = []
        self._by_key: dict[str, LexEntry] = {}
        self.conflicts: list[str] = []
        by_name: dict[str, int] = {}
        for e in entries:
            k = e.key
            if k in by_name:  # same thing declared again: the later declaration replaces it
                self.entries[by_name[k]] = e
            else:
                by_name[k] = len(self.entries)
                self.entries.append(e)
        for e in self.entries:
            for s in e.surfaces():
                k = match_key(s)
                if len(k) < 2:
                    continue
                old = self._by_key.get(k)
                if old is not None and old.key != e.key:
                    self.conflicts.append(f"{s!r}: {old.name} ({old.source}) vs {e.name} ({e.source})")
                self._by_key[k] = e
        self._automaton = ahocorasick.Automaton()
        for k, e in self._by_key.items():
            self._automaton.add_word(k, (k, e))
        if self._by_key:
            self._automaton.make_automaton()

    @classmethod
    def load(cls, extra_files: Sequence[Path] = (), *, shipped: bool = True) -> Lexicon:
        """The shipped lexicon plus user files (raising :class:`LexiconError` on a bad file)."""
        entries: list[LexEntry] = []
        if shipped:
            for path in sorted(SHIPPED_DIR.glob("*.yaml")):
                entries.extend(_read_file(path))
        for path in extra_files:
            path = Path(path)
            if not path.is_file():
                raise LexiconError(f"lexicon file {path} does not exist")
            entries.extend(_read_file(path))
        lex = cls(entries)
        for c in lex.conflicts:
            log.debug("lexicon alias claimed twice (later wins): %s", c)
        return lex

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, key: str) -> LexEntry | None:
        """The entry any of whose spellings has this match key."""
        return self._by_key.get(key)

    def lookup(self, name: str) -> LexEntry | None:
        return self._by_key.get(match_key(name))

    def keys(self) -> Iterable[str]:
        return self._by_key.keys()

    def find(self, text: str, view: TextView | None = None) -> list[LexHit]:
        """Non-overlapping lexicon names in ``text``, leftmost-longest, Latin word boundaries checked."""
        if not self._by_key or not text:
            return []
        view = view or make_view(text)
        cands: list[tuple[int, int, LexEntry, str]] = []
        for vend, (k, entry) in self._automaton.iter(view.view):
            vstart = vend - len(k) + 1
            start, end = view.span(vstart, vend + 1)
            if not latin_boundary_ok(text, start, end):
                continue
            cands.append((start, end, entry, k))
        chosen = best_cover([(c[0], c[1], float(c[1] - c[0])) for c in cands])
        return [
            LexHit(cands[i][0], cands[i][1], cands[i][2], text[cands[i][0] : cands[i][1]]) for i in chosen
        ]


def best_cover(spans: Sequence[tuple[int, int, float]]) -> list[int]:
    """Indices of non-overlapping spans with the largest total weight (ties: fewer spans).

    Leftmost-first matching would pick ``語言`` when ``大型語言模型`` starts one
    character earlier and wins on coverage; weighted interval scheduling
    chooses by total weight instead, in O(n log n).
    """
    order = sorted(range(len(spans)), key=lambda i: (spans[i][1], spans[i][0]))
    ends = [spans[i][1] for i in order]
    n = len(order)
    best = [0.0] * (n + 1)
    take = [False] * (n + 1)
    prev = [0] * n
    for j, i in enumerate(order):
        prev[j] = bisect.bisect_right(ends, spans[i][0], 0, j)
    for j, i in enumerate(order):
        with_it = spans[i][2] - 1e-6 + best[prev[j]]
        if with_it > best[j]:
            best[j + 1] = with_it
            take[j + 1] = True
        else:
            best[j + 1] = best[j]
    out: list[int] = []
    j = n
    while j > 0:
        if take[j]:
            out.append(order[j - 1])
            j = prev[j - 1]
        else:
            j -= 1
    out.reverse()
    return out
