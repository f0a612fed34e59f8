"""After edits, additions and removals, the incrementally updated graph equals a from-scratch ingest.

The derived tables (entities, keys, entity–document counts, relations with evidence, surface
statistics) are updated as a diff by :mod:`graph.store.derived`; these tests run a sequence of
changes on one workspace and compare every derived row with a fresh ingest of the same files,
and check that the incremental path (not the full fallback) is what ran.
"""

from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from extract.records import SurfaceStat
from graph.build import communities
from graph.build.ingest import ingest_paths, remove_paths
from graph.settings import Settings, load_settings
from graph.store import derived, open_store
from graph.store.export import export_dict

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from bench.synth import DocWriter, generate, load_vocab, make_document  # noqa: E402

SEED = 11
DOCS = 120


def settings_for(ws: Path) -> Settings:
    return load_settings(env={}, overrides={"workspace": ws})


def _documents(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*") if p.suffix in (".md", ".html", ".txt") and p.is_file())


def _edit(corpus: Path, round_: int, *, edited: int, added: int, removed: int) -> list[Path]:
    """Append a generated paragraph to some documents, add new ones, delete others; the deleted paths."""
    vocab = load_vocab(SEED)
    rng = random.Random(f"test:{round_}")
    docs = _documents(corpus)
    picked = rng.sample(docs, edited + removed)
    for i, p in enumerate(picked[:edited]):
        extra = DocWriter(vocab, random.Random(f"test:{round_}:{i}")).paragraph()
        text = p.read_text(encoding="utf-8")
        if p.suffix == ".html" and "</body>" in text:
            p.write_text(text.replace("</body>", f"<p>{extra}</p>\n</body>", 1), encoding="utf-8")
        else:
            p.write_text(text + f"\n\n{extra}\n", encoding="utf-8")
    for k in range(added):
        rel, text, _ = make_document(vocab, SEED, DOCS + 100 * round_ + k)
        dst = corpus / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_text(text, encoding="utf-8")
    gone = picked[edited:]
    for p in gone:
        p.unlink()
    return gone


def _stat(s: SurfaceStat) -> tuple[Any, ...]:
    return (s.key, s.surface, str(s.type), s.extractor, s.count, s.doc_count, s.confidence, s.canonical)


def _derived_rows(ws: Path) -> dict[str, Any]:
    """Everything derived from the per-document tables, in a canonical order."""
    with open_store(ws, readonly=True) as store:
        exported = export_dict(store)
        q = store.conn.execute
        tables = {
            "entity_keys": q("SELECT key, entity_id FROM entity_keys ORDER BY key").fetchall(),
            "entity_docs": q("SELECT * FROM entity_docs ORDER BY entity_id, doc_id").fetchall(),
            "entities": q("SELECT * FROM entities ORDER BY id").fetchall(),
            "relations": q("SELECT * FROM relations ORDER BY id").fetchall(),
            "evidence": q(
                "SELECT relation_id, doc_id, chunk_id, text, extractor, confidence FROM evidence"
                " ORDER BY relation_id, doc_id, chunk_id, text"
            ).fetchall(),
            "surface_stats": sorted(map(_stat, store.surface_stats())),
            "surface_totals": sorted(map(_stat, store.surface_totals())),
        }
    rows = {k: [tuple(r) for r in v] for k, v in tables.items()}
    return {"exported_entities": exported["entities"], "exported_relations": exported["relations"], **rows}


def _compare(incremental: Path, fresh: Path) -> None:
    a, b = _derived_rows(incremental), _derived_rows(fresh)
    assert a["surface_totals"] == a["surface_stats"]  # the maintained aggregate equals the GROUP BY
    for key in b:
        assert a[key] == b[key], key
    assert len(a["relations"]) > 50 and len(a["entities"]) > 20  # the corpus makes a real graph


@pytest.fixture
def changes(monkeypatch: pytest.MonkeyPatch) -> list[derived.GraphChange | None]:
    """What each finish's graph update returned (None: the full path ran)."""
    seen: list[derived.GraphChange | None] = []
    real = derived.update_graph

    def spy(*args: Any, **kwargs: Any) -> derived.GraphChange | None:
        out = real(*args, **kwargs)
        seen.append(out)
        return out

    monkeypatch.setattr(derived, "update_graph", spy)
    return seen


def test_edits_and_removals_update_the_graph_as_a_full_rebuild_would(
    tmp_path: Path, changes: list[derived.GraphChange | None]
) -> None:
    corpus = tmp_path / "c"
    generate(DOCS, SEED, corpus)
    ws = tmp_path / "ws"
    ingest_paths([corpus], settings_for(ws))
    assert changes == []  # a first ingest takes the full path

    gone = _edit(corpus, 1, edited=8, added=4, removed=4)
    remove_paths(gone[:1], settings_for(ws))  # a removal on its own (a finish of its own) …
    remove_paths(gone[1:], settings_for(ws))
    ingest_paths([corpus], settings_for(ws))  # … then the edits and additions
    snapshot = tmp_path / "fresh1"
    ingest_paths([corpus], settings_for(snapshot))
    _compare(ws, snapshot)

    gone = _edit(corpus, 2, edited=5, added=3, removed=3)
    ingest_paths([corpus], settings_for(ws))
    remove_paths(gone, settings_for(ws))
    fresh = tmp_path / "fresh2"
    ingest_paths([corpus], settings_for(fresh))
    _compare(ws, fresh)

    assert len(changes) == 5 and all(c is not None for c in changes)  # every update was a diff
    assert sum(c.pairs for c in changes if c is not None) > 0


def test_a_stale_or_big_change_takes_the_full_path(
    tmp_path: Path, changes: list[derived.GraphChange | None]
) -> None:
    corpus = tmp_path / "c"
    generate(40, SEED, corpus)
    ws = tmp_path / "ws"
    ingest_paths([corpus], settings_for(ws))
    # Aggregates not written by the last finish (e.g. an older zhkg): rebuilt, graph in full.
    with open_store(ws) as store, store.transaction():
        store.conn.execute("DELETE FROM meta WHERE key=?", (derived.VALID_META,))
        store.conn.execute("DELETE FROM doc_surfaces")
    _edit(corpus, 1, edited=1, added=0, removed=0)
    ingest_paths([corpus], settings_for(ws))
    assert changes == []
    # A change to most documents: the full path again.
    _edit(corpus, 2, edited=30, added=0, removed=0)
    ingest_paths([corpus], settings_for(ws))
    assert changes == []
    fresh = tmp_path / "fresh"
    ingest_paths([corpus], settings_for(fresh))
    _compare(ws, fresh)
    # And a small change afterwards is incremental again.
    _edit(corpus, 3, edited=2, added=0, removed=0)
    ingest_paths([corpus], settings_for(ws))
    assert len(changes) == 1 and changes[0] is not None


def test_kept_community_reports_equal_rewritten_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "c"
    generate(DOCS, SEED, corpus)
    ws = tmp_path / "ws"
    ingest_paths([corpus], settings_for(ws))
    built: list[communities.Built] = []
    real = communities.build

    def spy(*args: Any, **kwargs: Any) -> communities.Built:
        built.append(real(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(communities, "build", spy)
    _edit(corpus, 1, edited=6, added=2, removed=2)
    ingest_paths([corpus], settings_for(ws))
    assert built and built[-1].reused  # some reports were taken over …
    assert len(built[-1].reused) < len(built[-1].communities)  # … and some written again
    copy = tmp_path / "copy"
    shutil.copytree(ws, copy)
    with open_store(ws, readonly=True) as store:
        kept = {c.id: c for c in store.communities()}
    # The same partition (nothing changed since), every report written anew.
    with open_store(copy) as store, store.transaction():
        rewritten = {c.id: c for c in communities.refresh(store, settings_for(copy), touched=None)}
    assert set(kept) == set(rewritten)
    assert [kept[i] for i in sorted(kept)] == [rewritten[i] for i in sorted(rewritten)]
