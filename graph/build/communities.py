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

After a small change the partition is updated rather than recomputed: each entity's
neighbourhood (neighbours and weights) is fingerprinted and kept in the store's cache,
and the next refresh starts from the previous partition, lets only the entities whose
fingerprint changed (or that are new) move, and keeps every other entity where it was:
at level 0 each moving entity joins the neighbouring community of highest modularity
gain (size cap kept), above it Leiden is seeded with the previous parents and may move
only the communities whose members changed. Communities nobody moved into or out of keep
their members, hence their ids (ids hash the members) and their cached LLM reports (keyed
by content hash). A change touching
more than ``INCREMENTAL_MAX_SHARE`` of the entities, ``full=True`` (``zhkg ingest
--recluster``) or a workspace without fingerprints recomputes everything.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import igraph as ig
import leidenalg as la

from extract.records import Entity, Evidence, Relation, stable_id
from extract.timing import timed
from graph.build.reports import apply_llm_writer, content_hash, extractive_report
from graph.records import Community
from graph.settings import Settings

if TYPE_CHECKING:
    from graph.llm.client import LLMClient
    from graph.store import Store

log = logging.getLogger(__name__)

MAX_LEVELS = 4
FINGERPRINTS = "communities.fingerprints"  # the store cache key of the entities' neighbourhood hashes
INCREMENTAL_MAX_SHARE = 0.3  # more entities than this share changed: recompute everything


@dataclass
class Prior:
    """The previous partition, in the current graph's node indices, and which nodes may move.

    ``levels[L]``: the previous level-L communities as sets of nodes (nodes gone from the graph
    dropped); ``moving[v]``: node ``v`` is new or its neighbourhood changed.
    """

    levels: list[list[frozenset[int]]]
    moving: list[bool]


@dataclass
class Built:
    """What :func:`build_communities` made, and how (for the log and the benchmark)."""

    communities: list[tuple[Community, list[Relation]]]
    fingerprints: dict[str, str] = field(default_factory=dict)
    incremental: bool = False
    moved: int = 0  # entities allowed to move (incremental only)
    reused: frozenset[str] = frozenset()  # ids of communities taken over unchanged (see ``build``)


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


def _leiden_seeded(
    g: ig.Graph, partition: la.VertexPartition.MutableVertexPartition, fixed: list[bool], seed: int
) -> list[int]:
    """Improve ``partition`` (built on ``g`` with an initial membership) moving only unfixed nodes."""
    opt = la.Optimiser()
    opt.set_rng_seed(seed)
    opt.optimise_partition(partition, n_iterations=-1, is_membership_fixed=fixed)
    return list(partition.membership)


def _local_moves(
    n: int,
    edges: dict[tuple[int, int], float],
    label: list[int],
    moving: Sequence[bool],
    cap: int,
    resolution: float,
    passes: int = 4,
) -> list[int]:
    """The previous level-0 partition with each moving node put where it adds most modularity.

    Level 0 is a size-capped cut of a Leiden partition, not a Leiden optimum itself, so Leiden
    seeded with it (nodes fixed) drifts towards the uncapped optimum and the re-split result is
    worse than either; a local move keeps the capped structure and only re-places what changed:
    a node joins the neighbouring community (below ``cap``) of highest gain
    ``w(v, c) - resolution * k(v) * K(c) / 2m``, or stays alone when no gain is positive.
    """
    adj: list[dict[int, float]] = [{} for _ in range(n)]
    for (a, b), w in edges.items():
        adj[a][b] = adj[a].get(b, 0.0) + w
        adj[b][a] = adj[b].get(a, 0.0) + w
    k = [sum(nb.values()) for nb in adj]
    m2 = sum(k) or 1.0
    label = list(label)
    tot: dict[int, float] = defaultdict(float)
    size: dict[int, int] = defaultdict(int)
    for v, c in enumerate(label):
        tot[c] += k[v]
        size[c] += 1
    fresh = max(label, default=-1) + 1
    order = [v for v in range(n) if moving[v]]
    for _ in range(passes):
        changed = False
        for v in order:
            cur = label[v]
            tot[cur] -= k[v]
            size[cur] -= 1
            links: dict[int, float] = defaultdict(float)
            for u, w in adj[v].items():
                if u != v:
                    links[label[u]] += w
            best, best_gain = -1, 0.0
            for c in sorted(links):
                if size[c] >= cap:
                    continue
                gain = links[c] - resolution * k[v] * tot[c] / m2
                if gain > best_gain + 1e-12:
                    best, best_gain = c, gain
            if best < 0:  # alone: its own community (the one it had, when it was alone in it)
                best = cur if size[cur] == 0 else fresh
                fresh += 1 if best == fresh else 0
            if best != cur:
                changed = True
            label[v] = best
            tot[best] += k[v]
            size[best] += 1
        if not changed:
            break
    remap: dict[int, int] = {}
    return [remap.setdefault(x, len(remap)) for x in label]


