"""The per-partition entry point a Spark/Ray job calls: same records as ingest, no workspace."""

from pathlib import Path

from extract.extractor import Extractor, ExtractorConfig
from extract.pipeline import extract_partition
from graph.ingest import ingest_paths
from graph.settings import load_settings
from graph.store import open_store


def test_partition_matches_ingest(tmp_path: Path, corpus_dir: Path) -> None:
    folder = corpus_dir / "blog"
    paths = sorted(str(p) for p in folder.glob("*.md"))
    extracted, skipped = extract_partition(paths, Extractor(ExtractorConfig()))
    assert skipped == [] and len(extracted) == len(paths)
    for doc, chunks, result in extracted:
        assert not isinstance(result, Exception)
        assert "關於作者" not in doc.body  # folder boilerplate applied
        assert all(doc.body[c.start : c.end] == c.text for c in chunks)
        assert all(doc.body[m.start : m.end] == m.surface for m in result.mentions)
    ws = tmp_path / "ws"
    ingest_paths(paths, load_settings(env={}, overrides={"workspace": ws}))
    with open_store(ws, readonly=True) as store:
        stored = {c.id for c in store.chunks()}
        mentions = store.conn.execute("SELECT COUNT(*) FROM mentions").fetchone()[0]
    assert stored == {c.id for _, chunks, _ in extracted for c in chunks}
    assert mentions == sum(len(r.mentions) for _, _, r in extracted if not isinstance(r, Exception))


def test_partition_reports_skipped_files(tmp_path: Path) -> None:
    (tmp_path / "empty.md").write_text("", encoding="utf-8")
    (tmp_path / "ok.md").write_text("# 標題\n\n我們用 Ollama 跑 Llama 3.1。\n", encoding="utf-8")
    extracted, skipped = extract_partition(
        [str(tmp_path / "empty.md"), str(tmp_path / "ok.md")], Extractor(ExtractorConfig())
    )
    assert [Path(p).name for p, _ in skipped] == ["empty.md"] and len(extracted) == 1
