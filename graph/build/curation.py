"""Curation: the user's own fixes to the graph, kept as a reviewable lexicon layer, undoable.

The actions are the ones a reader needs when extraction got something wrong: 不是實體 (this is no
entity: never extract it), change its type, merge it into another entity, split an alias off into
an entity of its own, and rename it.

Why a lexicon layer rather than edits to the stored graph: entities are not stored facts but the
resolution of the documents' mentions through the lexicon (:func:`graph.build.ingest._finish`).
A fix written as lexicon entries — ``<workspace>/curation.yaml``, the ``--lexicon`` format marked
``override: true`` so it beats every other declaration — is therefore honoured by every later
ingest, export and Neo4j sync with no code of its own. Applying it now means re-deriving the
extraction of just the documents that name the affected spellings (from their stored blocks, no
file is read) and then the workspace-wide resolution, relations and communities: the state a
full re-ingest with the file would give. Undo marks the step undone, regenerates the file from
the steps that remain and re-derives the same documents, which restores the state before it.

Planning (which entry or ignore words an action writes, and how the history composes into the
file) is pure; :func:`perform` and :func:`undo` do the store work under the workspace lock, in one
transaction, and move the new file into place only after it commits.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import yaml

from extract.errors import ZhkgError
from extract.extractor import Extractor
from extract.lexicon import LexEntry, Lexicon, parse_entries
from extract.normalize import match_key
from extract.records import Entity, EntityType
from graph.build.ingest import IngestReport, _finish, _rebuild, extractor_config
from graph.settings import Settings, curation_file
from graph.store import ExtractionRows, Store, open_store
from graph.store.lock import WorkspaceLock

log = logging.getLogger(__name__)


class CurationError(ZhkgError, ValueError):
    """A curation action cannot be done as asked (unknown entity, same name, bad type...)."""


class Action(StrEnum):
    IGNORE = "ignore"  # 不是實體: never extract this name or its aliases
    RETYPE = "retype"  # change the entity's type
    MERGE = "merge"  # this entity is the same thing as another one
    SPLIT = "split"  # one alias names a different thing: make it an entity of its own
    RENAME = "rename"  # another display name


@dataclass(frozen=True, slots=True)
class Step:
    """One curation action as the history records it: what it declares and what it touched."""

    id: int
    action: Action
    entity: str  # display name of the entity acted on, at the time
    value: str = ""  # the new type, the merge target's name, the alias split off, the new name
    previous: str = ""  # the type before a retype (for the history line)
    entries: tuple[dict[str, Any], ...] = ()  # lexicon entries it declares
    ignore: tuple[str, ...] = ()  # words it marks as no entity
    names: tuple[str, ...] = ()  # every spelling involved: the documents naming them are re-derived
    at: str = ""  # when (UTC, ISO 8601)
    undone: bool = False

    def to_yaml(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "action": str(self.action), "entity": self.entity}
        for name in ("value", "previous"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.entries:
            out["entries"] = [dict(e) for e in self.entries]
        if self.ignore:
            out["ignore"] = list(self.ignore)
        out["names"] = list(self.names)
        out["at"] = self.at
        out["undone"] = self.undone
        return out

    @classmethod
    def from_yaml(cls, raw: Any, where: str) -> Step:
        if not isinstance(raw, dict):
            raise CurationError(f"{where}: each history step must be a mapping")
        try:
            return cls(
                id=int(raw["id"]),
                action=Action(str(raw["action"])),
                entity=str(raw.get("entity") or ""),
                value=str(raw.get("value") or ""),
                previous=str(raw.get("previous") or ""),
                entries=tuple(dict(e) for e in raw.get("entries") or ()),
                ignore=tuple(str(w) for w in raw.get("ignore") or ()),
                names=tuple(str(n) for n in raw.get("names") or ()),
                at=str(raw.get("at") or ""),
                undone=bool(raw.get("undone", False)),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise CurationError(f"{where}: unreadable history step ({exc})") from None


@dataclass(frozen=True)
class CurationOutcome:
    """What one action or undo did; ``entity_id`` is where the entity acted on lives now."""

    step: Step
    entity_id: str  # "" when it is gone (不是實體) or cannot be found
    documents: int  # documents whose extraction was re-derived
    seconds: float
    neo4j: str = ""  # outcome of the automatic sync (graph.api), when Neo4j is configured
    index_s: float | None = None  # seconds to rebuild the search index afterwards (graph.api)
    notes: tuple[str, ...] = field(default_factory=tuple)


# -- planning (pure) ------------------------------------------------------------------------------


class Lookup(Protocol):
    """What planning asks of a lexicon: the entry a name is declared by (a :class:`Lexicon` does)."""

    def lookup(self, name: str) -> LexEntry | None: ...


def _unique(names: Iterable[str], skip: Iterable[str] = ()) -> list[str]:
    """Names in order, one per matching key, without those whose key is in ``skip``."""
    seen = {match_key(s) for s in skip}
    out = []
    for n in names:
        n = str(n).strip()
        k = match_key(n)
        if k and k not in seen:
            seen.add(k)
            out.append(n)
    return out


def _declaration(
    name: str, etype: EntityType, aliases: Iterable[str], base: LexEntry | None
) -> dict[str, Any]:
    """A lexicon entry; family and parent are kept from the declaration it replaces."""
    out: dict[str, Any] = {"name": name, "type": str(etype)}
    al = _unique(aliases, skip=[name])
    if al:
        out["aliases"] = al
    if base is not None and not base.ignore:
        for attr in ("family", "parent"):
            value = getattr(base, attr)
            if value and match_key(value) != match_key(name):
                out[attr] = value
    return out


def _surfaces(ent: Entity) -> list[str]:
    return _unique([ent.name, *ent.aliases])


def _known(lexicon: Lookup, name: str) -> LexEntry | None:
    entry = lexicon.lookup(name)
    return None if entry is None or entry.ignore else entry


def _known_aliases(lexicon: Lookup, name: str) -> list[str]:
    entry = _known(lexicon, name)
    return [entry.name, *entry.aliases] if entry is not None else []


def plan_ignore(ent: Entity) -> Step:
    """不是實體: the name and every alias become ignore words (matched, never an entity)."""
    words = tuple(_surfaces(ent))
    return Step(0, Action.IGNORE, ent.name, ignore=words, names=words)


def plan_retype(ent: Entity, new_type: str, lexicon: Lookup) -> Step:
    try:
        etype = EntityType(str(new_type).strip().upper())
    except ValueError:
        allowed = ", ".join(t.value for t in EntityType)
        raise CurationError(f"type {new_type!r} is not one of {allowed}") from None
    if etype == ent.type:
        raise CurationError(f"{ent.name} is already {etype}")
    aliases = [*ent.aliases, *_known_aliases(lexicon, ent.name)]
    entry = _declaration(ent.name, etype, aliases, _known(lexicon, ent.name))
    return Step(
        0,
        Action.RETYPE,
        ent.name,
        value=str(etype),
        previous=str(ent.type),
        entries=(entry,),
        names=tuple(_surfaces(ent)),
    )


def plan_merge(ent: Entity, into: Entity, lexicon: Lookup) -> Step:
    """``ent`` is ``into``: one entry under ``into``'s name claims every spelling of both."""
    if ent.id == into.id:
        raise CurationError(f"{ent.name} cannot be merged with itself")
    aliases = [
        *into.aliases,
        *_known_aliases(lexicon, into.name),
        *_surfaces(ent),
        *_known_aliases(lexicon, ent.name),
    ]
    entry = _declaration(into.name, into.type, aliases, _known(lexicon, into.name))
    names = tuple(_unique([*_surfaces(ent), *_surfaces(into)]))
    return Step(0, Action.MERGE, ent.name, value=into.name, entries=(entry,), names=names)