def _seed_labels(
    n: int, groups: Sequence[frozenset[int]], keep: Sequence[bool]
) -> tuple[list[int], list[bool]]:
    """Initial labels (a node's previous group, else a label of its own) and which nodes stay fixed."""
    label = [-1] * n
    for i, grp in enumerate(groups):
        for v in grp:
            label[v] = i
    nxt = len(groups)
    fixed = [False] * n
    for v in range(n):
        if label[v] < 0:
            label[v] = nxt
            nxt += 1
        else:
            fixed[v] = keep[v]
    # Labels compacted to 0..k-1 in order of first use (leidenalg wants fewer labels than nodes).
    remap: dict[int, int] = {}
    return [remap.setdefault(x, len(remap)) for x in label], fixed


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
    n: int,
    edges: dict[tuple[int, int], float],
    *,
    seed: int,
    resolution: float,
    max_size: int,
    prior: Prior | None = None,
) -> list[list[list[int]]]:
    """Levels of communities (lists of node indices), finest first; level 0 respects ``max_size``.

    With ``prior``, each level starts from the previous partition: at level 0 only the moving
    nodes may change community (:func:`_local_moves`); above, only communities whose members
    changed (Leiden with the others fixed).
    """
    if n == 0:
        return []
    g = _graph(n, edges)
    if prior is None:
        first = _leiden_rb(g, resolution, seed)
    else:
        init, _ = _seed_labels(n, prior.levels[0] if prior.levels else [], [not m for m in prior.moving])
        first = _local_moves(n, edges, init, prior.moving, max(2, max_size), resolution)
    level0: list[list[int]] = []
    for grp in _groups(first):
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
        cg = _graph(len(below), dict(agg))
        depth = len(levels)
        if prior is None or depth >= len(prior.levels):
            membership = _leiden_modularity(cg, seed)
        else:
            # A community of the level below that existed before starts in (and stays in) the
            # parent it had; a changed one starts alone and may join any.
            was = {grp: i for i, grp in enumerate(prior.levels[depth - 1])}
            parent_of = {v: i for i, grp in enumerate(prior.levels[depth]) for v in grp}
            same = [was.get(frozenset(grp)) is not None for grp in below]
            groups = [
                frozenset(i for i, grp in enumerate(below) if same[i] and parent_of.get(grp[0]) == p)
                for p in range(len(prior.levels[depth]))
            ]
            init, fixed = _seed_labels(len(below), groups, same)
            part = la.ModularityVertexPartition(cg, initial_membership=init, weights="weight")
            membership = _leiden_seeded(cg, part, fixed, seed)
        merged = _groups(membership)
        if len(merged) >= len(below) or len(merged) < 2:
            break
        level = [sorted(v for c in grp for v in below[c]) for grp in merged]
        level.sort(key=lambda vs: vs[0])
        levels.append(level)
    return levels


