"""Hierarchical communities over the entity graph, with a report for each.

Level 0 is a Leiden partition (leidenalg/igraph, RB-configuration quality with
``community_resolution``) of the weighted entity graph; communities larger than
``community_max_size`` are split by re-running Leiden inside them at a higher
resolution (and, failing that, cut into degree-ordered slices). Coarser levels
come from running modularity Leiden on the graph of the level below's
communities, until nothing merges. Vertex and edge order are sorted by id and
the seed is fixed, so the same graph always yields the same communities.

Entities without any relation are left out: they would each form a singleton
community whose report says nothing.

Runs inside ingest's write transaction without an LLM: the work is one Leiden
call per level plus a linear pass over relations to write extractive reports.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

import igraph as ig
import leidenalg as la

from extract.records import Entity, Relation, stable_id
from extract.timing import timed
from graph.build.reports import apply_llm_writer, content_hash, extractive_report
from graph.records import Community
from graph.settings import Settings

if TYPE_CHECKING:
    from graph.llm.client import LLMClient
    from graph.store import Store

log = logging.getLogger(__name__)

MAX_LEVELS = 4


def _graph(n: int, edges: dict[tuple[int, int], float]) -> ig.Graph:
    keys = sorted(edges)
    g = ig.Graph(n=n, edges=keys, directed=False)
    g.es["weight"] = [edges[k] for k in keys]
    return g


def _leiden_rb(g: ig.Graph, resolution: float, seed: int) -> list[int]:
    part = la.find_partition(
        g,
        la.RBConfigurationVertexPartition,
        weights="weight",
        resolution_parameter=resolution,
        seed=seed,
        n_iterations=-1,
    )
    return list(part.membership)


def _leiden_modularity(g: ig.Graph, seed: int) -> list[int]:
    part = la.find_partition(g, la.ModularityVertexPartition, weights="weight", seed=seed, n_iterations=-1)
    return list(part.membership)


def _groups(membership: Sequence[int]) -> list[list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for v, c in enumerate(membership):
        out[c].append(v)
    return [sorted(vs) for _, vs in sorted(out.items())]


def _split(
    nodes: list[int], edges: dict[tuple[int, int], float], cap: int, resolution: float, seed: int
) -> list[list[int]]:
    """Split ``nodes`` into connected-ish parts of at most ``cap`` nodes."""
    if len(nodes) <= cap:
        return [nodes]
    pos = {v: i for i, v in enumerate(nodes)}
    sub = {(pos[a], pos[b]): w for (a, b), w in edges.items() if a in pos and b in pos}
    g = _graph(len(nodes), sub)
    res = resolution
    for _ in range(8):
        res *= 2.0
        parts = _groups(_leiden_rb(g, res, seed))
        if len(parts) > 1:
            out: list[list[int]] = []
            for p in parts:
                out.extend(_split([nodes[i] for i in p], edges, cap, res, seed))
            return out
    # Dense core Leiden will not cut: slice by weighted degree, strongest first.
    deg = g.strength(weights="weight")
    order = sorted(range(len(nodes)), key=lambda i: (-deg[i], nodes[i]))
    return [sorted(nodes[i] for i in order[k : k + cap]) for k in range(0, len(order), cap)]


def hierarchy(
    n: int, edges: dict[tuple[int, int], float], *, seed: int, resolution: float, max_size: int
) -> list[list[list[int]]]:
    """Levels of communities (lists of node indices), finest first; level 0 respects ``max_size``."""
    if n == 0:
        return []
    g = _graph(n, edges)
    level0: list[list[int]] = []
    for grp in _groups(_leiden_rb(g, resolution, seed)):
        level0.extend(_split(grp, edges, max(2, max_size), resolution, seed))
    level0.sort(key=lambda vs: vs[0])
    levels = [level0]
    while len(levels) < MAX_LEVELS:
        below = levels[-1]
        comm_of = {v: i for i, grp in enumerate(below) for v in grp}
        agg: dict[tuple[int, int], float] = defaultdict(float)
        for (a, b), w in edges.items():
            ca, cb = comm_of[a], comm_of[b]
            if ca != cb:
                agg[(min(ca, cb), max(ca, cb))] += w
        if not agg:
            break
        merged = _groups(_leiden_modularity(_graph(len(below), dict(agg)), seed))
        if len(merged) >= len(below) or len(merged) < 2:
            break
        level = [sorted(v for c in grp for v in below[c]) for grp in merged]
        level.sort(key=lambda vs: vs[0])
        levels.append(level)
    return levels


@timed("communities.build")
def build_communities(
    entities: Sequence[Entity],
    relations: Sequence[Relation],
    doc_info: dict[str, tuple[str, str]],
    settings: Settings,
) -> list[tuple[Community, list[Relation]]]:
    """Communities with extractive reports (pure: no store, no LLM), each with its internal relations."""
    by_id = {e.id: e for e in entities}
    connected = sorted(
        {r.source for r in relations if r.source in by_id and r.target in by_id}
        | {r.target for r in relations if r.source in by_id and r.target in by_id}
    )
    pos = {e: i for i, e in enumerate(connected)}
    edges: dict[tuple[int, int], float] = defaultdict(float)
    for r in relations:
        a, b = pos.get(r.source), pos.get(r.target)
        if a is None or b is None or a == b:
            continue
        edges[(min(a, b), max(a, b))] += max(float(r.weight), 1e-3)
    levels = hierarchy(
        len(connected),
        dict(edges),
        seed=settings.community_seed,
        resolution=settings.community_resolution,
        max_size=settings.community_max_size,
    )
    out: list[tuple[Community, list[Relation]]] = []
    ids_by_level: list[dict[int, str]] = []
    for level, groups in enumerate(levels):
        member_ids = [[connected[v] for v in grp] for grp in groups]
        cid_of_node: dict[int, str] = {}
        internal: list[list[Relation]] = [[] for _ in groups]
        comm_of: dict[str, int] = {}
        for i, ms in enumerate(member_ids):
            for e in ms:
                comm_of[e] = i
        for r in relations:
            ca, cb = comm_of.get(r.source), comm_of.get(r.target)
            if ca is not None and ca == cb:
                internal[ca].append(r)
        for i, (grp, ms) in enumerate(zip(groups, member_ids, strict=True)):
            cid = stable_id("c", str(level), *sorted(ms))
            for v in grp:
                cid_of_node[v] = cid
            members = [by_id[e] for e in ms]
            report = extractive_report(level, members, internal[i], doc_info)
            weight = sum(r.weight for r in internal[i])
            n_docs = len({d for m in members for d in m.doc_ids})
            rank = round(math.log1p(weight) + math.log1p(n_docs), 4)
            community = Community(
                id=cid,
                level=level,
                parent="",
                entity_ids=tuple(sorted(ms)),
                title=report["title"],
                summary=report["summary"],
                report=report,
                rank=rank,
                content_hash=content_hash(ms, internal[i]),
            )
            out.append((community, internal[i]))
        ids_by_level.append(cid_of_node)
    # Parents: the community one level up holding a member (members nest by construction).
    result: list[tuple[Community, list[Relation]]] = []
    for c, rels in out:
        parent = ""
        if c.level + 1 < len(ids_by_level):
            parent = ids_by_level[c.level + 1][pos[c.entity_ids[0]]]
        result.append((_with(c, parent=parent), rels))
    return result


def _with(c: Community, **changes: object) -> Community:
    from dataclasses import replace

    return replace(c, **changes)  # type: ignore[arg-type]


@timed("communities.refresh")
def refresh(store: Store, settings: Settings, llm: LLMClient | None = None) -> list[Community]:
    """Recompute communities and reports from the store's graph and write them; returns them.

    Call inside the caller's write transaction. Without ``llm`` no model is
    called: reports are extractive, except that an LLM-written title/summary
    cached for an unchanged community (same content hash) is reused.
    """
    entities = store.entities()
    relations = store.relations()
    doc_info = {d.id: (d.path, d.title) for d in store.documents()}
    built = build_communities(entities, relations, doc_info, settings)
    communities: list[Community] = []
    for c, _rels in built:
        report = apply_llm_writer(store, c.report, c.content_hash, llm)
        if report is not c.report:
            c = _with(c, title=report["title"], summary=report["summary"], report=report)
        communities.append(c)
    store.replace_communities(communities)
    version = int(store.meta("communities_version") or "0") + 1
    store.set_meta("communities_version", str(version))
    log.info("communities: %d over %d levels", len(communities), len({c.level for c in communities}))
    return communities


__all__ = ["build_communities", "hierarchy", "refresh"]
