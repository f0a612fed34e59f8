"""The workspace's change log drives the Neo4j sync: after a small change only the changed
documents are read and written, the result equals a full comparison, an interrupted sync
resumes with the passes it had not finished, and a mirror of another copy is compared whole."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from test_integration_sync_queries import expected_counts, neo_counts  # type: ignore[import-not-found]

import graph.neo4j.sync as sync_mod
from graph import api
from graph.neo4j.client import connect
from graph.neo4j.sync import SyncReport, read_state, sync_workspace
from graph.settings import Settings, load_settings
from graph.store import open_store, readers
from graph.store.workspace import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / "examples" / "corpus"

EXTRA = "\n\n補充：我們後來改用 vLLM 在 A100 上服務 Breeze-7B，並用 Qdrant 存向量。\n"


def _sync(settings: Settings, **kw: bool) -> SyncReport:
    with open_store(settings.workspace, readonly=True) as store:
        return sync_workspace(store, settings, progress=False, **kw)


def _mirrors(settings: Settings) -> None:
    """Neo4j holds exactly the workspace: the counts match and a full comparison finds nothing to do."""
    with open_store(settings.workspace, readonly=True) as store:
        assert neo_counts(settings) == expected_counts(store)
    full = _sync(settings, full=True)
    assert full.written == {} and full.removed == {}, full.to_json()


def _no_full_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_a: object, **_k: object) -> None:
        raise AssertionError("the sync read every chunk although the change log named the changed ones")

    monkeypatch.setattr(readers, "chunks_by_id", boom)
    monkeypatch.setattr(readers, "documents_by_id", boom)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    dst = tmp_path / "corpus"
    shutil.copytree(CORPUS, dst)
    return dst


@pytest.mark.integration
def test_small_change_syncs_only_the_logged_documents(
    corpus: Path,
    tmp_path: Path,
    neo4j_settings: Settings,
    corpus_workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = neo4j_settings.replace(workspace=tmp_path / "ws")
    offline = settings.replace(neo4j_uri="")
    try:
        api.ingest([corpus], offline)
        first = _sync(settings)  # a mirror of something else: compared whole
        assert first.created.get("Chunk", 0) > 0
        with open_store(settings.workspace, readonly=True) as store:
            gen = int(store.meta("generation") or 0)
            state = read_state_of(settings)
            assert (state.generation, state.token) == (gen, readers.generation_token(store, gen))
            assert state.target is None and not state.done
        files = sorted(corpus.glob("*.md"))
        files[0].write_text(files[0].read_text(encoding="utf-8") + EXTRA, encoding="utf-8")
        files[1].unlink()
        api.remove([files[1]], offline)
        (corpus / "new-note.md").write_text(
            "# 新筆記\n\n我們用 Ollama 跑 Llama 3，再用 LangChain 串 Chroma。" + EXTRA
        )
        api.ingest([corpus], offline)
        with open_store(settings.workspace, readonly=True) as store:
            changed = readers.changed_documents(store, gen)
            docs = {d.path: d.id for d in store.documents()}
            touched = [d for d in changed if d in docs.values()]
            n_chunks = sum(len(store.chunks(d)) for d in touched)
            all_chunks = store.stats()["chunks"]
        assert docs[str(files[0])] in changed and docs[str(corpus / "new-note.md")] in changed
        assert len(touched) < len(docs) and n_chunks < all_chunks
        with monkeypatch.context() as m:
            _no_full_read(m)
            report = _sync(settings)
        assert report.written.get("Document", 0) <= len(touched) and report.removed.get("Document") == 1
        assert 0 < report.written.get("Chunk", 0) <= n_chunks
        _mirrors(settings)
        with monkeypatch.context() as m:  # nothing changed since: nothing is compared chunk by chunk
            _no_full_read(m)
            again = _sync(settings)
        assert again.written == {} and again.removed == {}
    finally:  # leave the shared database holding the corpus for other modules
        with open_store(corpus_workspace, readonly=True) as store:
            sync_workspace(store, neo4j_settings, progress=False)


def read_state_of(settings: Settings) -> sync_mod.SyncState:
    with connect(settings) as driver:
        return read_state(driver, settings)


@pytest.mark.integration
def test_interrupted_sync_resumes_with_the_passes_left(
    corpus: Path,
    tmp_path: Path,
    neo4j_settings: Settings,
    corpus_workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = neo4j_settings.replace(workspace=tmp_path / "ws")
    offline = settings.replace(neo4j_uri="")
    try:
        api.ingest([corpus], offline)
        real_chunks = sync_mod._Sync.chunks

        def dies(self: sync_mod._Sync, *a: object, **k: object) -> None:
            raise RuntimeError("connection lost")

        monkeypatch.setattr(sync_mod._Sync, "chunks", dies)
        with pytest.raises(RuntimeError, match="connection lost"):
            _sync(settings)
        state = read_state_of(settings)
        with open_store(settings.workspace, readonly=True) as store:
            assert state.target == int(store.meta("generation") or 0)
        assert state.generation is None  # a full comparison under way: the mirror is nobody's yet
        assert state.done == [
            "documents",
            "communities",
            "entities",
            "relations",
            "in_community",
            "parent",
            "links",
        ]
        ran: list[str] = []

        def only_chunks(self: sync_mod._Sync, *a: object, **k: object) -> None:
            ran.append("chunks")
            real_chunks(self, *a, **k)  # type: ignore[arg-type]

        def not_again(*_a: object, **_k: object) -> None:
            raise AssertionError("a finished pass ran again")

        monkeypatch.setattr(sync_mod._Sync, "chunks", only_chunks)
        monkeypatch.setattr(sync_mod._Sync, "nodes", not_again)
        monkeypatch.setattr(sync_mod._Sync, "relations", not_again)
        resumed = _sync(settings)
        assert ran == ["chunks"] and resumed.created.get("Chunk", 0) > 0
        monkeypatch.undo()
        state = read_state_of(settings)
        assert state.generation is not None and state.target is None and not state.done
        _mirrors(settings)
    finally:
        with open_store(corpus_workspace, readonly=True) as store:
            sync_workspace(store, neo4j_settings, progress=False)


@pytest.mark.integration
def test_a_copy_changed_otherwise_is_compared_whole(
    corpus: Path,
    tmp_path: Path,
    neo4j_settings: Settings,
    corpus_workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a = neo4j_settings.replace(workspace=tmp_path / "a")
    b = neo4j_settings.replace(workspace=tmp_path / "b")
    try:
        api.ingest([corpus], a.replace(neo4j_uri=""))
        shutil.copytree(a.workspace, b.workspace)
        files = sorted(corpus.glob("*.md"))
        # B and A each take one more generation, with different changes.
        files[0].write_text(files[0].read_text(encoding="utf-8") + EXTRA, encoding="utf-8")
        api.ingest([corpus], b.replace(neo4j_uri=""))
        files[0].write_text(files[0].read_text(encoding="utf-8") + "另一個版本。\n", encoding="utf-8")
        api.ingest([corpus], a.replace(neo4j_uri=""))
        _sync(b)
        calls: list[int] = []
        real = readers.chunks_by_id

        def counted(store: object) -> object:
            calls.append(1)
            return real(store)  # type: ignore[arg-type]

        monkeypatch.setattr(readers, "chunks_by_id", counted)
        _sync(a)  # same generation number as B's mirror, another token: everything compared
        assert calls == [1]
        monkeypatch.undo()
        _mirrors(a)
    finally:
        with open_store(corpus_workspace, readonly=True) as store:
            sync_workspace(store, neo4j_settings, progress=False)


# -- the change log itself (no Neo4j) --------------------------------------------------------------


def test_change_log_names_written_removed_and_re_resolved_documents(tmp_path: Path, corpus: Path) -> None:
    settings = load_settings(env={}, overrides={"workspace": tmp_path / "ws"})
    api.ingest([corpus], settings, index=False)
    with open_store(settings.workspace) as store:
        gen = int(store.meta("generation") or 0)
        token = readers.generation_token(store, gen)
        assert gen >= 1 and token and readers.changed_documents(store, gen) == []
        assert readers.generation_token(store, gen - 1) != token
        docs = {d.path: d.id for d in store.documents()}
    files = sorted(corpus.glob("*.md"))
    files[0].write_text(files[0].read_text(encoding="utf-8") + EXTRA, encoding="utf-8")
    api.ingest([corpus], settings, index=False)
    files[1].unlink()
    api.remove([files[1]], settings, index=False)
    with open_store(settings.workspace) as store:
        changed = set(readers.changed_documents(store, gen))
        assert {docs[str(files[0])], docs[str(files[1])]} <= changed
        # Unchanged documents are logged only where their mentions now resolve elsewhere.
        assert len(changed) < len(docs)
        assert readers.changed_documents(store, int(store.meta("generation") or 0)) == []
        # A key that moves to another entity logs exactly the documents mentioning it.
        key, entity = store.conn.execute(
            "SELECT m.key, ek.entity_id FROM mentions m JOIN entity_keys ek ON ek.key = m.key"
            " ORDER BY m.key LIMIT 1"
        ).fetchone()
        mentioning = {r[0] for r in store.conn.execute("SELECT doc_id FROM mentions WHERE key=?", (key,))}
        now = int(store.meta("generation") or 0)
        entities = store.entities()
        keys = dict(store.conn.execute("SELECT key, entity_id FROM entity_keys").fetchall())
        keys[key] = next(e.id for e in entities if e.id != entity)
        with store.transaction():
            store.replace_graph(entities, keys)
        assert set(readers.changed_documents(store, now)) == mentioning


def test_v2_workspace_gets_the_change_log(tmp_path: Path, corpus: Path) -> None:
    settings = load_settings(env={}, overrides={"workspace": tmp_path / "ws"})
    api.ingest([corpus], settings, index=False)
    con = sqlite3.connect(settings.db_path)
    con.execute("DROP TABLE change_log")
    con.execute("DROP TABLE generations")
    con.execute("UPDATE meta SET value='2' WHERE key='schema_version'")
    con.commit()
    con.close()
    with open_store(settings.workspace) as store:
        assert store.meta("schema_version") == str(SCHEMA_VERSION) == "3"
        gen = int(store.meta("generation") or 0)
        assert readers.generation_token(store, gen) is None  # before the log: a sync compares everything
        assert readers.changed_documents(store, 0) == []
