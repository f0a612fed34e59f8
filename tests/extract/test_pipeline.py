"""Reading one document, site titles and assembled bodies, without a workspace."""

from pathlib import Path

from extract.load import Found
from extract.pipeline import (
    ParsedDocument,
    distinct_titles,
    parse_loaded,
    read_document,
    with_body,
)
from extract.records import LoadedFile


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