def plan_split(ent: Entity, alias: str, lexicon: Lookup) -> Step:
    """``alias`` names something else: its own entry (same type) takes the spelling from ``ent``."""
    alias = alias.strip()
    if match_key(alias) not in {match_key(a) for a in ent.aliases}:
        raise CurationError(f"{alias!r} is not an alias of {ent.name}")
    if match_key(alias) == match_key(ent.name):
        raise CurationError(
            f"{alias!r} is written like {ent.name} once case, width and spacing are ignored:"
            " it cannot be split off"
        )
    entry = _declaration(alias, ent.type, (), None)
    return Step(0, Action.SPLIT, ent.name, value=alias, entries=(entry,), names=tuple(_surfaces(ent)))


def plan_rename(ent: Entity, new_name: str, lexicon: Lookup) -> Step:
    """Another display name; the old one (and every alias) stays a spelling of it."""
    new_name = " ".join(new_name.split())
    if not match_key(new_name):
        raise CurationError("the new name is empty")
    if new_name == ent.name:
        raise CurationError(f"{ent.name} is already called that")
    aliases = [ent.name, *ent.aliases, *_known_aliases(lexicon, ent.name)]
    entry = _declaration(new_name, ent.type, aliases, _known(lexicon, ent.name))
    names = tuple(_unique([*_surfaces(ent), new_name]))
    return Step(0, Action.RENAME, ent.name, value=new_name, entries=(entry,), names=names)


