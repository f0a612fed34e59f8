"""The domain lexicon: known names, their types, aliases and families, and a fast matcher.

The lexicon is data (``extract/lexicon/*.yaml``, plus user files given with
``--lexicon``) so that it can be reviewed and extended without touching code.
Matching runs one Aho-Corasick pass over a *normalised view* of the text (the
same folding as :func:`extract.normalize.match_key`: width, case, Simplified →
Taiwan Traditional, separators dropped) and maps hits back to body offsets, so
``bge large zh v1.5``, ``BGE-Large-ZH-v1.5`` and ``大语言模型`` are all found by
one alias each.

Speed: the view is built with two array look-ups per character, and OpenCC only
runs on the lines that hold a Simplified character. Traditional-script text
written with Mainland vocabulary (數據庫, 人工智能) or with variant characters
(台灣 for 臺灣) is matched by extra automaton words instead: each alias as
written, and the Mainland spelling OpenCC gives for each key (tw2sp, then s2t),
all pointing to the same entry — so every hit is still a name whose
:func:`match_key` is a lexicon key.
"""

from __future__ import annotations

import bisect
import itertools
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

from extract.errors import ZhkgError
from extract.normalize import HAN_RE, match_key, to_traditional
from extract.records import EntityType
from extract.timing import timed

log = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).with_name("lexicon")

# Characters match_key drops; the view drops them too so that spacing variants meet.
_SEPARATOR_CHARS = " \t\r\n\f\v\u00a0\u3000-_‐‑‒–—―·・/"
_SEP_CODES = np.array(sorted({ord(c) for c in _SEPARATOR_CHARS}), dtype=np.uint32)
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")
_HAN = HAN_RE


class LexiconError(ZhkgError, ValueError):
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
    override: bool = False  # from a file marked ``override: true`` (the workspace's curation layer)

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


