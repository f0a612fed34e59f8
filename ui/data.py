"""The workspace as the app sees it: the small part read once per ingest generation, the rest on demand.

Every page reads the same :class:`WorkspaceData`, cached with ``st.cache_resource`` under
(workspace path, generation), so navigating between pages never re-reads what it holds, while an
ingest (which bumps the store's ``generation``) makes the next page view pick up the new graph.

What it holds up front is what every page needs and stays small at 100k documents: the entities
(without their documents), the centrality the ingest stored and the communities (without their
reports); the search keys are built at the first search.
Relations, evidence, entity→document lists and document rows are read by SQL when a view needs
them (the relations of one entity, those among the drawn nodes, one entity's evidence) and kept
in bounded memos on the shared object. Loading every relation with its evidence, as the first
versions did, took 70 s cold at 10k documents.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any, Generic, TypeVar

import streamlit as st

from extract.errors import ZhkgError
from extract.normalize import match_key
from extract.records import Entity, Evidence, Relation
from graph.records import Community, StoredDocument
from graph.store import Store

log = logging.getLogger(__name__)

K = TypeVar("K")
V = TypeVar("V")


class _Memo(Generic[K, V]):
    """A read-on-demand mapping with the ``get`` of a dict, keeping the last ``size`` answers.

    Pages call ``data.relations_of.get(eid, [])`` as they did when it was a dict of everything."""

    def __init__(self, load: Callable[[K], V], size: int = 2048) -> None:
        self._load = load
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, default: V | None = None) -> V:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = self._load(key)
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value

    def __getitem__(self, key: K) -> V:
        return self.get(key)


class WorkspaceData:
    """What the pages read: the small tables in memory, the big ones through on-demand readers."""

    def __init__(
        self,
        workspace: str,
        generation: str,
        stats: dict[str, Any],
        entities: dict[str, Entity],
        communities: list[Community],
        centrality: dict[str, float],
        degree: dict[str, int],
        centrality_stored: bool = False,
    ) -> None:
        self.workspace = workspace
        self.generation = generation
        self.stats = stats
        self.entities = entities
        self.communities = communities
        self.centrality = centrality
        self.degree = degree
        self.centrality_stored = centrality_stored  # False: computed on read (an older workspace)
        communities_of: dict[str, list[str]] = defaultdict(list)
        for com in communities:
            for eid in com.entity_ids:
                communities_of[eid].append(com.id)
        self.communities_of: dict[str, list[str]] = dict(communities_of)
        self.community_by_id: dict[str, Community] = {c.id: c for c in communities}
        self.relations_of: _Memo[str, list[Relation]] = _Memo(self._relations_touching)
        self.doc_ids_of: _Memo[str, tuple[str, ...]] = _Memo(self._entity_documents)
        self.report_of: _Memo[str, dict[str, Any]] = _Memo(self._community_report, size=256)
        self._db_lock = threading.Lock()

    @contextmanager
    def _store(self) -> Iterator[Store]:
        from graph.store import open_store

        with self._db_lock, open_store(Path(self.workspace), readonly=True) as store:
            yield store

    # -- read on demand --------------------------------------------------------------------------

    def _relations_touching(self, entity_id: str) -> list[Relation]:
        from graph.store import readers

        with self._store() as store:
            rels = readers.relations_touching(store, entity_id)
        return [r for r in rels if r.source in self.entities and r.target in self.entities]

    def _entity_documents(self, entity_id: str) -> tuple[str, ...]:
        from graph.store import readers

        with self._store() as store:
            return readers.entity_documents(store, entity_id)

    def _community_report(self, community_id: str) -> dict[str, Any]:
        from graph.store import readers

        with self._store() as store:
            return readers.community_report(store, community_id)

    @cached_property
    def search_keys(self) -> dict[str, list[str]]:
        """match_key of every name and alias → entity ids, built at the first search."""
        return search_index(self.entities.values())

    def relations_among(self, entity_ids: Iterable[str]) -> list[Relation]:
        """Relations (without evidence) with both ends in ``entity_ids``, heaviest first."""
        from graph.store import readers

        with self._store() as store:
            return readers.relations_among(store, [e for e in entity_ids if e in self.entities])

    def relations_by_ids(self, relation_ids: Iterable[str]) -> list[Relation]:
        from graph.store import readers

        with self._store() as store:
            rels = readers.relations_by_ids(store, relation_ids)
        return [r for r in rels if r.source in self.entities and r.target in self.entities]

    def evidence_of(self, relation_ids: Iterable[str]) -> dict[str, tuple[Evidence, ...]]:
        with self._store() as store:
            return store.evidence_of(sorted(set(relation_ids)))

    def light_edges(self) -> list[tuple[str, str, str]]:
        """(source, target, type) of every relation: one scan of three short columns, for a filter
        over a large set of entities (by relation type or degree, the by-community aggregate)."""
        from graph.store import readers

        with self._store() as store:
            return list(readers.light_edges(store))

    def document_entities(self, doc_id: str) -> list[str]:
        """Entities mentioned in one document."""
        from graph.store import readers

        with self._store() as store:
            return [e for e in readers.document_entities(store, doc_id) if e in self.entities]

    @cached_property
    def relations(self) -> list[Relation]:
        """Every relation between known entities, without evidence: only for views that need the
        whole graph (a filter by relation type or degree, the by-community aggregate)."""
        with self._store() as store:
            rels = store.relations(with_evidence=False)
        return [r for r in rels if r.source in self.entities and r.target in self.entities]

    @cached_property
    def documents(self) -> dict[str, StoredDocument]:
        """Every document row (the documents page); other pages label documents by :attr:`doc_titles`."""
        with self._store() as store:
            return {d.id: d for d in store.documents()}

    @cached_property
    def doc_titles(self) -> dict[str, tuple[str, str]]:
        """Document id → (path, title), by path: two short columns for labels and pickers."""
        from graph.store import readers

        with self._store() as store:
            return {d.id: (d.path, d.title) for d in readers.document_titles(store)}

    @cached_property
    def doc_links(self) -> list[tuple[str, str]]:
        with self._store() as store:
            return store.doc_links()

    @cached_property
    def doc_link_index(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """(document → documents it links to, document → documents linking to it)."""
        out: dict[str, list[str]] = defaultdict(list)
        inc: dict[str, list[str]] = defaultdict(list)
        for source, target in self.doc_links:
            out[source].append(target)
            inc[target].append(source)
        return dict(out), dict(inc)

    def doc_label(self, doc_id: str) -> str:
        known = self.doc_titles.get(doc_id)
        if known is None:
            return doc_id
        path, title = known
        return f"{title or Path(path).name} ({Path(path).name})"

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
    """Read the small, always-needed part of the graph (no Streamlit; tested directly)."""
    from graph.store import open_store, readers

    with open_store(workspace, readonly=True) as store:
        stats = readers.graph_counts(store)
        entities = {e.id: e for e in readers.entities_without_documents(store)}
        communities = readers.communities_without_reports(store)
        stored = readers.stored_centrality(store)
        if stored is None:  # a workspace ingested before the centrality was stored
            log.info("workspace %s has no stored centrality: computing it from every relation", workspace)
            from graph.build.centrality import workspace_centrality

            rows = workspace_centrality(store)
            cent = {eid: score for eid, _, _, score in rows}
            degree = {eid: deg for eid, deg, _, _ in rows}
        else:
            cent = {eid: stored[eid].score if eid in stored else 0.0 for eid in entities}
            degree = {eid: stored[eid].degree if eid in stored else 0 for eid in entities}
    data = WorkspaceData(
        workspace=str(workspace),
        generation=gen,
        stats=stats,
        entities=entities,
        communities=communities,
        centrality=cent,
        degree=degree,
        centrality_stored=stored is not None,
    )
    log.info("loaded workspace %s generation %s: %d entities", workspace, gen, len(entities))
    return data


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


def evidence_for(data: WorkspaceData, entity_id: str, limit: int | None = None) -> list[tuple[Relation, Any]]:
    """(relation, evidence sentence) pairs touching the entity: typed relations before plain
    co-occurrence (RELATED_TO), then strongest first; read on demand. ``limit``: only the first
    ``limit`` relations' sentences (the graph page's panel shows a handful)."""
    rels = sorted(data.relations_of.get(entity_id, []), key=lambda r: (r.type == "RELATED_TO", -r.weight))
    if limit is not None:
        rels = rels[:limit]
    evidence = data.evidence_of([r.id for r in rels])
    return [(rel, ev) for rel in rels for ev in evidence.get(rel.id, ())]


def chunk_text(workspace: Path, chunk_id: str) -> str:
    """One chunk's text, read on demand (chunks are not part of the cached graph)."""
    return _chunk_cached(str(workspace), chunk_id)


@st.cache_data(show_spinner=False, max_entries=512)
def _chunk_cached(workspace: str, chunk_id: str) -> str:
    from graph.store import open_store

    with open_store(Path(workspace), readonly=True) as store:
        chunk = store.chunk(chunk_id)
    return chunk.text if chunk else ""