def compose(steps: Sequence[Step]) -> tuple[list[dict[str, Any]], list[str]]:
    """The lexicon entries and ignore words the active steps add up to, later steps winning.

    A name declared by a later step is no longer an ignore word nor another entry's alias; a
    word ignored by a later step is no longer declared nor an alias. So the file reads as the
    net result, and the lexicon never has to break a tie between two of its entries.
    """
    decl: dict[str, dict[str, Any]] = {}  # key of the name → entry, in order of last declaration
    ignored: dict[str, str] = {}
    for step in steps:
        if step.undone:
            continue
        for word in step.ignore:
            k = match_key(word)
            if not k:
                continue
            ignored.pop(k, None)
            ignored[k] = word
            decl.pop(k, None)
            _drop_alias_keys(decl, {k})
        for raw in step.entries:
            entry = dict(raw)
            k = match_key(str(entry["name"]))
            claimed = {k} | {match_key(a) for a in entry.get("aliases", ())}
            for c in claimed:
                ignored.pop(c, None)
            for other in [o for o in decl if o in claimed]:
                del decl[other]
            _drop_alias_keys(decl, claimed)
            decl[k] = entry
    return list(decl.values()), list(ignored.values())


def _drop_alias_keys(decl: dict[str, dict[str, Any]], keys: set[str]) -> None:
    for entry in decl.values():
        aliases = [a for a in entry.get("aliases", ()) if match_key(a) not in keys]
        if aliases:
            entry["aliases"] = aliases
        else:
            entry.pop("aliases", None)


def changed_names(before: Sequence[Step], after: Sequence[Step]) -> set[str]:
    """Every spelling whose lexicon declaration differs between the two histories."""

    def by_key(steps: Sequence[Step]) -> dict[str, Any]:
        entries, ignored = compose(steps)
        out: dict[str, Any] = {match_key(w): ("ignore", w) for w in ignored}
        for e in entries:
            out[match_key(str(e["name"]))] = ("entry", e)
        return out

    a, b = by_key(before), by_key(after)
    names: set[str] = set()
    for k in set(a) | set(b):
        if a.get(k) != b.get(k):
            for side in (a.get(k), b.get(k)):
                if side is None:
                    continue
                kind, value = side
                names.update([value] if kind == "ignore" else [value["name"], *value.get("aliases", ())])
    return names


