"""Question → entities: exact keys (aliases, cross-script), then fuzzy matching for Latin names.

Entity keys are :func:`extract.normalize.match_key` forms, so one Aho-Corasick
pass over the question's key form finds every alias in any script or casing.
Latin keys must sit on a word boundary (``lora`` inside ``qlora`` is not LoRA),
and a match inside a longer match is dropped. Names the automaton misses
(``langchian``) get one rapidfuzz lookup against the Latin keys.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick
from rapidfuzz import fuzz, process

from extract.normalize import HAN_RE, match_key, to_traditional

_LATIN_CHAR = re.compile(r"[a-z0-9]")
_LATIN_WORD = re.compile(r"[a-z][a-z0-9.+\-_]{3,}")
_HAN = HAN_RE
_SEPARATORS = re.compile(r"[\s\-_‐‑‒–—―·・/]+")


@dataclass(frozen=True, slots=True)
class Link:
    entity_id: str
    key: str
    start: int  # in the question's key form
    end: int
    score: float  # 1.0 exact, < 1 fuzzy


class Linker:
    def __init__(self, key_to_entity: dict[str, str]) -> None:
        self.key_to_entity = {k: v for k, v in key_to_entity.items() if _usable_key(k)}
        self._auto = ahocorasick.Automaton()
        for key in self.key_to_entity:
            self._auto.add_word(key, key)
        if self.key_to_entity:
            self._auto.make_automaton()
        self._latin_keys = sorted(k for k in self.key_to_entity if not _HAN.search(k) and len(k) >= 4)

    def link(self, question: str, *, fuzzy_cutoff: float = 88.0) -> list[Link]:
        """Entities named in ``question``, in order of appearance, longest match wins, one link per entity."""
        if not self.key_to_entity:
            return []
        text, breaks = key_form(question)
        found: list[Link] = []
        for end_idx, key in self._auto.iter(text):
            start = end_idx - len(key) + 1
            end = end_idx + 1
            if not _on_boundary(text, breaks, start, end, key):
                continue
            found.append(Link(self.key_to_entity[key], key, start, end, 1.0))
        # Longest first; drop matches covered by a longer one.
        found.sort(key=lambda lk: (-(lk.end - lk.start), lk.start))
        kept: list[Link] = []
        for lk in found:
            if any(k.start <= lk.start and lk.end <= k.end for k in kept):
                continue
            kept.append(lk)
        seen = {lk.entity_id for lk in kept}
        if self._latin_keys:
            kept.extend(self._fuzzy(question, seen, fuzzy_cutoff))
        kept.sort(key=lambda lk: lk.start)
        out: list[Link] = []
        ids: set[str] = set()
        for lk in kept:
            if lk.entity_id not in ids:
                ids.add(lk.entity_id)
                out.append(lk)
        return out

    def _fuzzy(self, question: str, seen: set[str], cutoff: float) -> Iterable[Link]:
        folded = unicodedata.normalize("NFKC", question).casefold()
        text, _ = key_form(question)
        for m in _LATIN_WORD.finditer(folded):
            word = match_key(m.group())
            if word in self.key_to_entity:
                continue
            hit = process.extractOne(word, self._latin_keys, scorer=fuzz.ratio, score_cutoff=cutoff)
            if hit is None:
                continue
            key = str(hit[0])
            eid = self.key_to_entity[key]
            if eid in seen:
                continue
            seen.add(eid)
            pos = text.find(word)
            yield Link(eid, key, max(pos, 0), max(pos, 0) + len(word), float(hit[1]) / 100.0)


def _usable_key(key: str) -> bool:
    """Single Latin letters or one Han character match far too much to mean an entity."""
    if not key:
        return False
    if _HAN.search(key):
        return len(key) >= 2
    return len(key) >= 2


def key_form(text: str) -> tuple[str, set[int]]:
    """``match_key(text)`` plus the positions where a separator was dropped.

    Dropping spaces would glue ``what is lora`` into ``whatislora``; remembering
    where words met lets a Latin key still require a word boundary.
    """
    folded = to_traditional(unicodedata.normalize("NFKC", text).casefold())
    out: list[str] = []
    breaks: set[int] = set()
    for part in _SEPARATORS.split(folded):
        if part:
            breaks.add(len(out))
            out.extend(part)
    breaks.add(len(out))
    return "".join(out), breaks


def _on_boundary(text: str, breaks: set[int], start: int, end: int, key: str) -> bool:
    if _LATIN_CHAR.match(key[0]) and start not in breaks and _LATIN_CHAR.match(text[start - 1]):
        return False
    return not (_LATIN_CHAR.match(key[-1]) and end not in breaks and _LATIN_CHAR.match(text[end]))


__all__ = ["Link", "Linker", "key_form"]
