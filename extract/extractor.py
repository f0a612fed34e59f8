"""Entity and relation extraction for documents: lexicon + patterns (+ CKIP when asked for).

The default path needs no model: the domain lexicon finds known names in every
script and spelling, shape patterns find unknown Latin-script names, cue
patterns find Chinese noun phrases and persons. Candidates that overlap are
resolved by coverage and trust (lexicon > CKIP > patterns), junk is dropped,
and each survivor becomes a :class:`Mention` with extractor and confidence.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import NamedTuple

from extract import ckip as ckip_models
from extract import commonwords, persons
from extract.commonwords import is_common_en
from extract.junk import junk_reason
from extract.lexicon import LexEntry, Lexicon, best_cover, latin_boundary_ok, make_view
from extract.newwords import find_recurrent_terms
from extract.normalize import HAN, PICTOGRAPH_RE, match_key, trim_pictographs
from extract.patterns import (
    PatternHit,
    find_chinese_terms,
    find_latin_names,
    find_latin_phrases,
    find_plain_latin_words,
    in_spans,
    is_code_token,
    list_slashes,
    masked_spans,
    variant_family,
)
from extract.persons import find_persons
from extract.records import (
    Chunk,
    DocExtraction,
    Document,
    EntityType,
    Mention,
    RelationCandidate,
    RelationType,
)
from extract.relations import ChunkIndex, Sentence, sentence_relations, split_sentences
from extract.resolve import SINGLE_SIGHTING
from extract.timing import timed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExtractorConfig:
    lexicon_files: tuple[Path, ...] = ()  # user lexicons added to the shipped one (--lexicon FILE)
    use_ckip: bool = False  # the embedded default needs no model
    ckip_ws_model: str = ckip_models.WS_MODEL
    ckip_pos_model: str = ckip_models.POS_MODEL
    ckip_ner_model: str = ckip_models.NER_MODEL
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    batch_size: int = 16


@dataclass(slots=True)
class _Cand:
    start: int
    end: int
    type: EntityType
    extractor: str
    confidence: float
    key: str
    canonical: str = ""
    family: str = ""  # family key for variants
    priority: float = 1.0
    type_fixed: bool = False  # lexicon-typed: context may not change it
    extra: dict[str, str] = field(default_factory=dict)


# Extractors in order of trust; the weight breaks ties between spans of equal coverage.
_PRIORITY = {"lexicon": 1.3, "ckip": 1.1, "pattern": 1.0}
# Low-confidence pattern families must be seen twice in a document (or be defined there).
_NEEDS_SUPPORT = {"zh-term", "latin-word", "latin-phrase", "ckip-weak"}
# Chinese phrase patterns: they never override a known name, and a known term's tail is none of them.
_ZH_PHRASES = frozenset({"zh-term", "zh-org", "zh-new"})
# A multi-word name outweighs the same span read as a known word plus a pattern word
# (``Amazon SageMaker``: 16 × 1.15 > 6 × 1.3 + 9 × 1.0).
_PHRASE_BONUS = 1.15
# A person's name outweighs the same words read as a product name (ties go to the earlier span).
_PERSON_BONUS = 1.2
# Patterns whose name may be a known non-model name plus a version (``Cuda 12.1``, ``pgAdmin4``):
# such a name is that thing, so it takes the known name's key instead of becoming a new entity.
_VERSIONED_PATTERNS = {"name-version", "latin-phrase-known", "versioned", "camelcase"}
# A release number (``12.1``, ``v2.0.3``) or digits glued to the name (``pgAdmin4``); a separate
# integer is a product generation (``Windows 11``), which stays a thing of its own.
_TRAILING_VERSION = re.compile(r"^(.*?[A-Za-z+#])(?:[ \-]?v?\d+(?:\.\d+)+[a-z]?|\d+)$")
_HAS_DIGIT = re.compile(r"\d")
_HAN_KEY = re.compile(f"[{HAN}]+")
_TWO_LETTERS = re.compile(r"[A-Za-z]{2}")
_NO_EXTRA: dict[str, str] = {}  # shared, never mutated
_DEFINITION = re.compile(r"^\s*(?:是|為|（|\(|又稱|也就是|指的是|簡稱)")
# What says a Latin word seen once is a piece of software: a verb of using it right before
# (「接著用 X 轉換」「安裝 X」) or a kind of software right after (「X 命令列工具」「X 套件」).
_TOOL_BEFORE = re.compile(r"(?:使用|改用|透過|通過|利用|安裝|下載|執行|啟動|開啟|搭配|整合|用|裝)\s*$")
_TOOL_AFTER = re.compile(
    r"^\s*(?:命令列|命令行|工具|套件|框架|函式庫|函數庫|外掛|插件|擴充|擴展|伺服器|服務|客戶端|CLI|SDK|API)"
)


def _software_cue(body: str, start: int, end: int) -> bool:
    """Whether the text around ``body[start:end]`` says it names a piece of software."""
    return bool(
        _TOOL_BEFORE.search(body[max(0, start - 4) : start]) or _TOOL_AFTER.match(body[end : end + 6])
    )


_TYPE_CONTEXT: list[tuple[re.Pattern[str], EntityType]] = [
    (
        re.compile(r"^\s*(?:的)?\s*(?:顯示卡|顯卡|GPU|晶片|伺服器|工作站|開發板|主機|筆電)"),
        EntityType.HARDWARE,
    ),
    (re.compile(r"^\s*(?:的)?\s*(?:模型|model|大模型|語言模型|嵌入模型)", re.I), EntityType.MODEL),
    (re.compile(r"^\s*(?:公司|團隊|實驗室|研究院|大學|基地|集團|社群)"), EntityType.ORG),
    (
        re.compile(
            r"^\s*(?:的)?\s*(?:資料集|數據集|数据集|評測集|评测集|基準測試|基準|benchmark|dataset)", re.I
        ),
        EntityType.DATASET,
    ),
    (
        re.compile(
            r"^\s*(?:的)?\s*(?:框架|函式庫|套件|工具|平台|資料庫|引擎|命令列|命令行|外掛|插件|擴充套件|library|framework"
            r"|伺服器軟體|服務)",
            re.I,
        ),
        EntityType.TOOL,
    ),
    (re.compile(r"^\s*(?:演算法|方法|技術|格式|架構|機制|指標)"), EntityType.CONCEPT),
]


def _han_tails(lexicon: Lexicon) -> frozenset[str]:
    """Proper tails (two characters or more) of the lexicon's Chinese keys that are no key themselves."""
    keys = set(lexicon.keys())
    tails = {
        key[i:] for key in keys if len(key) > 2 and _HAN_KEY.fullmatch(key) for i in range(1, len(key) - 1)
    }
    return frozenset(tails - keys)


