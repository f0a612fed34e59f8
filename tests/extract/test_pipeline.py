"""The per-partition entry point a Spark/Ray job calls: same records as ingest, no workspace."""

from pathlib import Path

from extract.extractor import Extractor, ExtractorConfig
from extract.load import Found
from extract.pipeline import (
    ParsedDocument,
    distinct_titles,
    extract_partition,
    parse_loaded,
    read_document,
    with_body,
)
from extract.records import LoadedFile
from graph.build.ingest import ingest_paths
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


def _write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _parsed(path: str) -> ParsedDocument:
    return read_document(Found(path, Path(path).resolve()), 1 << 20)


def test_site_titles_fall_back_to_heading_first_line_or_file_name(tmp_path: Path) -> None:
    site = "---\ntitle: 小明的 AI 筆記本\n---\n"
    paths = [
        _write(tmp_path, "a.md", site + "# RAG 入門\n\n本文介紹檢索增強生成。\n"),
        _write(tmp_path, "b.md", site + "今天試了 Ollama 與 vLLM。之後再比較。\n"),
        _write(tmp_path, "c.md", site + "```\nollama run qwen2.5\n```\n"),
        _write(tmp_path, "d.md", "---\ntitle: 向量資料庫比較\n---\n# 另一個標題\n\n內容。\n"),
    ]
    docs = [_parsed(p) for p in paths]
    assert [d.doc.title for d in docs] == ["小明的 AI 筆記本"] * 3 + ["向量資料庫比較"]
    distinct = distinct_titles(docs, min_docs=3, min_share=0.3)
    assert [d.doc.title for d in distinct] == ["RAG 入門", "今天試了 Ollama 與 vLLM。", "c", "向量資料庫比較"]
    assert distinct[3] is docs[3]
    # with a stricter rule (more documents needed) nothing changes
    assert [d.doc.title for d in distinct_titles(docs, min_docs=4, min_share=0.3)] == [
        d.doc.title for d in docs
    ]


def test_site_titles_are_counted_per_folder(tmp_path: Path) -> None:
    docs = []
    for i, sub in enumerate(["x", "x", "y", "y"]):
        (tmp_path / sub).mkdir(exist_ok=True)
        docs.append(_parsed(_write(tmp_path / sub, f"{i}.md", f"---\ntitle: 同名\n---\n# 第{i}篇\n")))
    assert [d.doc.title for d in distinct_titles(docs, min_docs=3, min_share=0.3)] == ["同名"] * 4


def test_parsed_document_carries_links_aliases_and_a_notion_title(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "模型筆記 0123456789abcdef0123456789abcdef.md",
        "---\naliases: [Model Notes]\n---\n見 [[Ollama]] 與 [量化](量化%20" + "f" * 32 + ".md)。\n",
    )
    p = _parsed(path)
    assert p.doc.title == "見 Ollama 與 量化。"  # first line before file name
    assert p.doc.aliases == ("Model Notes",) and p.doc.links == ("Ollama", "量化")
    empty = _parsed(_write(tmp_path, "空白頁 0123456789abcdef0123456789abcdef.md", "![[封面.png]]\n"))
    assert empty.doc.title == empty.fallback_title == "空白頁"


def test_with_body_sets_pages_for_pdf_text() -> None:
    loaded = LoadedFile("r.pdf", "h", 10, "utf-8", "封面標題\n\f第二頁內容。\f第三頁內容。", "pdf")
    parsed = parse_loaded(loaded, Found("r.pdf", Path("/tmp/r.pdf")))
    doc, sections = with_body(parsed, set())
    assert doc.body == "封面標題\n第二頁內容。\n第三頁內容。"
    assert doc.pages == ((0, 1), (5, 2), (12, 3)) and sections == [(0, "封面標題")]


def test_partition_applies_site_titles(tmp_path: Path) -> None:
    paths = [
        _write(
            tmp_path, f"{i}.md", f"---\ntitle: 團隊知識庫\n---\n# 主題{i}\n\n我們用 Ollama 跑 Llama 3.1。\n"
        )
        for i in range(3)
    ]
    extracted, _ = extract_partition(paths, Extractor(ExtractorConfig()))
    assert sorted(doc.title for doc, _, _ in extracted) == ["主題0", "主題1", "主題2"]
