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

from extract.classify import TypeClassifier, TypeGuess
from extract.lexicon import LexEntry, Lexicon
from extract.normalize import HAN_RE, match_key, to_traditional
from extract.patterns import variant_family
from extract.records import Entity, EntityType, SurfaceStat, stable_id

_SEPARATORS = re.compile(r"[\s\-_‐‑‒–—―·・/]+")
_HAN = HAN_RE
# Confidence of a weak pattern name seen once in its document (see Extractor._require_support):
# it becomes an entity only when a second document names it as well.
SINGLE_SIGHTING = 0.3
# How much each extractor's vote counts when deciding the type of an unknown name.
_TYPE_TRUST = {"lexicon": 3.0, "ckip": 1.5, "pattern": 1.0, "variant": 0.3}


@dataclass(frozen=True)
class Resolution:
    entities: list[Entity]  # one per real thing; mention_count/doc_ids left default (the store fills them)
    # Every Mention.key seen in the stats → entity id, except the keys of single-sighting
    # names that no other document confirmed (their mentions stay, attached to nothing).
    key_to_entity: dict[str, str]


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
    ks, kn = match_key(surface), match_key(name)
    if ks.isascii() and kn.isascii() and (ks == kn + "s" or kn == ks + "s"):
        return "plural variant"
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
    if not counts:  # a family only its variants name: called as the family, not as a variant
        counts = {s.canonical or s.surface: s.count for s in stats}

    def score(surface: str) -> tuple[bool, int, bool, str]:
        return (_is_traditional(surface), counts[surface], surface != surface.lower(), surface)

    return max(counts, key=score)


def _entity_type(stats: Sequence[SurfaceStat], guess: TypeGuess | None = None) -> EntityType:
    """The classifier's type when it is sure, else the extractors' weighted vote."""
    if guess is not None and guess.probability >= GUESS_MIN:
        return guess.type
    votes: dict[EntityType, float] = defaultdict(float)
    for s in stats:
        votes[s.type] += s.count * max(s.confidence, 0.05) * _TYPE_TRUST.get(s.extractor, 1.0)
    return max(sorted(votes), key=lambda t: votes[t])


# How sure the name classifier must be to overrule the shape a pattern guessed from.
GUESS_MIN = 0.7
# Latin names only (a Chinese term is typed by its head noun), and not code identifiers such as
# ``BertTokenizer``/``AIContent``: their shape says "class name", whatever words they are made of.
_LATIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .+\-]*$")
_IDENTIFIER = re.compile(
    r"^[A-Z]*[a-z0-9]+(?:[A-Z][a-z0-9]+)+$|^[A-Z]{2,}[a-z0-9]+[A-Z]|^[A-Z]{2,}[a-z]{3,}$|^[A-Z][a-z]+[A-Z]{2,}$"
)