_HEADER = """\
# zhkg curation layer of this workspace, written by the explorer's curation actions
# (實體頁 → 整理). `entries` and `ignore` are the --lexicon format; they are regenerated from
# `history` (an undone step stays listed, marked undone). Every ingest of this workspace reads this
# file last (`override: true`: its entries win over the shipped lexicon and --lexicon files).
"""


def render(steps: Sequence[Step]) -> str:
    entries, ignored = compose(steps)
    body = {
        "override": True,
        "entries": entries,
        "ignore": ignored,
        "history": [s.to_yaml() for s in steps],
    }
    return _HEADER + yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=100)


def load_steps(path: Path) -> list[Step]:
    """The history of a curation file ([] when there is none yet)."""
    if not path.is_file():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CurationError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("history", []), list):
        raise CurationError(f"{path}: expected a mapping with a 'history' list")
    return [
        Step.from_yaml(raw, f"{path.name}: step {i + 1}") for i, raw in enumerate(data.get("history") or [])
    ]


def plan(
    action: Action | str, ent: Entity, value: str, lexicon: Lookup, target: Entity | None = None
) -> Step:
    """The step ``action`` on ``ent`` writes (``target``: the entity merged into)."""
    act = Action(action)
    if act is Action.IGNORE:
        return plan_ignore(ent)
    if act is Action.RETYPE:
        return plan_retype(ent, value, lexicon)
    if act is Action.MERGE:
        if target is None:
            raise CurationError("merge needs the entity to merge into")
        return plan_merge(ent, target, lexicon)
    if act is Action.SPLIT:
        return plan_split(ent, value, lexicon)
    return plan_rename(ent, value, lexicon)


# -- applying ------------------------------------------------------------------------------------


def history(settings: Settings) -> list[Step]:
    """Every step of the workspace's curation, oldest first."""
    return load_steps(curation_file(settings.workspace))


def _quiet(done: int, total: int, stage: str) -> None:
    """Progress sink: keeps the ingest's progress bars off the app's and the CLI's output."""


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rederive(
    store: Store, settings: Settings, before: Sequence[Step], after: Sequence[Step], names: Iterable[str]
) -> tuple[int, Path]:
    """Write the layer of ``after`` beside the curation file, re-derive the documents naming what
    changed with it, and the workspace-wide graph. Inside the caller's lock and transaction;
    returns (documents re-derived, the new file to move into place once the transaction commits)."""
    path = curation_file(settings.workspace)
    tmp = path.with_name(path.name + ".new")
    tmp.write_text(render(after), encoding="utf-8")
    try:
        config = dataclasses.replace(extractor_config(settings), lexicon_files=(*settings.lexicon_files, tmp))
        extractor = Extractor(config)
        spelled = set(names) | changed_names(before, after)
        docs = store.documents_naming({match_key(n) for n in spelled}, spelled)
        if docs:
            groups = {d.group for d in store.documents() if d.id in docs}
            store.replace_extractions([(d, ExtractionRows([], [], [])) for d in sorted(docs)])
            report = IngestReport()
            failed = _rebuild(store, settings, extractor, set(docs), groups, report, _quiet)
            if failed:
                raise CurationError(f"re-deriving {len(failed)} documents failed: {report.failed[0][1]}")
        _finish(store, settings, extractor, _quiet)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return len(docs), tmp


def _locate(store: Store, names: Iterable[str]) -> str | None:
    """The entity the first of ``names`` that the workspace knows resolves to."""
    for name in names:
        found = store.entity_for_key(match_key(name))
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class _Layered:
    """The lexicon extraction uses now, for planning: the curation layer's entries first, then the
    shipped lexicon and ``--lexicon`` files (loaded once per process and set of files: loading
    them takes seconds, and the app's curations run in one process)."""

    layer: dict[str, LexEntry]
    base: Lexicon

    def lookup(self, name: str) -> LexEntry | None:
        k = match_key(name)
        return self.layer[k] if k in self.layer else self.base.lookup(name)