def fingerprints(connected: Sequence[str], edges: dict[tuple[int, int], float]) -> dict[str, str]:
    """Per entity, a hash of its neighbours and edge weights: what decides where Leiden puts it."""
    adj: dict[int, list[tuple[str, float]]] = defaultdict(list)
    for (a, b), w in edges.items():
        adj[a].append((connected[b], round(w, 6)))
        adj[b].append((connected[a], round(w, 6)))
    out = {}
    for v, e in enumerate(connected):
        blob = json.dumps(sorted(adj[v]), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        out[e] = hashlib.blake2b(blob, digest_size=8).hexdigest()
    return out


def _prior(
    connected: Sequence[str], fps: dict[str, str], previous: Sequence[Community], old_fps: dict[str, str]
) -> Prior | None:
    """The previous partition as a :class:`Prior`, or None when too much changed to seed from it."""
    pos = {e: i for i, e in enumerate(connected)}
    moving = [old_fps.get(e) != fps[e] for e in connected]
    if sum(moving) > INCREMENTAL_MAX_SHARE * max(len(connected), 1):
        return None
    depth = max((int(c.level) for c in previous), default=-1) + 1
    levels: list[list[frozenset[int]]] = [[] for _ in range(depth)]
    for c in sorted(previous, key=lambda c: (int(c.level), c.id)):
        members = frozenset(pos[e] for e in c.entity_ids if e in pos)
        if members:
            levels[int(c.level)].append(members)
    if not levels or not levels[0]:
        return None
    return Prior(levels, moving)


def build_communities(
    entities: Sequence[Entity],
    relations: Sequence[Relation],
    doc_info: dict[str, tuple[str, str]],
    settings: Settings,
) -> list[tuple[Community, list[Relation]]]:
    """Communities with extractive reports (pure: no store, no LLM), each with its internal relations."""
    return build(entities, relations, doc_info, settings).communities


@timed("communities.build")
def build(
    entities: Sequence[Entity],
    relations: Sequence[Relation],
    doc_info: dict[str, tuple[str, str]],
    settings: Settings,
    previous: Sequence[Community] = (),
    old_fingerprints: dict[str, str] | None = None,
    touched: frozenset[str] | None = None,
    evidence: Callable[[Sequence[str]], dict[str, tuple[Evidence, ...]]] | None = None,
) -> Built:
    """:func:`build_communities`, seeded from ``previous`` when the fingerprints allow (see the module).

    ``touched``: every entity whose row, documents or relations may have changed since
    ``previous`` was made (from the store's incremental update). A community with the same
    members as a previous one and no touched member has the same inputs, so its report,
    content hash and rank are taken over instead of written again. None: write every report.
    ``evidence``: ``relations`` come without evidence, and this reads it (relation id → evidence)
    for the relations inside the communities whose report is written; the relations returned
    with a kept community then carry no evidence.
    """
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
    fps = fingerprints(connected, edges)
    prior = _prior(connected, fps, previous, old_fingerprints) if previous and old_fingerprints else None
    levels = hierarchy(
        len(connected),
        dict(edges),
        seed=settings.community_seed,
        resolution=settings.community_resolution,
        max_size=settings.community_max_size,
        prior=prior,
    )
    kept: dict[tuple[int, tuple[str, ...]], Community] = {}
    if touched is not None:
        kept = {(int(c.level), tuple(sorted(c.entity_ids))): c for c in previous}
    # First which communities there are and which keep their report, then the reports: the
    # evidence (the bulk of what a relation holds) is read only for the reports written.
    plan: list[tuple[int, str, list[str], list[Relation], Community | None]] = []
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
            old = kept.get((level, tuple(sorted(ms))))
            if old is None or touched is None or old.id != cid or not touched.isdisjoint(ms):
                old = None
            plan.append((level, cid, ms, internal[i], old))
        ids_by_level.append(cid_of_node)
    if evidence is not None:
        wanted = sorted({r.id for _l, _c, _m, rels, old in plan if old is None for r in rels})
        found = evidence(wanted)
        with_ev = {r.id: dataclasses.replace(r, evidence=found[r.id]) for r in relations if r.id in found}
        plan = [(lv, c, m, [with_ev.get(r.id, r) for r in rels], old) for lv, c, m, rels, old in plan]
    out: list[tuple[Community, list[Relation]]] = []
    reused: set[str] = set()
    for level, cid, ms, rels, old in plan:
        if old is not None:
            out.append((_with(old, parent=""), rels))
            reused.add(cid)
            continue
        members = [by_id[e] for e in ms]
        report = extractive_report(level, members, rels, doc_info)
        weight = sum(r.weight for r in rels)
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
            content_hash=content_hash(ms, rels),
        )
        out.append((community, rels))
    # Parents: the community one level up holding a member (members nest by construction).
    result: list[tuple[Community, list[Relation]]] = []
    for c, rels in out:
        parent = ""
        if c.level + 1 < len(ids_by_level):
            parent = ids_by_level[c.level + 1][pos[c.entity_ids[0]]]
        result.append((_with(c, parent=parent), rels))
    moved = sum(prior.moving) if prior is not None else 0
    return Built(result, fps, prior is not None, moved, frozenset(reused))


