"""Hierarchical Leiden communities: determinism, nesting levels, size cap, store round trip."""

from __future__ import annotations

import itertools
import random

from extract.records import Entity, EntityType, Relation, RelationType, stable_id
from graph.build.communities import build_communities, hierarchy, refresh
from graph.settings import load_settings
from graph.store import Store


def _cliques(n_groups: int, size: int, seed: int = 7) -> dict[tuple[int, int], float]:
    """Dense groups joined by a few weak bridges: an unambiguous community structure."""
    rng = random.Random(seed)
    edges: dict[tuple[int, int], float] = {}
    for g in range(n_groups):
        base = g * size
        for i in range(size):
            for j in range(i + 1, size):
                edges[(base + i, base + j)] = 1.0 + rng.random()
        if g:
            edges[(base - 1, base)] = 0.1
    return edges


def test_same_seed_same_communities() -> None:
    edges = _cliques(6, 8)
    a = hierarchy(48, edges, seed=3, resolution=1.0, max_size=40)
    b = hierarchy(48, edges, seed=3, resolution=1.0, max_size=40)
    assert a == b
    assert len(a[0]) >= 5  # finds the planted groups, not one blob


def test_levels_nest_and_get_coarser() -> None:
    levels = hierarchy(48, _cliques(6, 8), seed=1, resolution=1.0, max_size=40)
    assert len(levels) >= 2
    for lower, upper in itertools.pairwise(levels):
        assert len(upper) < len(lower)
        owner = {v: i for i, grp in enumerate(upper) for v in grp}
        for grp in lower:  # each finer community sits inside exactly one coarser one
            assert len({owner[v] for v in grp}) == 1
        assert sorted(v for g in upper for v in g) == sorted(v for g in lower for v in g)


def test_size_cap_splits_oversized_communities() -> None:
    edges = _cliques(1, 30)  # one dense clique Leiden would keep whole
    levels = hierarchy(30, edges, seed=1, resolution=1.0, max_size=7)
    assert max(len(g) for g in levels[0]) <= 7
    assert sorted(v for g in levels[0] for v in g) == list(range(30))


def _entities_and_relations() -> tuple[list[Entity], list[Relation]]:
    names = [f"工具{i}" for i in range(12)]
    ents = [Entity(stable_id("e", n), n, EntityType.TOOL, doc_ids=("d1",)) for n in names]
    rels = []
    for g in range(3):
        for i in range(4):
            for j in range(i + 1, 4):
                s, t = ents[g * 4 + i], ents[g * 4 + j]
                rels.append(Relation(stable_id("r", s.id, t.id), s.id, t.id, RelationType.USES, 2.0, 0.9))
    rels.append(Relation("rbridge", ents[3].id, ents[4].id, RelationType.RELATED_TO, 0.2, 0.5))
    lonely = Entity(stable_id("e", "孤立"), "孤立", EntityType.CONCEPT)
    return [*ents, lonely], rels


def test_build_communities_ids_parents_and_isolates() -> None:
    ents, rels = _entities_and_relations()
    settings = load_settings(env={})
    built = [c for c, _ in build_communities(ents, rels, {"d1": ("a.md", "A")}, settings)]
    again = [c for c, _ in build_communities(ents, rels, {"d1": ("a.md", "A")}, settings)]
    assert [c.id for c in built] == [c.id for c in again]
    members = {e for c in built for e in c.entity_ids}
    assert stable_id("e", "孤立") not in members  # no relation → no community
    by_id = {c.id: c for c in built}
    for c in built:
        if c.parent:
            parent = by_id[c.parent]
            assert parent.level == c.level + 1
            assert set(c.entity_ids) <= set(parent.entity_ids)
    assert {c.level for c in built} >= {0}
    assert all(c.content_hash and c.title for c in built)


def test_refresh_writes_communities_and_is_stable(rag_store: Store, rag_settings: object) -> None:
    settings = load_settings(env={}, overrides={"workspace": rag_store.path.parent})
    before = rag_store.communities()
    with rag_store.transaction():
        out = refresh(rag_store, settings)
    after = rag_store.communities()
    assert len(out) == len(after) > 0
    assert [c.id for c in before] == [c.id for c in after]
    assert {c.level for c in after} >= {0}
    version = rag_store.meta("communities_version")
    with rag_store.transaction():
        refresh(rag_store, settings)
    assert int(rag_store.meta("communities_version") or 0) == int(version or 0) + 1