@lru_cache(maxsize=2)
def _base_lexicon(files: tuple[tuple[str, int, int], ...]) -> Lexicon:
    return Lexicon.load([Path(f) for f, _, _ in files])


def _lexicon(settings: Settings, steps: Sequence[Step]) -> Lookup:
    try:
        files = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in settings.lexicon_files)
    except OSError:  # a missing --lexicon file: Lexicon.load says so in one line
        return Lexicon.load(settings.lexicon_files)
    entries, ignored = compose(steps)
    layer: dict[str, LexEntry] = {}
    for e in parse_entries({"override": True, "entries": entries, "ignore": ignored}, "curation"):
        for spelling in e.surfaces():
            layer[match_key(spelling)] = e
    return _Layered(layer, _base_lexicon(files))


def perform(
    settings: Settings, action: Action | str, entity_id: str, value: str = "", *, wait_s: float = 0.0
) -> CurationOutcome:
    """Do one curation action on an entity and apply it to the workspace at once.

    ``value``: the new type (retype), the id of the entity to merge into (merge), the alias to split
    off (split) or the new name (rename); unused for ignore.
    """
    t0 = time.perf_counter()
    act = Action(action)
    path = curation_file(settings.workspace)
    with WorkspaceLock(settings.workspace, wait_s), open_store(settings.workspace, create=False) as store:
        ent = store.entity(entity_id)
        if ent is None:
            raise CurationError(f"no entity {entity_id} in the workspace (it may have changed; reload)")
        target = None
        if act is Action.MERGE:
            target = store.entity(value)
            if target is None:
                raise CurationError(f"no entity {value} to merge into")
        if act is Action.RENAME:
            other = store.entity_for_key(match_key(value))
            if other is not None and other != ent.id:
                raise CurationError(
                    f"another entity is already called {value.strip()}: merge with it instead"
                )
        steps = load_steps(path)
        step = plan(act, ent, target.id if target else value, _lexicon(settings, steps), target)
        step = dataclasses.replace(step, id=max((s.id for s in steps), default=0) + 1, at=_now())
        after = [*steps, step]
        with store.transaction():
            docs, tmp = _rederive(store, settings, steps, after, step.names)
        os.replace(tmp, path)
        if act is Action.IGNORE:
            new_id = None
        else:  # the entity now holding the name acted on: a name is found by any spelling it was seen as
            where = target.name if target is not None else step.value if act is Action.RENAME else ent.name
            new_id = _locate(store, [where, *(target.aliases if target else ent.aliases), ent.name])
    log.info("curation %s on %s: %d documents re-derived", act, ent.name, docs)
    return CurationOutcome(step, new_id or "", docs, time.perf_counter() - t0)


def undo(settings: Settings, step_id: int, *, wait_s: float = 0.0) -> CurationOutcome:
    """Take one step back out of the curation and restore what the workspace was without it."""
    t0 = time.perf_counter()
    path = curation_file(settings.workspace)
    with WorkspaceLock(settings.workspace, wait_s), open_store(settings.workspace, create=False) as store:
        steps = load_steps(path)
        step = next((s for s in steps if s.id == step_id), None)
        if step is None:
            raise CurationError(f"no curation step {step_id}")
        if step.undone:
            raise CurationError(f"curation step {step_id} is already undone")
        after = [dataclasses.replace(s, undone=True) if s.id == step_id else s for s in steps]
        with store.transaction():
            docs, tmp = _rederive(store, settings, steps, after, step.names)
        os.replace(tmp, path)
        new_id = _locate(store, step.names)
    log.info(
        "curation step %d (%s on %s) undone: %d documents re-derived", step_id, step.action, step.entity, docs
    )
    return CurationOutcome(
        dataclasses.replace(step, undone=True), new_id or "", docs, time.perf_counter() - t0
    )


__all__ = [
    "Action",
    "CurationError",
    "CurationOutcome",
    "Step",
    "compose",
    "history",
    "load_steps",
    "perform",
    "plan",
    "render",
    "undo",
]