@lru_cache(maxsize=1)
def _fold_tables() -> tuple[np.ndarray, np.ndarray]:
    """Per code point of the BMP: its 1:1 fold (NFKC + casefold) and whether the fold is a separator.

    Built once (about 40 ms) so that folding a text is two array look-ups instead of
    a Python call per character.
    """
    fold = np.arange(0x10000, dtype=np.uint32)
    for cp in range(0x80, 0x10000):
        if 0xD800 <= cp < 0xE000:
            continue
        f = _fold_char(chr(cp))
        if f != chr(cp):
            fold[cp] = ord(f)
    fold[ord("A") : ord("Z") + 1] += 32
    sep = np.isin(fold, _SEP_CODES)
    return fold, sep


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _fold_codes(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Folded code points and the separator mask of ``codes``."""
    fold, sep = _fold_tables()
    if codes.size and int(codes.max()) >= 0x10000:  # astral characters: fold them one by one
        bmp = codes < 0x10000
        clipped = np.where(bmp, codes, 0)
        folded = np.where(bmp, fold[clipped], codes)
        for i in np.flatnonzero(~bmp):
            folded[i] = ord(_fold_char(chr(int(codes[i]))))
        return folded, np.isin(folded, _SEP_CODES)
    return fold[codes], sep[codes]


_CONVERT_SPLIT = re.compile(r"([。！？；，])")


@lru_cache(maxsize=1)
def _simplified_re() -> re.Pattern[str]:
    """Simplified Han characters: changed by OpenCC s2twp on their own and not in Big5.

    A line without any of them is treated as Traditional; computed once (one OpenCC call).
    """
    cps = [*range(0x3400, 0xA000), *range(0xF900, 0xFB00)]
    conv = to_traditional("\n".join(map(chr, cps))).split("\n")
    if len(conv) != len(cps):  # never seen: fall back to converting every Han line
        return HAN_RE
    changed = "".join(
        chr(cp) for cp, c in zip(cps, conv, strict=True) if c != chr(cp) and not _in_big5(chr(cp))
    )
    return re.compile(f"[{re.escape(changed)}]")


def _in_big5(c: str) -> bool:
    """Whether Taiwan's Big5 has ``c``: 台, 余, 游, 里 are changed by s2twp yet ordinary Traditional text."""
    try:
        c.encode("cp950")
    except UnicodeEncodeError:
        return False
    return True


def _convert_line(line: str, conv: str | None = None) -> str:
    """``line`` in Taiwan Traditional, cut finer where conversion would change its length."""
    c = to_traditional(line) if conv is None else conv
    if len(c) == len(line):
        return c
    parts = _CONVERT_SPLIT.split(line)
    return "".join(q if len(q := to_traditional(p)) == len(p) else p for p in parts)


def _traditional_1to1(text: str) -> str:
    """Simplified → Taiwan Traditional where lengths allow a character-exact offset map.

    Only lines holding a Simplified character are converted (one OpenCC call for all
    of them); a line whose conversion changes its length (内存 → 記憶體) is converted
    piecewise, keeping the pieces that would shift offsets as written.
    """
    rx = _simplified_re()
    m = rx.search(text)
    if m is None:
        return text
    bounds: list[tuple[int, int]] = []
    while m is not None:
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else end
        bounds.append((start, end))
        m = rx.search(text, end)
    lines = [text[s:e] for s, e in bounds]
    conv = to_traditional("\n".join(lines)).split("\n")
    if len(conv) != len(lines):  # never seen: a conversion that moved a line break
        conv = [to_traditional(line) for line in lines]
    out: list[str] = []
    pos = 0
    for (start, end), line, c in zip(bounds, lines, conv, strict=True):
        out.append(text[pos:start])
        out.append(_convert_line(line, c))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def make_view(text: str) -> TextView:
    """Fold ``text`` like :func:`match_key` and drop separators, keeping an offset map.

    Lines without a Simplified character are folded but not converted (see the module notes).
    """
    if not text:
        return TextView(text, "", np.zeros(0, dtype=np.int64))
    folded, sep = _fold_codes(_codes(_traditional_1to1(text)))
    keep = ~sep
    index = np.flatnonzero(keep)
    view = folded[keep].tobytes().decode("utf-32-le", "surrogatepass")
    return TextView(text, view, index)


def view_key(text: str) -> str:
    """``text`` folded like a view (width, case, separators) without script conversion."""
    if not text:
        return ""
    folded, sep = _fold_codes(_codes(text))
    return folded[~sep].tobytes().decode("utf-32-le", "surrogatepass")


@lru_cache(maxsize=1)
def _mainland_converters() -> tuple[Any, Any]:
    import opencc

    return opencc.OpenCC("tw2sp"), opencc.OpenCC("s2t")


def _mainland_spellings(key: str) -> set[str]:
    """Traditional- and Simplified-script Mainland spellings of a Han key (資料庫 → 數據庫, 数据库)."""
    tw2sp, s2t = _mainland_converters()
    simp = str(tw2sp.convert(key))
    return {simp, str(s2t.convert(simp))} - {key}


_WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def _is_word_char(c: str) -> bool:
    return c in _WORD_CHARS


# Character classes of the boundary check, per ASCII code (index 128: every other character).
_WORD, _JOIN_LEFT, _JOIN_RIGHT, _PLUS = 1, 2, 4, 8
_CHAR_CLASS = np.zeros(129, dtype=np.uint8)
for _c in _WORD_CHARS:
    _CHAR_CLASS[ord(_c)] |= _WORD
for _c in ".-_:/+@":
    _CHAR_CLASS[ord(_c)] |= _JOIN_LEFT
for _c in ".-_:/@":
    _CHAR_CLASS[ord(_c)] |= _JOIN_RIGHT
_CHAR_CLASS[ord("+")] |= _PLUS


def latin_boundaries_ok(text: str, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Whether each span [starts[i], ends[i]) of ``text`` keeps to Latin word boundaries.

    A Latin/digit name must not start or end inside a longer Latin word: ``RAG``
    in ``STORAGE`` is rejected; so is ``Llama 3`` inside ``Llama 3.1`` and
    ``Breeze-7B`` inside ``Breeze-7B-Instruct`` (a continuing version or name part
    is joined by ``.``, ``-``, ``_`` or ``:`` followed by a letter or digit).
    Vectorised: a document has hundreds of Latin lexicon hits, and this checks all
    of them with a few array operations on the classes of their neighbouring characters.
    """
    cls = np.zeros(len(text) + 4, dtype=np.uint8)  # two never-word characters padding each side
    cls[2:-2] = _CHAR_CLASS[np.minimum(_codes(text), 128)]
    word = (cls & _WORD).astype(bool)
    s, e = starts + 2, ends + 2  # padded positions of text[start] and text[end]
    bad_left = word[s] & (word[s - 1] | ((cls[s - 1] & _JOIN_LEFT).astype(bool) & word[s - 2]))
    right = cls[e]
    bad_right = word[e - 1] & (
        word[e] | (right & _PLUS).astype(bool) | ((right & _JOIN_RIGHT).astype(bool) & word[e + 1])
    )
    return ~(bad_left | bad_right)


def latin_boundary_ok(text: str, start: int, end: int) -> bool:
    """:func:`latin_boundaries_ok` for one span."""
    return bool(latin_boundaries_ok(text, np.array([start]), np.array([end]))[0])


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
    ``override: true`` marks the workspace's curation file, whose entries beat every other
    declaration (see :meth:`Lexicon._add_override_layer`).
    """
    if isinstance(data, list):
        data = {"entries": data}
    if not isinstance(data, dict) or not isinstance(data.get("entries", []), list):
        raise LexiconError(f"{source}: expected a mapping with an 'entries' list")
    if not isinstance(data.get("ignore", []), list):
        raise LexiconError(f"{source}: 'ignore' must be a list of words")
    default_type = data.get("type")
    out = []
    override = data.get("override") is True
    for word in data.get("ignore") or []:
        if str(word).strip():
            out.append(
                LexEntry(str(word).strip(), EntityType.CONCEPT, source=source, ignore=True, override=override)
            )
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
            raise LexiconError(
                f"{where} ({name}): type {type_name or '(none)'!r} is not one of {allowed}"
            ) from None
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
                override=override,
            )
        )
    return out


