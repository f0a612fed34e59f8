"""Documents as people keep them, end to end through ingest: PDF pages in citations, note links,
site titles, aliases; and a workspace written by the previous schema opens and upgrades in place."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from graph import api
from graph.build.ingest import ingest_paths
from graph.settings import load_settings
from graph.store import open_store

FONT = "MSung-Light"  # reportlab's built-in Traditional-Chinese CID font


def _pdf(pages: list[list[str]]) -> bytes:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for lines in pages:
        c.setFont(FONT, 12)
        for i, line in enumerate(lines):
            c.drawString(72, 720 - 16 * i, line)
        c.showPage()
    c.save()
    return buf.getvalue()


def test_a_pdf_answer_cites_the_page_it_came_from(tmp_path: Path) -> None:
    folder = tmp_path / "slides"
    folder.mkdir()
    (folder / "talk.pdf").write_bytes(
        _pdf(
            [
                ["第一頁：課程大綱。", "今天介紹本地模型的部署方式。"],
                ["第二頁：Ollama 是一個在本機執行大型語言模型的工具。", "Ollama 支援 GGUF 格式的模型。"],
                ["第三頁：vLLM 是高吞吐量的推論伺服器。", "vLLM 使用 PagedAttention 管理記憶體。"],
            ]
        )
    )
    settings = load_settings(env={}, overrides={"workspace": tmp_path / "ws"})
    report = api.ingest([folder], settings)
    assert report.ingested == 1 and not report.failed and not report.skipped
    with open_store(settings.workspace, readonly=True) as store:
        (doc,) = store.documents()
    assert [p for _, p in doc.pages] == [1, 2, 3]
    answer = api.ask(settings, "PagedAttention 是什麼？", use_llm=False, top_k=3)
    cited = [c for c in answer.citations if "PagedAttention" in c.text]
    assert cited and all(c.page == 3 for c in cited), [(c.page, c.text[:40]) for c in answer.citations]
    assert cited[0].where.endswith("talk.pdf, p. 3")
    assert answer.to_json()["citations"][0].get("page") in {1, 2, 3}


def test_site_titles_give_way_and_follow_folder_changes(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    front = "---\ntitle: 我的 AI 筆記\n---\n"
    for i, topic in enumerate(["RAG 入門", "LoRA 微調", "向量資料庫"]):
        (site / f"p{i}.md").write_text(f"{front}# {topic}\n\n關於{topic}的筆記。\n", encoding="utf-8")
    settings = load_settings(env={}, overrides={"workspace": tmp_path / "ws"})
    ingest_paths([site], settings)
    with open_store(settings.workspace, readonly=True) as store:
        assert sorted(d.title for d in store.documents()) == ["LoRA 微調", "RAG 入門", "向量資料庫"]
    report = api.remove([site / "p1.md", site / "p2.md"], settings)  # one page left: its own title again
    assert report.removed == 2 and report.reprocessed == 1
    with open_store(settings.workspace, readonly=True) as store:
        assert [d.title for d in store.documents()] == ["我的 AI 筆記"]


def test_obsidian_notes_export_their_links(tmp_path: Path) -> None:
    notes = Path(__file__).resolve().parents[2] / "examples" / "obsidian"
    settings = load_settings(env={}, overrides={"workspace": tmp_path / "ws"})
    assert api.ingest([notes], settings).ingested == 7
    data = json.loads(api.export(settings, "json")["graph.json"])
    titles = {d["id"]: d["title"] for d in data["documents"]}
    links = {(titles[d["id"]], titles[t]) for d in data["documents"] for t in d["links_to"]}
    assert ("RAG 檢索增強生成", "向量資料庫") in links
    ollama = next(e for e in data["entities"] if e["name"] == "Ollama")
    assert "歐拉瑪" in ollama["aliases"]  # the note's front-matter alias names the entity
    assert "document_links.csv" in api.export(settings, "csv")
    for d in data["documents"]:  # link syntax never reaches the stored text
        assert d["title"] and "[[" not in d["title"]


def test_a_version_1_workspace_is_upgraded_in_place(tmp_path: Path) -> None:
    notes = Path(__file__).resolve().parents[2] / "examples" / "obsidian"
    settings = load_settings(env={}, overrides={"workspace": tmp_path / "ws"})
    ingest_paths([notes], settings)
    db = settings.db_path
    con = sqlite3.connect(db)  # make it look like the previous release wrote it
    for column in ("meta_title", "fallback_title", "aliases", "links", "pages", "duplicate_of", "similarity"):
        con.execute(f"ALTER TABLE documents DROP COLUMN {column}")
    con.execute("ALTER TABLE blocks DROP COLUMN page")
    con.execute("DROP TABLE doc_links")
    con.execute("UPDATE meta SET value='1' WHERE key='schema_version'")
    con.commit()
    con.close()
    try:
        open_store(settings.workspace, readonly=True)
    except Exception as exc:
        assert "older zhkg" in str(exc) and "zhkg ingest" in str(exc)
    else:
        raise AssertionError("a read-only open of an old workspace must say how to upgrade it")
    report = ingest_paths([notes], settings)
    assert not report.failed
    with open_store(settings.workspace, readonly=True) as store:
        assert store.meta("schema_version") == "2" and len(store.documents()) == 7
