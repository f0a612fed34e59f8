"""Entity resolution: one node per real thing, every merge explained.

Input is the corpus-wide :class:`SurfaceStat` list (one row per key, surface,
type and extractor), so resolution scales with the vocabulary, not the corpus.
Two rules merge:

* the matching key (:func:`extract.normalize.match_key`) already folds case,
  width, spacing/hyphens and Simplified → Taiwan Traditional, so every surface
  with one key is one thing;
* the lexicon joins keys that name the same thing in other words —
  abbreviation/expansion (RAG / 檢索增強生成), Taiwan/Mainland terms, English names.

Model variants are *not* merged: ``llama3.1:70b-instruct-fp16`` stays its own
node and records its family in ``Entity.variant_of``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from extract.lexicon import LexEntry, Lexicon
from extract.normalize import match_key, to_traditional
from extract.patterns import variant_family
from extract.records import Entity, EntityType, SurfaceStat, stable_id

_SEPARATORS = re.compile(r"[\s\-_‐‑‒–—―·・/]+")
_HAN = re.compile(r"[\u3400-\u9fff]")
# How much each extractor's vote counts when deciding the type of an unknown name.
_TYPE_TRUST = {"lexicon": 3.0, "ckip": 1.5, "pattern": 1.0, "variant": 0.3}


@dataclass(frozen=True)
class Resolution:
    entities: list[Entity]  # one per real thing; mention_count/doc_ids left default (the store fills them)
    key_to_entity: dict[str, str]  # EVERY Mention.key seen in the stats → entity id


def _entry_for(key: str, stats: Sequence[SurfaceStat], lexicon: Lexicon) -> LexEntry | None:
    entry = lexicon.get(key)
    if entry is not None:
        return entry
    for s in stats:
        if s.canonical:
            e = lexicon.lookup(s.canonical)
            if e is not None:
                return e
    return None


def merge_rule(surface: str, name: str) -> str:
    """Which rule makes ``surface`` the same thing as ``name`` (for ``Entity.merges``)."""
    if surface.casefold() == name.casefold():
        return "case variant"
    nf_s, nf_n = unicodedata.normalize("NFKC", surface), unicodedata.normalize("NFKC", name)
    if nf_s.casefold() == nf_n.casefold():
        return "full-width/half-width variant"
    if _SEPARATORS.sub("", nf_s).casefold() == _SEPARATORS.sub("", nf_n).casefold():
        return "spacing/hyphen variant"
    if "/" in surface and match_key(surface.split("/", 1)[1]) == match_key(name):
        return "Hugging Face id"
    if match_key(surface) == match_key(name):
        if to_traditional(surface) != surface:
            return "Simplified → Traditional"
        return "normalised spelling"
    return ""


def _lexicon_rule(surface: str, name: str) -> str:
    if "/" in surface:
        return "lexicon alias (Hugging Face id)"
    if _HAN.search(surface) and to_traditional(surface) != surface:
        return "lexicon alias (zh-Hans)"
    ascii_s, ascii_n = surface.isascii(), name.isascii()
    if (
        ascii_s
        and re.fullmatch(r"[A-Z0-9+&\-]{2,8}s?", surface)
        and len(match_key(name)) > len(match_key(surface))
    ):
        return "lexicon alias (abbreviation)"
    if not ascii_n and ascii_s:
        return "lexicon alias (English name)"
    if ascii_n and not ascii_s:
        return "lexicon alias (Chinese name)"
    if _HAN.search(surface) and _HAN.search(name):
        return "lexicon alias (Taiwan/Mainland or synonym)"
    return "lexicon alias"


def _is_traditional(s: str) -> bool:
    return not _HAN.search(s) or to_traditional(s) == s


def _display_name(stats: Sequence[SurfaceStat]) -> str:
    """Most written surface, preferring Traditional Chinese and the original English casing."""
    counts: dict[str, int] = defaultdict(int)
    for s in stats:
        if s.extractor != "variant":
            counts[s.surface] += s.count
    if not counts:
        counts = {s.surface: s.count for s in stats}

    def score(surface: str) -> tuple[bool, int, bool, str]:
        return (_is_traditional(surface), counts[surface], surface != surface.lower(), surface)

    return max(counts, key=score)


def _entity_type(stats: Sequence[SurfaceStat]) -> EntityType:
    votes: dict[EntityType, float] = defaultdict(float)
    for s in stats:
        votes[s.type] += s.count * max(s.confidence, 0.05) * _TYPE_TRUST.get(s.extractor, 1.0)
    return max(sorted(votes), key=lambda t: votes[t])


def resolve(stats: Sequence[SurfaceStat], lexicon: Lexicon) -> Resolution:
    """Group surface statistics into entities; map every key to its entity id."""
    by_key: dict[str, list[SurfaceStat]] = defaultdict(list)
    for s in stats:
        by_key[s.key].append(s)

    groups: dict[str, list[SurfaceStat]] = defaultdict(list)  # canonical key → stats
    entries: dict[str, LexEntry] = {}
    key_group: dict[str, str] = {}
    for key, key_stats in by_key.items():
        entry = _entry_for(key, key_stats, lexicon)
        gkey = entry.key if entry is not None else key
        if entry is not None:
            entries[gkey] = entry
        groups[gkey].extend(key_stats)
        key_group[key] = gkey

    entities: list[Entity] = []
    ids = {g: stable_id("e", g) for g in groups}
    for gkey in sorted(groups):
        gstats = groups[gkey]
        entry = entries.get(gkey)
        if entry is not None:
            name, etype = entry.name, entry.type
        else:
            name, etype = _display_name(gstats), _entity_type(gstats)
        surfaces = sorted({s.surface for s in gstats if s.extractor != "variant"} - {name})
        merges = []
        for surface in surfaces:
            rule = merge_rule(surface, name)
            if not rule and entry is not None:
                rule = _lexicon_rule(surface, name)
            merges.append(f"{surface} → {name}: {rule or 'same matching key'}")
        extractors = tuple(sorted({s.extractor for s in gstats}))
        conf = max(s.confidence for s in gstats)
        entities.append(
            Entity(
                id=ids[gkey],
                name=name,
                type=etype,
                aliases=tuple(surfaces),
                extractors=extractors,
                confidence=round(conf, 3),
                variant_of=_family_id(gkey, name, entry, gstats, lexicon, groups, ids),
                merges=tuple(merges),
            )
        )
    return Resolution(entities, {k: ids[g] for k, g in key_group.items()})


def _family_id(
    gkey: str,
    name: str,
    entry: LexEntry | None,
    gstats: Sequence[SurfaceStat],
    lexicon: Lexicon,
    groups: dict[str, list[SurfaceStat]],
    ids: dict[str, str],
) -> str:
    """Entity id of the family this entity is a variant of, when that family is in the graph."""
    candidates: list[str] = []
    if entry is not None:
        if entry.family:
            candidates.append(entry.family)
    else:
        for s in gstats:
            surface = s.surface.split("/", 1)[1] if "/" in s.surface else s.surface
            fam = variant_family(surface)
            if fam:
                candidates.append(fam)
    for fam in candidates:
        fe = lexicon.lookup(fam)
        fkey = fe.key if fe is not None else match_key(fam)
        if fkey != gkey and fkey in groups:
            return ids[fkey]
    return ""