def _read_file(path: Path) -> list[LexEntry]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LexiconError(f"cannot read lexicon {path}: {exc}") from None
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml: 4x faster
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
        layer: dict[str, LexEntry] = {}
        for e in entries:
            k = e.key
            if e.override:
                layer.pop(k, None)
                layer[k] = e
            elif k in by_name:  # same thing declared again: the later declaration replaces it
                self.entries[by_name[k]] = e
            else:
                by_name[k] = len(self.entries)
                self.entries.append(e)
        if layer:
            self._add_override_layer(layer)
        for e in self.entries:
            for s in e.surfaces():
                k = match_key(s)
                if len(k) < 2:
                    continue
                old = self._by_key.get(k)
                if old is not None and old.key != e.key:
                    self.conflicts.append(f"{s!r}: {old.name} ({old.source}) vs {e.name} ({e.source})")
                self._by_key[k] = e
        # Automaton words: every key, plus spellings a Traditional line may use that only
        # OpenCC would fold into the key (see the module notes). Value per word: (key, entry,
        # length, whether either end is a Latin letter/digit — Han-only names skip that check).
        words: dict[str, tuple[str, LexEntry]] = {k: (k, e) for k, e in self._by_key.items()}
        mainland: dict[str, set[str]] = {}
        for k in self._by_key:
            if _HAN.search(k):
                spellings = {view_key(m) for m in _mainland_spellings(k) if match_key(m) == k}
                if spellings:
                    mainland[k] = spellings
        inner = ahocorasick.Automaton()  # keys with a Mainland spelling, to find them inside longer keys
        for k in mainland:
            inner.add_word(k, k)
        if mainland:
            inner.make_automaton()
        for e in self.entries:
            for s in e.surfaces():
                k = match_key(s)
                if len(k) < 2 or self._by_key.get(k) is not e:
                    continue
                extra = {view_key(s)} | mainland.get(k, set())
                if mainland and _HAN.search(k):  # 向量資料庫 → 向量數據庫 (a part in Mainland spelling)
                    for end, part in inner.iter(k):
                        if part != k:
                            head, tail = k[: end - len(part) + 1], k[end + 1 :]
                            extra |= {head + sp + tail for sp in mainland[part]}
                for w in extra:
                    if len(w) >= 2 and w not in words:
                        words[w] = (k, e)
        # Automaton value: the word's number; per number, its entry, its length and whether
        # either end is a Latin letter/digit (Han-only names skip the boundary check).
        self._automaton = ahocorasick.Automaton()
        self._word_entries: list[LexEntry] = []
        lens: list[int] = []
        latin: list[bool] = []
        for w, (_k, e) in words.items():
            self._automaton.add_word(w, len(self._word_entries))
            self._word_entries.append(e)
            lens.append(len(w))
            latin.append(_is_word_char(w[0]) or _is_word_char(w[-1]))
        self._word_lens = np.array(lens, dtype=np.int64)
        self._word_latin = np.array(latin, dtype=bool)
        if words:
            self._automaton.make_automaton()
        self._family_keys: dict[str, str] = {}

    def _add_override_layer(self, layer: dict[str, LexEntry]) -> None:
        """Entries of an ``override: true`` file (the curation a user made in the explorer): each
        replaces any earlier declaration of its name and is placed after every other entry, so its
        spellings win every alias claim (a merged name is no longer claimed by its old entry) and
        its ignore words beat any alias that spells them."""
        self.entries = [e for e in self.entries if e.key not in layer]
        self.entries.extend(layer.values())

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

    def family_key(self, entry: LexEntry) -> str:
        """Key of the entry ``entry.family`` names ("" when it has none or the family is unknown)."""
        if not entry.family:
            return ""
        fk = self._family_keys.get(entry.family)
        if fk is None:
            fam = self.lookup(entry.family)
            fk = self._family_keys[entry.family] = fam.key if fam is not None else ""
        return fk

    def find(self, text: str, view: TextView | None = None) -> list[LexHit]:
        """Non-overlapping lexicon names in ``text``, leftmost-longest, Latin word boundaries checked."""
        return [LexHit(s, e, entry, text[s:e]) for s, e, entry in self.find_spans(text, view)]

    @timed("ner.lexicon_find")
    def find_spans(self, text: str, view: TextView | None = None) -> list[tuple[int, int, LexEntry]]:
        """:meth:`find` as (start, end, entry) tuples, for callers that need no :class:`LexHit`."""
        if not self._by_key or not text:
            return []
        view = view or make_view(text)
        flat = np.fromiter(itertools.chain.from_iterable(self._automaton.iter(view.view)), dtype=np.int64)
        if not flat.size:
            return []
        # (view end, word number) pairs → text offsets, for all hits at once.
        vends, words = flat[0::2], flat[1::2]
        starts = view.index[vends - self._word_lens[words] + 1]
        ends = view.index[vends] + 1
        latin = self._word_latin[words]
        if latin.any():
            keep = ~latin | latin_boundaries_ok(text, starts, ends)
            starts, ends, words = starts[keep], ends[keep], words[keep]
        spans = [(s, e, float(e - s)) for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
        entries = self._word_entries
        word_list: list[int] = words.tolist()
        return [(spans[i][0], spans[i][1], entries[word_list[i]]) for i in best_cover(spans)]


def best_cover(spans: Sequence[tuple[int, int, float]]) -> list[int]:
    """Indices of non-overlapping spans with the largest total weight (ties: fewer spans), in text order.

    Leftmost-first matching would pick ``語言`` when ``大型語言模型`` starts one
    character earlier and wins on coverage; weighted interval scheduling
    chooses by total weight instead, in O(n log n). Most spans overlap nothing:
    those are taken as they are; a cluster of overlapping spans that one span covers
    and outweighs (大型語言模型 over 語言, 模型) takes that span; only the remaining
    clusters are scheduled.
    """
    order = sorted(range(len(spans)), key=spans.__getitem__)
    out: list[int] = []
    cluster: list[int] = []
    reach = -1
    for i in [*order, -1]:
        if i >= 0:
            s, e, _w = spans[i]
            if s < reach:
                cluster.append(i)
                if e > reach:
                    reach = e
                continue
        if len(cluster) == 1:
            out.append(cluster[0])
        elif cluster:
            out.extend(_resolve_cluster(spans, cluster, reach))
        if i >= 0:
            cluster = [i]
            reach = spans[i][1]
    return out


def _resolve_cluster(spans: Sequence[tuple[int, int, float]], members: list[int], reach: int) -> list[int]:
    """The best non-overlapping choice within one cluster of overlapping spans."""
    start = spans[members[0]][0]
    total = sum(spans[i][2] for i in members)
    for i in members:  # one span covering the cluster and outweighing all the others together
        s, e, w = spans[i]
        if s == start and e == reach and w > total - w:
            return [i]
    return _schedule(spans, members)


def _schedule(spans: Sequence[tuple[int, int, float]], members: Sequence[int]) -> list[int]:
    """Weighted interval scheduling over ``members`` (indices into ``spans``), in text order."""
    order = sorted(members, key=lambda i: (spans[i][1], spans[i][0]))
    ends = [spans[i][1] for i in order]
    n = len(order)
    best = [0.0] * (n + 1)
    take = [False] * (n + 1)
    prev = [bisect.bisect_right(ends, spans[i][0], 0, j) for j, i in enumerate(order)]
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
