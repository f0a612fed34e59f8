"""The workspace as the app sees it: loaded once per ingest generation and shared.

Every page reads the same :class:`WorkspaceData`. It is cached with
``st.cache_resource`` under (workspace path, generation), so navigating between
pages never re-reads the database, while an ingest (which bumps the store's
``generation``) makes the next page view pick up the new graph.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st

from extract.errors import ZhkgError
from extract.normalize import match_key
from extract.records import Entity, Relation
from graph.records import Community, StoredDocument

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkspaceData:
    """Everything the pages need, indexed for quick lookups."""

    workspace: str
    generation: str
    stats: dict[str, Any]
    documents: dict[str, StoredDocument]
    entities: dict[str, Entity]
    relations: list[Relation]
    communities: list[Community]
    centrality: dict[str, float] = field(default_factory=dict)
    degree: dict[str, int] = field(default_factory=dict)
    relations_of: dict[str, list[Relation]] = field(default_factory=dict)
    communities_of: dict[str, list[str]] = field(default_factory=dict)
    search_keys: dict[str, list[str]] = field(default_factory=dict)
    doc_links: list[tuple[str, str]] = field(default_factory=list)  # (source, target) document ids

    @property
    def community_by_id(self) -> dict[str, Community]:
        return {c.id: c for c in self.communities}

    def doc_label(self, doc_id: str) -> str:
        doc = self.documents.get(doc_id)
        if doc is None:
            return doc_id
        return f"{doc.title or Path(doc.path).name} ({Path(doc.path).name})"

    def entity_name(self, entity_id: str) -> str:
        ent = self.entities.get(entity_id)
        return ent.name if ent else entity_id


class WorkspaceMissing(ZhkgError, RuntimeError):
    """The workspace has no database yet (nothing ingested)."""


def generation(workspace: Path) -> str:
    """The store's ingest counter: one small read, the cache key for everything else."""
    from graph.settings import workspace_db
    from graph.store import open_store

    if not workspace_db(workspace).exists():
        raise WorkspaceMissing(str(workspace))
    with open_store(workspace, readonly=True) as store:
        return store.meta("generation") or "0"


def load(workspace: Path) -> WorkspaceData:
    """The cached workspace for the current generation (raises WorkspaceMissing / StoreError)."""
    ws = str(Path(workspace).resolve())
    return _load_cached(ws, generation(Path(ws)))


@st.cache_resource(show_spinner=False, max_entries=4)
def _load_cached(workspace: str, gen: str) -> WorkspaceData:
    return read_workspace(Path(workspace), gen)


def read_workspace(workspace: Path, gen: str = "") -> WorkspaceData:
    """Read the whole graph once and build the indexes (no Streamlit; tested directly)."""
    from graph.store import open_store

    with open_store(workspace, readonly=True) as store:
        stats = store.stats()
        documents = {d.id: d for d in store.documents()}
        entities = {e.id: e for e in store.entities()}
        relations = [r for r in store.relations() if r.source in entities and r.target in entities]
        communities = store.communities()
        doc_links = store.doc_links()
    relations_of: dict[str, list[Relation]] = defaultdict(list)
    for rel in relations:
        relations_of[rel.source].append(rel)
        relations_of[rel.target].append(rel)
    communities_of: dict[str, list[str]] = defaultdict(list)
    for com in communities:
        for eid in com.entity_ids:
            communities_of[eid].append(com.id)
    degree = {eid: len({_other(r, eid) for r in relations_of.get(eid, [])}) for eid in entities}
    data = WorkspaceData(
        workspace=str(workspace),
        generation=gen,
        stats=stats,
        documents=documents,
        entities=entities,
        relations=relations,
        communities=communities,
        centrality=centrality(entities, relations),
        degree=degree,
        relations_of=dict(relations_of),
        communities_of=dict(communities_of),
        doc_links=doc_links,
        search_keys=search_index(entities.values()),
    )
    log.info("loaded workspace %s generation %s: %d entities", workspace, gen, len(entities))
    return data


def _other(rel: Relation, eid: str) -> str:
    return rel.target if rel.source == eid else rel.source


def centrality(entities: dict[str, Entity], relations: list[Relation]) -> dict[str, float]:
    """PageRank over the weighted, undirected relation graph, scaled to [0, 1].

    The graph's one PageRank (:mod:`graph.build.centrality`, the numbers Neo4j stores), rather
    than raw degree, so that a hub's neighbours rank above leaves that merely co-occur once;
    mention counts break ties for isolated nodes.
    """
    ids = list(entities)
    if not ids:
        return {}
    from graph.build.centrality import compute_centrality

    ranks = compute_centrality(ids, ((r.source, r.target, r.weight) for r in relations))
    scores = [ranks[eid][1] for eid in ids]
    mentions = [math.log1p(entities[eid].mention_count) for eid in ids]
    top_m = max(mentions) or 1.0
    combined = [s + 1e-6 * m / top_m for s, m in zip(scores, mentions, strict=True)]
    top = max(combined) or 1.0
    return {eid: c / top for eid, c in zip(ids, combined, strict=True)}


def search_index(entities: Any) -> dict[str, list[str]]:
    """match_key of every name and alias → entity ids, so 大语言模型 finds 大語言模型."""
    index: dict[str, list[str]] = defaultdict(list)
    for ent in entities:
        for surface in (ent.name, *ent.aliases):
            key = match_key(surface)
            if key and ent.id not in index[key]:
                index[key].append(ent.id)
    return dict(index)


def search(data: WorkspaceData, query: str, limit: int = 20) -> list[str]:
    """Entity ids matching ``query``: exact key first, then prefix, then substring.

    Within each tier the more central entity comes first.
    """
    q = match_key(query.strip())
    if not q:
        return []
    tiers: list[set[str]] = [set(), set(), set()]
    for key, ids in data.search_keys.items():
        if key == q:
            tiers[0].update(ids)
        elif key.startswith(q):
            tiers[1].update(ids)
        elif q in key:
            tiers[2].update(ids)
    out: list[str] = []
    for tier in tiers:
        for eid in sorted(tier - set(out), key=lambda e: -data.centrality.get(e, 0.0)):
            out.append(eid)
    return out[:limit]


def evidence_for(data: WorkspaceData, entity_id: str) -> list[tuple[Relation, Any]]:
    """Every (relation, evidence sentence) pair touching the entity: typed relations before plain
    co-occurrence (RELATED_TO), then strongest first."""
    rels = sorted(data.relations_of.get(entity_id, []), key=lambda r: (r.type == "RELATED_TO", -r.weight))
    return [(rel, ev) for rel in rels for ev in rel.evidence]


def chunk_text(workspace: Path, chunk_id: str) -> str:
    """One chunk's text, read on demand (chunks are not part of the cached graph)."""
    return _chunk_cached(str(workspace), chunk_id)


@st.cache_data(show_spinner=False, max_entries=512)
def _chunk_cached(workspace: str, chunk_id: str) -> str:
    from graph.store import open_store

    with open_store(Path(workspace), readonly=True) as store:
        chunk = store.chunk(chunk_id)
    return chunk.text if chunk else ""