def _covered(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) lies inside one of ``spans`` (an ignored word)."""
    i = bisect.bisect_right(spans, (start, 1 << 62)) - 1
    return i >= 0 and spans[i][0] <= start and end <= spans[i][1]


_MAX_LINK_MENTIONS = 20  # places one link label is counted in a document


class _PatternInfo(NamedTuple):
    """What the lexicon says about a name a pattern found (cached per extractor)."""

    type: EntityType
    confidence: float
    key: str
    canonical: str  # the lexicon's name when it knows the name
    family: str  # key of the model family a variant belongs to
    priority: float
    fixed: bool  # the type is certain (no classifier re-typing)
    extra: dict[str, str]


# What separates the items of an enumeration: 、 ， / & and the conjunctions of both languages.
_LIST_GAP = re.compile(r"\s*(?:[、，,/&]|或者?|和|及|與|以及|跟|and|or)\s*$", re.I)
_MAX_GAP = 6


def _enumerated(body: str, cands: Sequence[_Cand]) -> set[tuple[int, int]]:
    """Spans of candidates that stand in an enumeration next to another candidate name.

    Names are listed with names: a rare word that is one item of ``（CUDA、Metal、OpenCL）`` or
    ``GCC、Clang 或 MSVC`` is supported by the items beside it, as a second sighting would.
    """
    ends: dict[int, list[int]] = {}
    for c in cands:
        ends.setdefault(c.end, []).append(c.start)
    starts = {c.start for c in cands}
    out: set[tuple[int, int]] = set()
    for c in cands:
        for gap in range(1, _MAX_GAP + 1):  # a neighbour ends just before this one starts
            if c.start - gap in ends and _LIST_GAP.fullmatch(body[c.start - gap : c.start]):
                out.add((c.start, c.end))
                for s in ends[c.start - gap]:
                    out.add((s, c.start - gap))
                break
        for gap in range(1, _MAX_GAP + 1):  # or one starts just after it ends
            if c.end + gap in starts and _LIST_GAP.fullmatch(body[c.end : c.end + gap]):
                out.add((c.start, c.end))
                break
    return out


def _short_forms(body: str, cands: Sequence[_Cand]) -> None:
    """Short forms of a longer name found in the same document take that name's key.

    An acronym no lexicon knows that spells the capitals of a longer name (``AOAI`` beside
    ``Azure OpenAI``) is that name; so is a given or family name alone (``Lucile``) where the
    document names one person with it (``Lucile Saulnier``). A part two people share stays apart.
    """
    longer: dict[str, _Cand] = {}
    shared: set[str] = set()
    for c in cands:
        surface = body[c.start : c.end]
        caps = "".join(ch for ch in surface if "A" <= ch <= "Z")
        if len(caps) >= 3 and any(ch.islower() for ch in surface):
            longer.setdefault(caps, c)
        if c.type is EntityType.PERSON and " " in surface:
            for part in {surface.split(" ")[0], surface.split(" ")[-1]}:
                other = longer.setdefault(part, c)
                if other.key != c.key:
                    shared.add(part)
    if not longer:
        return
    for c in cands:
        surface = body[c.start : c.end]
        short = surface.isalpha() and (surface.isupper() or surface[:1].isupper()) and " " not in surface
        target = longer.get(surface) if not c.canonical and short and surface not in shared else None
        if target is not None and target is not c and target.key != c.key:
            c.key = target.key
            c.canonical = target.canonical or body[target.start : target.end]
            c.type, c.type_fixed = target.type, True


class Extractor:
    """Turns documents and their chunks into mentions and relation candidates."""

    def __init__(self, config: ExtractorConfig) -> None:
        self.config = config
        self.lexicon: Lexicon = Lexicon.load(config.lexicon_files)
        self.ckip_status = "off"
        self._ckip = None
        commonwords.warm()
        persons.configure(self.lexicon)  # known names and word lists, loaded before workers fork
        self._han_tails = _han_tails(self.lexicon)
        self._family_cache: dict[tuple[str, str], tuple[str, str]] = {}
        self._pattern_cache: dict[tuple[str, EntityType, str, float], _PatternInfo] = {}
        if config.use_ckip:
            from extract.ckip import CkipConfig, load_ckip

            self._ckip, self.ckip_status = load_ckip(
                CkipConfig(
                    ws_model=config.ckip_ws_model,
                    pos_model=config.ckip_pos_model,
                    ner_model=config.ckip_ner_model,
                    device=config.device,
                    batch_size=config.batch_size,
                )
            )

    # -- public ------------------------------------------------------------------------------------

    def extract_many(self, items: Sequence[tuple[Document, Sequence[Chunk]]]) -> list[DocExtraction]:
        """One :class:`DocExtraction` per (document, chunks), in order."""
        ckip_hits: list[list[tuple[int, int, EntityType, float]]] = [[] for _ in items]
        if self._ckip is not None:
            try:
                ckip_hits = self._ckip.entities([doc.body for doc, _ in items])
            except Exception as exc:  # a model failing mid-run must not lose the documents
                log.warning("CKIP failed, continuing with lexicon and patterns: %s", exc)
                self._ckip = None
                self.ckip_status = f"unavailable: {type(exc).__name__}: {exc}"
        return [self.extract(doc, chunks, ckip_hits[i]) for i, (doc, chunks) in enumerate(items)]

    def extract(
        self,
        doc: Document,
        chunks: Sequence[Chunk],
        ckip_hits: Sequence[tuple[int, int, EntityType, float]] = (),
    ) -> DocExtraction:
        body = doc.body
        if not body.strip():
            return DocExtraction()
        cands = self._candidates(body, ckip_hits, doc.code)
        index = ChunkIndex(chunks)
        mentions = self._mentions(doc.id, body, cands, index)
        if doc.link_labels:
            mentions.extend(self._link_mentions(doc, mentions, index))
        sentences = split_sentences(body)
        relations = sentence_relations(doc.id, body, sentences, mentions, chunks)
        relations.extend(self._variant_relations(doc.id, body, mentions, sentences, index))
        return DocExtraction(tuple(mentions), tuple(relations))

    def _link_mentions(self, doc: Document, mentions: Sequence[Mention], index: ChunkIndex) -> list[Mention]:
        """``[[Ollama|本機工具]]`` mentions Ollama where it shows 本機工具: for a note the lexicon knows,
        each place its label appears (outside code, where no other name was found) is a mention of it."""
        body, out, code = doc.body, [], list(doc.code)
        taken = sorted((m.start, m.end) for m in mentions)
        for label, note in doc.link_labels:
            entry = self.lexicon.get(match_key(note))
            if entry is None or entry.ignore or not label.strip():
                continue
            at = body.find(label)
            for _ in range(_MAX_LINK_MENTIONS):
                if at < 0:
                    break
                end = at + len(label)
                overlaps = any(s < end and at < e for s, e in taken)
                if not overlaps and not in_spans(code, at, end):
                    chunk = index.chunk_for(at, end)
                    out.append(
                        Mention(doc.id, chunk, at, end, label, entry.key, entry.type, "link", 0.8, entry.name)
                    )
                at = body.find(label, end)
        return out

    # -- candidates --------------------------------------------------------------------------------

    def _known_type(self, name: str) -> EntityType | None:
        entry = self.lexicon.lookup(name)
        return entry.type if entry is not None and not entry.ignore else None

    def _ignored(self, name: str) -> bool:
        entry = self.lexicon.lookup(name)
        return entry is not None and entry.ignore

    @timed("ner.candidates")
    def _candidates(
        self,
        body: str,
        ckip_hits: Sequence[tuple[int, int, EntityType, float]],
        code: Sequence[tuple[int, int]] = (),
    ) -> list[_Cand]:
        masks = masked_spans(body, code)
        # Names are looked for in a copy of the body whose list slashes are enumeration commas
        # (``LoRA/PEFT`` names two things, as ``LoRA、PEFT`` would); same length, so every offset
        # is an offset of the body.
        slashes = list_slashes(body, self._known_type)
        names = body
        if slashes:
            chars = list(body)
            for i in slashes:
                chars[i] = "、"
            names = "".join(chars)
        view = make_view(names)
        cands: list[_Cand] = []
        ignored: list[tuple[int, int]] = []
        lex_spans: list[tuple[int, int]] = []
        lex_prio = _PRIORITY["lexicon"]
        family_key = self.lexicon.family_key
        # Emoji and pictographs are never part of a name (``🔧Ollama``, ``Ollama🚀``): spans are
        # trimmed of them, and a span with one inside is no name. Most documents have none.
        picto = PICTOGRAPH_RE.search(body) is not None
        for start, end, entry in self.lexicon.find_spans(names, view):
            if picto:
                span = trim_pictographs(body, start, end)
                if span is None:
                    continue
                start, end = span
            if entry.ignore:  # a known non-name: blocks patterns inside it, not phrases around it
                ignored.append((start, end))
                continue
            if masks and in_spans(masks, start, end):
                continue
            lex_spans.append((start, end))
            cands.append(
                _Cand(
                    start,
                    end,
                    entry.type,
                    "lexicon",
                    0.95,
                    match_key(body[start:end]),
                    entry.name,
                    family_key(entry),
                    lex_prio,
                    True,
                    _NO_EXTRA,
                )
            )
        pattern_hits: list[PatternHit] = [
            *find_latin_names(names),
            *find_latin_phrases(names, self._known_type, self._ignored),
            *find_plain_latin_words(names),
            *find_chinese_terms(names),
            *find_recurrent_terms(names),
            *find_persons(body),
        ]
        # A pattern name on exactly the span of a lexicon name, with a lower priority, always loses
        # to it in best_cover and leaves the rest of the cover as it is (a strictly outweighed span
        # on the same offsets is never chosen): most pattern hits are such names, so they are not
        # made candidates at all. Their keys still count as sightings for _require_support.
        lexicon_at = {(c.start, c.end) for c in cands}
        shadowed: list[str] = []
        pattern_info = self._pattern_info
        for p in pattern_hits:
            start, end = p.start, p.end
            if picto:
                span = trim_pictographs(body, start, end)
                if span is None:
                    continue
                start, end = span
            if masks and in_spans(masks, start, end):
                continue
            surface = body[start:end]
            if junk_reason(surface) or (ignored and _covered(ignored, start, end)):
                continue
            if (p.pattern in _ZH_PHRASES or p.pattern.startswith("person-")) and in_spans(
                lex_spans, start, end
            ):
                continue  # Chinese phrases never override a known name
            if p.pattern in _ZH_PHRASES and match_key(surface) in self._han_tails:
                continue  # the tail of a known term (增強生成 of 檢索增強生成), not a term
            etype, conf, key, canonical, family, priority, fixed, extra = pattern_info(
                p.key_text or surface, p.type, p.pattern, p.confidence
            )
            if priority < lex_prio and (start, end) in lexicon_at:
                shadowed.append(key)
                continue
            if p.pattern == "vendor-hardware":
                priority = lex_prio * 1.1  # NVIDIA GPU: one device, not the vendor beside the class
            elif p.pattern.startswith("latin-phrase") and not canonical:
                priority *= _PHRASE_BONUS  # one name beats its words read as separate names
            elif p.pattern.startswith("person-") and not canonical:
                priority *= _PERSON_BONUS
            cands.append(
                _Cand(start, end, etype, "pattern", conf, key, canonical, family, priority, fixed, extra)
            )
        for start, end, etype, conf in ckip_hits:
            if picto:
                span = trim_pictographs(body, start, end)
                if span is None:
                    continue
                start, end = span
            surface = body[start:end]
            if in_spans(masks, start, end) or junk_reason(surface):
                continue
            known = self.lexicon.lookup(surface)
            if known is None and (is_code_token(surface) or is_common_en(surface)):
                continue  # the same filters as pattern names: code, file names, everyday words
            if known is not None:
                etype = known.type
            cands.append(
                _Cand(
                    start,
                    end,
                    etype,
                    "ckip",
                    conf,
                    match_key(surface),
                    canonical=known.name if known else "",
                    priority=_PRIORITY["ckip"],
                    type_fixed=known is not None,
                    extra={} if known is not None or conf >= 0.5 else {"pattern": "ckip-weak"},
                )
            )
        cands = self._require_support(body, cands, shadowed)
        chosen = best_cover([(c.start, c.end, (c.end - c.start) * c.priority) for c in cands])
        out = [cands[i] for i in chosen]
        for c in out:
            if not c.type_fixed:
                c.type = self._context_type(body, c)
        _short_forms(body, out)  # after typing: a person is known as one by its context
        return out

    def _pattern_info(self, text: str, ptype: EntityType, pattern: str, confidence: float) -> _PatternInfo:
        """Type, confidence, key, canonical, family, priority, fixed type, extra of a pattern name.

        Depends only on its arguments and the lexicon, so it is cached per extractor.
        """
        cache_key = (text, ptype, pattern, confidence)
        hit = self._pattern_cache.get(cache_key)
        if hit is not None:
            return hit
        key = match_key(text)
        known = self.lexicon.get(key)
        if known is None and pattern in _VERSIONED_PATTERNS:
            known = self._versioned_known(text)
            if known is not None:
                key = known.key
        info: _PatternInfo
        if known is not None:  # a pattern found a known name (e.g. an HF id of a lexicon model)
            info = _PatternInfo(
                known.type,
                max(confidence, 0.9),
                key,
                known.name,
                "",
                _PRIORITY["pattern"] * 1.2,
                True,
                _NO_EXTRA,
            )
        else:
            etype = ptype
            family_key = ""
            fam_text = variant_family(text)
            if fam_text:
                fam = self.lexicon.lookup(fam_text)
                if fam is not None:
                    family_key = fam.key
                    if fam.type in (EntityType.MODEL, EntityType.HARDWARE, EntityType.DATASET):
                        etype = fam.type
                elif _HAS_DIGIT.search(fam_text) and _TWO_LETTERS.search(fam_text):
                    family_key = match_key(fam_text)
            fixed = (
                pattern in ("ollama-tag", "hf-id")
                or pattern.startswith("person")
                or bool(family_key and etype)
            )
            extra = {"pattern": pattern}
            if family_key and fam_text and self.lexicon.get(family_key) is None:
                extra["family_text"] = fam_text  # names the family's node where it is never written
            info = _PatternInfo(etype, confidence, key, "", family_key, _PRIORITY["pattern"], fixed, extra)
        if len(self._pattern_cache) > 200_000:
            self._pattern_cache.clear()
        self._pattern_cache[cache_key] = info
        return info

    def _versioned_known(self, text: str) -> LexEntry | None:
        """The known non-model thing ``text`` is a version of (``Cuda 12.1`` → CUDA), if any."""
        m = _TRAILING_VERSION.match(text)
        if m is None:
            return None
        entry = self.lexicon.lookup(m.group(1))
        if entry is None or entry.ignore or entry.type in (EntityType.MODEL, EntityType.HARDWARE):
            return None
        return entry

    def _require_support(self, body: str, cands: list[_Cand], also_seen: Sequence[str]) -> list[_Cand]:
        """Mark low-confidence pattern names seen once in the document and never defined.

        Such a name is kept at :data:`SINGLE_SIGHTING` confidence, and with half its weight,
        so it never displaces a better-supported name; resolution keeps it only when
        another document names it too (a term the corpus repeats, not a one-off fragment).
        ``also_seen``: keys of names found but not made candidates; they count as sightings.
        """
        counts = Counter(c.key for c in cands)
        counts.update(also_seen)
        listed: set[tuple[int, int]] | None = None
        for c in cands:
            weak = c.extra.get("pattern") in _NEEDS_SUPPORT and counts[c.key] < 2
            # An acronym after 用 is as often a keyword (用 MERGE 建立) as a tool: not for acronyms.
            acronym = body[c.start : c.end].isupper()
            if (
                weak
                and c.extra.get("pattern") == "latin-word"
                and not acronym
                and _software_cue(body, c.start, c.end)
            ):
                continue
            if weak and not _DEFINITION.match(body[c.end : c.end + 6]):
                if listed is None:
                    listed = _enumerated(body, cands)
                if (c.start, c.end) in listed:
                    continue  # an item of a list of names (``GCC、Clang 或 MSVC``) is one by company
                c.confidence = min(c.confidence, SINGLE_SIGHTING)
                c.priority *= 0.5
        return cands

    def _context_type(self, body: str, c: _Cand) -> EntityType:
        after = body[c.end : c.end + 8]
        for rx, etype in _TYPE_CONTEXT:
            if rx.match(after):
                return etype
        return c.type

    # -- mentions ----------------------------------------------------------------------------------

    @timed("ner.mentions")
    def _mentions(self, doc_id: str, body: str, cands: Sequence[_Cand], index: ChunkIndex) -> list[Mention]:
        ordered = sorted(cands, key=attrgetter("start"))
        chunk_ids = index.chunk_ids([c.start for c in ordered], [c.end for c in ordered])
        mentions = [
            Mention(
                doc_id,
                chunk_id,
                c.start,
                c.end,
                body[c.start : c.end],
                c.key,
                c.type,
                c.extractor,
                round(c.confidence, 3),
                c.canonical,
            )
            for c, chunk_id in zip(ordered, chunk_ids, strict=True)
        ]
        # Families that are not written in the document still need their key (for VARIANT_OF).
        families = {c.family for c in cands if c.family}
        if not families:
            return mentions
        present = {m.key for m in mentions}
        get = self.lexicon.get
        present_canon = {e.key for k in present if (e := get(k)) is not None}
        added: set[str] = set()
        for c in cands:
            fam = c.family
            if not fam or fam in present or fam in present_canon or fam in added or fam == c.key:
                continue
            entry = get(fam)
            mentions.append(
                Mention(
                    doc_id,
                    index.chunk_for(c.start, c.end),
                    c.start,
                    c.end,
                    body[c.start : c.end],
                    fam,
                    entry.type if entry else c.type,
                    "variant",
                    0.6,
                    entry.name if entry else c.extra.get("family_text", ""),
                )
            )
            added.add(fam)
        mentions.sort(key=lambda m: (m.start, m.end, m.extractor))
        return mentions

    def _family_of(self, key: str, surface: str) -> tuple[str, str]:
        """(own canonical key, family key or "") of a mention, cached per (key, surface)."""
        hit = self._family_cache.get((key, surface))
        if hit is not None:
            return hit
        entry = self.lexicon.get(key)
        fam = ""
        if entry is not None:
            fam = self.lexicon.family_key(entry)
        else:
            fam_text = variant_family(surface.split("/", 1)[-1] if "/" in surface else surface)
            if fam_text:
                fe = self.lexicon.lookup(fam_text)
                fam = fe.key if fe else (match_key(fam_text) if _HAS_DIGIT.search(fam_text) else "")
        out = (entry.key if entry is not None else key, fam)
        if len(self._family_cache) > 200_000:
            self._family_cache.clear()
        self._family_cache[(key, surface)] = out
        return out

    @timed("relations.variant_relations")
    def _variant_relations(
        self,
        doc_id: str,
        body: str,
        mentions: Sequence[Mention],
        sentences: Sequence[Sentence],
        index: ChunkIndex,
    ) -> list[RelationCandidate]:
        """VARIANT_OF from a variant mention to its family, where one sentence names both (once per pair)."""
        family_of = self._family_of
        families = [family_of(m.key, m.surface) for m in mentions]  # one look-up per mention
        fams = [
            (m, own, fam)
            for m, (own, fam) in zip(mentions, families, strict=True)
            if fam and m.extractor != "variant"
        ]
        if not fams:
            return []
        by_canon: dict[str, str] = {}
        for m, (own, _) in zip(mentions, families, strict=True):
            by_canon.setdefault(own, m.key)
        out: list[RelationCandidate] = []
        seen: set[tuple[str, str]] = set()
        starts = [s.start for s in sentences]
        # Canonical keys of the real mentions of each sentence: a variant is related to its family
        # only where the text names both (「Llama 3.1 405B 是 Llama 3.1 家族中最大的版本」); the
        # family link itself is kept by the placeholder mention and Entity.variant_of.
        named: dict[int, set[str]] = {}
        for m, (own, _) in zip(mentions, families, strict=True):
            if m.extractor != "variant":
                i = bisect.bisect_right(starts, m.start) - 1
                named.setdefault(i, set()).add(own)
        for m, own, fam in fams:
            fam_key = by_canon.get(fam, fam)
            if fam_key == m.key or fam == own or (m.key, fam_key) in seen:
                continue
            i = bisect.bisect_right(starts, m.start) - 1
            if fam not in named.get(i, ()):
                continue
            seen.add((m.key, fam_key))
            s, e = (
                (sentences[i].start, sentences[i].end)
                if i >= 0 and m.start < sentences[i].end
                else (m.start, m.end)
            )
            out.append(
                RelationCandidate(
                    doc_id,
                    index.chunk_for(s, e),
                    m.key,
                    fam_key,
                    RelationType.VARIANT_OF,
                    body[s:e],
                    "variant",
                    0.8,
                )
            )
        return out


__all__ = ["Extractor", "ExtractorConfig", "latin_boundary_ok"]
