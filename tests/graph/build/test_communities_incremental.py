"""Communities after a small change are updated from the previous partition: untouched entities
stay where they were, untouched communities keep their ids, nothing changed means nothing moves,
and the partition stays about as good as a full recompute."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from extract.records import Entity, EntityType, Relation, RelationType, stable_id
from graph import api
from graph.build import communities as comm
from graph.build.communities import FINGERPRINTS, build, modularity, refresh
from graph.records import Community
from graph.settings import Settings, load_settings
from graph.store import open_store

GROUPS, SIZE = 24, 7


def _graph(seed: int = 11) -> tuple[list[Entity], list[Relation]]:
    """Dense groups of tools, each with a few links to other groups: a clear but not trivial structure."""
    rng = random.Random(seed)
    ents = [
        Entity(stable_id("e", f"n{g}-{i}"), f"工具{g}-{i}", EntityType.TOOL, doc_ids=("d1",))
        for g in range(GROUPS)
        for i in range(SIZE)
    ]
    rels: list[Relation] = []
    for g in range(GROUPS):
        for i in range(SIZE):
            for j in range(i + 1, SIZE):
                if rng.random() < 0.7:
                    rels.append(_rel(ents[g * SIZE + i], ents[g * SIZE + j], 1.0 + rng.random()))
        for _ in range(3):
            other = rng.randrange(len(ents))
            rels.append(_rel(ents[g * SIZE + rng.randrange(SIZE)], ents[other], 0.3 * rng.random() + 0.05))
    return ents, [r for r in rels if r.source != r.target]


def _rel(s: Entity, t: Entity, w: float) -> Relation:
    a, b = sorted((s.id, t.id))
    return Relation(stable_id("r", a, b, str(w)), a, b, RelationType.RELATED_TO, round(w, 4), 0.8)


def _settings() -> Settings:
    return load_settings(env={}, overrides={"community_max_size": 40})


def _level0(cs: list[Community]) -> dict[str, frozenset[str]]:
    return {c.id: frozenset(c.entity_ids) for c in cs if c.level == 0}


def _edit(ents: list[Entity], rels: list[Relation]) -> tuple[list[Entity], list[Relation], set[str]]:
    """A few new links, a removed entity with its links, a new entity joining group 3."""
    gone = ents[5 * SIZE + 2].id
    new = Entity(stable_id("e", "新工具"), "新工具", EntityType.TOOL, doc_ids=("d2",))
    rels2 = [r for r in rels if gone not in (r.source, r.target)]
    rels2 += [_rel(new, ents[3 * SIZE + i], 1.5) for i in range(3)]
    rels2 += [
        _rel(ents[7 * SIZE], ents[8 * SIZE + 1], 2.0),
        _rel(ents[9 * SIZE + 3], ents[9 * SIZE + 4], 1.2),
    ]
    ents2 = [e for e in ents if e.id != gone] + [new]
    return ents2, rels2, {gone}


def test_no_change_means_the_same_communities() -> None:
    ents, rels = _graph()
    first = build(ents, rels, {}, _settings())
    again = build(ents, rels, {}, _settings(), [c for c, _ in first.communities], first.fingerprints)
    assert again.incremental and again.moved == 0
    assert [c for c, _ in again.communities] == [c for c, _ in first.communities]


def test_small_change_keeps_untouched_communities_and_quality() -> None:
    ents, rels = _graph()
    settings = _settings()
    first = build(ents, rels, {}, settings)
    before = [c for c, _ in first.communities]
    ents2, rels2, gone = _edit(ents, rels)
    inc = build(ents2, rels2, {}, settings, before, first.fingerprints)
    full = build(ents2, rels2, {}, settings)
    assert inc.incremental and not full.incremental
    assert 0 < inc.moved < len(ents) // 5
    moving = {e for e, h in inc.fingerprints.items() if first.fingerprints.get(e) != h}
    after = _level0([c for c, _ in inc.communities])
    home = {e: cid for cid, ms in after.items() for e in ms}
    untouched = {cid: ms for cid, ms in _level0(before).items() if not ms & (moving | gone)}
    assert len(untouched) >= len(_level0(before)) * 2 // 3
    for ms in untouched.values():  # entities that were not free to move stayed together
        assert len({home[e] for e in ms}) == 1
    kept = [cid for cid in untouched if cid in after]
    # An untouched community keeps its id unless a changed entity joined it.
    joined = {
        cid
        for cid, ms in untouched.items()
        if cid not in after and len(after[home[next(iter(ms))]]) > len(ms)
    }
    assert set(untouched) == set(kept) | joined
    assert len(kept) >= len(untouched) - 3
    q_inc = modularity([c for c, _ in inc.communities], rels2)
    q_full = modularity([c for c, _ in full.communities], rels2)
    assert q_inc >= 0.98 * q_full, (q_inc, q_full)
    # Levels still nest.
    by_id = {c.id: c for c, _ in inc.communities}
    for c in by_id.values():
        if c.parent:
            assert set(c.entity_ids) <= set(by_id[c.parent].entity_ids)


def test_a_big_change_recomputes() -> None:
    ents, rels = _graph()
    first = build(ents, rels, {}, _settings())
    other_ents, other_rels = _graph(seed=99)  # every weight differs: every fingerprint changes
    redo = build(
        other_ents, other_rels, {}, _settings(), [c for c, _ in first.communities], first.fingerprints
    )
    assert not redo.incremental
    assert [c for c, _ in redo.communities] == [
        c for c, _ in build(other_ents, other_rels, {}, _settings()).communities
    ]


def test_ingest_updates_communities_and_recluster_recomputes(
    tmp_path: Path, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(env={}, overrides={"workspace": tmp_path / "ws"})
    api.ingest([corpus_dir], settings, index=False)
    with open_store(settings.workspace, readonly=True) as store:
        assert store.cache_get(FINGERPRINTS)
        ids = {c.id for c in store.communities()}
    made: list[comm.Built] = []
    real = comm.build

    def spy(*a: object, **k: object) -> comm.Built:
        out = real(*a, **k)  # type: ignore[arg-type]
        made.append(out)
        return out

    monkeypatch.setattr(comm, "build", spy)
    with open_store(settings.workspace) as store, store.transaction():
        refresh(store, settings)
        assert {c.id for c in store.communities()} == ids
    assert made[-1].incremental and made[-1].moved == 0
    api.recluster_communities(settings)
    assert not made[-1].incremental
    with open_store(settings.workspace, readonly=True) as store:
        assert {c.id for c in store.communities()} == ids  # the same graph and seed: the same partition