def modularity(communities: Sequence[Community], relations: Sequence[Relation], level: int = 0) -> float:
    """Weighted modularity of one level's partition of the relation graph (entities in none: alone).

    How the benchmark compares an updated partition with a full recompute.
    """
    ends = sorted({e for r in relations for e in (r.source, r.target)})
    pos = {e: i for i, e in enumerate(ends)}
    edges: dict[tuple[int, int], float] = defaultdict(float)
    for r in relations:
        a, b = pos[r.source], pos[r.target]
        if a != b:
            edges[(min(a, b), max(a, b))] += max(float(r.weight), 1e-3)
    label = list(range(len(ends)))
    nxt = len(ends)
    for c in communities:
        if int(c.level) == level:
            for e in c.entity_ids:
                if e in pos:
                    label[pos[e]] = nxt
            nxt += 1
    remap: dict[int, int] = {}
    membership = [remap.setdefault(x, len(remap)) for x in label]
    g = _graph(len(ends), dict(edges))
    return float(g.modularity(membership, weights="weight")) if edges else 0.0


def _with(c: Community, **changes: object) -> Community:
    from dataclasses import replace

    return replace(c, **changes)  # type: ignore[arg-type]


@timed("communities.refresh")
def refresh(
    store: Store,
    settings: Settings,
    llm: LLMClient | None = None,
    *,
    full: bool = False,
    touched: frozenset[str] | None = None,
) -> list[Community]:
    """Recompute communities and reports from the store's graph and write them; returns them.

    Call inside the caller's write transaction. Without ``llm`` no model is
    called: reports are extractive, except that an LLM-written title/summary
    cached for an unchanged community (same content hash) is reused. The partition is
    updated from the previous one unless ``full`` or too much changed (see the module).
    ``touched``: the entities the store's incremental update reached; communities clear of
    them keep their stored report (see :func:`build`; not with ``llm``, which rewrites reports).
    """
    entities = store.entities()
    relations = store.relations(with_evidence=False)
    doc_info = {d.id: (d.path, d.title) for d in store.documents()}
    previous: list[Community] = []
    old_fps: dict[str, str] | None = None
    cached = None if full else store.cache_get(FINGERPRINTS)
    if cached:
        old_fps = json.loads(cached)
        previous = store.communities()
    keep = touched if llm is None and not full else None
    made = build(entities, relations, doc_info, settings, previous, old_fps, keep, store.evidence_of)
    store.cache_put(FINGERPRINTS, json.dumps(made.fingerprints, ensure_ascii=False, separators=(",", ":")))
    log.info(
        "communities: %s",
        f"updated, {made.moved} entities free to move, {len(made.reused)} reports kept"
        if made.incremental
        else "recomputed",
    )
    communities: list[Community] = []
    for c, _rels in made.communities:
        if c.id in made.reused:
            communities.append(c)
            continue
        report = apply_llm_writer(store, c.report, c.content_hash, llm)
        if report is not c.report:
            c = _with(c, title=report["title"], summary=report["summary"], report=report)
        communities.append(c)
    store.replace_communities(communities)
    version = int(store.meta("communities_version") or "0") + 1
    store.set_meta("communities_version", str(version))
    log.info("communities: %d over %d levels", len(communities), len({c.level for c in communities}))
    return communities


__all__ = [
    "Built",
    "Prior",
    "build",
    "build_communities",
    "fingerprints",
    "hierarchy",
    "modularity",
    "refresh",
]