def _guess_types(
    groups: dict[str, list[SurfaceStat]],
    entries: dict[str, LexEntry],
    names: dict[str, str],
    lexicon: Lexicon,
) -> dict[str, TypeGuess]:
    """Classifier types for unknown Latin-script names that only patterns typed (see extract.classify).

    Trained on every lexicon name (weight 1) and on the corpus's own lexicon-typed entities
    (weighted by their mentions), so the corpus's habits count most. People are left alone:
    they are found by cues, and a cue is better evidence than the shape of a name.
    """
    todo = [
        g
        for g in groups
        if g not in entries
        and _LATIN_NAME.match(names[g])
        and not _IDENTIFIER.match(names[g])
        and all(
            s.extractor in ("pattern", "variant", "ckip") and s.type is not EntityType.PERSON
            for s in groups[g]
        )
        # Hardware patterns read structure (a vendor and a device class, RTX/Jetson prefixes),
        # which says more than the shape of the vendor's name (``Qualcomm NPU`` is no company).
        and not all(s.type is EntityType.HARDWARE for s in groups[g])
    ]
    if not todo:
        return {}
    train_names: list[str] = []
    train_types: list[EntityType] = []
    weights: list[float] = []
    for e in lexicon.entries:  # Latin names only: the classifier is asked about Latin names only
        if not e.ignore:
            for s in e.surfaces():
                if _LATIN_NAME.match(s):
                    train_names.append(s)
                    train_types.append(e.type)
                    weights.append(1.0)
    for gkey, entry in entries.items():
        uses = sum(s.count for s in groups[gkey])
        for surface in {s.surface for s in groups[gkey] if _LATIN_NAME.match(s.surface)}:
            train_names.append(surface)
            train_types.append(entry.type)
            weights.append(1.0 + min(uses, 50) / 5)
    classifier = TypeClassifier()
    if not classifier.fit(train_names, train_types, weights):
        return {}
    guesses = classifier.predict([names[g] for g in todo])
    return {g: guess for g, guess in zip(todo, guesses, strict=True) if guess is not None}


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
        if entry is None:
            entry = _plural_entry(key, lexicon)
        gkey = entry.key if entry is not None else _singular(key, by_key)
        if entry is not None:
            entries[gkey] = entry
        groups[gkey].extend(key_stats)
        key_group[key] = gkey

    for gkey in [g for g in groups if g not in entries and _unconfirmed(groups[g])]:
        del groups[gkey]
    entities: list[Entity] = []
    ids = {g: stable_id("e", g) for g in groups}
    names = _unique_names(groups, entries)
    guesses = _guess_types(groups, entries, names, lexicon)
    for gkey in sorted(groups):
        gstats = groups[gkey]
        entry = entries.get(gkey)
        name = names[gkey]
        etype = entry.type if entry is not None else _entity_type(gstats, guesses.get(gkey))
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
    return Resolution(entities, {k: ids[g] for k, g in key_group.items() if g in ids})


def _unconfirmed(stats: Sequence[SurfaceStat]) -> bool:
    """Only single sightings of weak pattern names, all in one document."""
    return all(s.confidence <= SINGLE_SIGHTING and s.extractor in ("pattern", "variant") for s in stats) and (
        max(s.doc_count for s in stats) < 2
    )


def _unique_names(groups: dict[str, list[SurfaceStat]], entries: dict[str, LexEntry]) -> dict[str, str]:
    """A display name per group, no two alike (ignoring case): a second thing never shows as the first.

    Lexicon names and the most mentioned groups keep their name; a later group whose best
    surface is taken uses its next best surface, else its name with its type.
    """
    order = sorted(groups, key=lambda g: (g not in entries, -sum(s.count for s in groups[g]), g))
    taken: set[str] = set()
    out: dict[str, str] = {}
    for gkey in order:
        entry = entries.get(gkey)
        name = entry.name if entry is not None else _display_name(groups[gkey])
        if name.casefold() in taken:
            others = sorted(
                {s.surface for s in groups[gkey] if s.extractor != "variant"} - {name},
                key=lambda x: -sum(s.count for s in groups[gkey] if s.surface == x),
            )
            name = next(
                (o for o in others if o.casefold() not in taken),
                f"{name} ({_entity_type(groups[gkey]).value})",
            )
        taken.add(name.casefold())
        out[gkey] = name
    return out


_PLURAL = re.compile(r"^[a-z][a-z0-9.+#]{2,}s$")


def _plural_entry(key: str, lexicon: Lexicon) -> LexEntry | None:
    """The lexicon entry a Latin name is the plural or singular of (``GitHub Codespace``)."""
    if not key.isascii() or len(key) < 4:
        return None
    other = key[:-1] if _PLURAL.match(key) else key + "s"
    entry = lexicon.get(other)
    return None if entry is None or entry.ignore else entry


def _singular(key: str, by_key: dict[str, list[SurfaceStat]]) -> str:
    """The group of a Latin name written both with and without a plural -s: its singular key."""
    if _PLURAL.match(key) and key.isascii() and key[:-1] in by_key:
        return key[:-1]
    return key


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
