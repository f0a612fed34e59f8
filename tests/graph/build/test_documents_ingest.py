"""Documents as people keep them, end to end through ingest: PDF pages in citations, note links,
site titles, aliases; and a workspace written by the previous schema opens and upgrades in place."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from fake_docs import make_pdf

from graph import api
from graph.build.ingest import ingest_paths
from graph.settings import load_settings
from graph.store import open_store
from graph.store.workspace import SCHEMA_VERSION


def test_a_pdf_answer_cites_the_page_it_came_from(tmp_path: Path) -> None:
    folder = tmp_path / "slides"
    folder.mkdir()
    (folder / "talk.pdf").write_bytes(
        make_pdf(
            [
                "第一頁：課程大綱。\n今天介紹本地模型的部署方式。",
                "第二頁：Ollama 是一個在本機執行大型語言模型的工具。\nOllama 支援 GGUF 格式的模型。",
                "第三頁：vLLM 是高吞吐量的推論伺服器。\nvLLM 使用 PagedAttention 管理記憶體。",
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
    notes = Path(__file__).resolve().parents[3] / "examples" / "obsidian"
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
    notes = Path(__file__).resolve().parents[3] / "examples" / "obsidian"
    settings = load_settings(env={}, overrides={"workspace": tmp_path / "ws"})
    ingest_paths([notes], settings)
    db = settings.db_path
    con = sqlite3.connect(db)  # make it look like the previous release wrote it
    added = (
        "meta_title",
        "fallback_title",
        "aliases",
        "links",
        "link_labels",
        "pages",
        "duplicate_of",
        "similarity",
    )
    for column in (*added, "file_size", "file_mtime_ns", "file_ino", "stat_at_ns"):
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
        assert store.meta("schema_version") == str(SCHEMA_VERSION) and len(store.documents()) == 7


PAGE_MD = """# 用 Ollama 在本機跑 Llama 3

Ollama 是一個在本機執行大型語言模型的工具，支援 Llama 3 與 Qwen2.5。
安裝之後輸入 ollama run llama3 就能開始對話，模型檔存放在使用者目錄。
若要搭配 RAG，可以把文件切成段落後存進向量資料庫，再用 bge-m3 產生向量。
"""

PAGE_HTML = """<html><head><title>用 Ollama 在本機跑 Llama 3</title></head><body>
<h1>用 Ollama 在本機跑 Llama 3</h1>
<p>Ollama 是一個在本機執行大型語言模型的工具，支援 Llama 3 與 Qwen2.5。
安裝之後輸入 ollama run llama3 就能開始對話，模型檔存放在使用者目錄。</p>
<p>若要搭配 RAG，可以把文件切成段落後存進向量資料庫，再用 bge-m3 產生向量。</p>
</body></html>
"""


def test_a_page_present_as_md_and_html_is_indexed_once(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "ollama.html").write_text(PAGE_HTML, encoding="utf-8")
    (site / "ollama.md").write_text(PAGE_MD, encoding="utf-8")
    (site / "other.md").write_text("# vLLM\n\nvLLM 是高吞吐量的推論伺服器，使用 PagedAttention。\n", "utf-8")
    settings = load_settings(env={}, overrides={"workspace": tmp_path / "ws"})
    report = api.ingest([site], settings)
    assert report.ingested == 3
    assert [(Path(p).name, Path(o).name) for p, o, _ in report.duplicates] == [("ollama.html", "ollama.md")]
    assert report.to_json()["duplicates"][0]["similarity"] >= 0.9
    with open_store(settings.workspace, readonly=True) as store:
        docs = {Path(d.path).name: d for d in store.documents()}
        assert docs["ollama.html"].duplicate_of == docs["ollama.md"].id
        assert store.chunks(docs["ollama.html"].id) == [] and store.chunks(docs["ollama.md"].id)
        ollama = next(e for e in store.entities() if e.name == "Ollama")
        assert set(ollama.doc_ids) == {docs["ollama.md"].id}  # counted once
    answer = api.ask(settings, "Ollama 是什麼？", use_llm=False)
    assert {Path(c.path).name for c in answer.citations} <= {"ollama.md", "other.md"}

    again = api.ingest([site], settings)  # unchanged: nothing re-decided
    assert again.unchanged == 3 and not again.duplicates

    api.remove([site / "ollama.md"], settings)  # the copy left is the page now
    with open_store(settings.workspace, readonly=True) as store:
        (html,) = [d for d in store.documents() if d.path.endswith("ollama.html")]
        assert html.duplicate_of == "" and store.chunks(html.id)
        assert any(html.id in e.doc_ids for e in store.entities() if e.name == "Ollama")


def test_duplicate_threshold_is_a_setting(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    longer = PAGE_MD + "".join(
        f"\n第 {i} 節：把第 {i} 份講義整理成問答，再用 Dify 建立知識庫。\n" for i in range(12)
    )
    (site / "a.md").write_text(longer, encoding="utf-8")
    (site / "b.md").write_text(longer.replace("Qwen2.5", "Gemma 3"), "utf-8")  # one name edited
    near = api.ingest([site], load_settings(env={}, overrides={"workspace": tmp_path / "w1"}))
    assert [Path(p).name for p, _, _ in near.duplicates] == ["b.md"]
    strict = load_settings(env={}, overrides={"workspace": tmp_path / "w2", "duplicate_threshold": 0.99})
    assert not api.ingest([site], strict).duplicates


def test_a_reworded_notice_is_boilerplate_when_near_matching_is_on(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    notices = [
        "本文由機器翻譯產生，內容可能有誤，請以英文原文為準，如有問題歡迎回報。",
        "本文件由機器翻譯產生，內容可能有錯誤，請以英文原文為準，如有問題歡迎回報給我們。",
        "本文由機器自動翻譯產生，內容可能有誤，請以英文原版為準，如有問題歡迎回報。",
        "本頁由機器翻譯產生，內容可能有誤，一切請以英文原文為準，如有問題歡迎回報。",
    ]
    topics = [
        "Ollama 可以在本機執行模型。",
        "vLLM 是推論伺服器。",
        "Dify 可以建立工作流程。",
        "n8n 串接各種服務。",
    ]
    for i, (notice, topic) in enumerate(zip(notices, topics, strict=True)):
        (site / f"p{i}.md").write_text(f"# 第 {i} 篇\n\n{notice}\n\n{topic}這是第 {i} 篇的內容。\n", "utf-8")

    def bodies(threshold: float) -> list[str]:
        settings = load_settings(
            env={},
            overrides={"workspace": tmp_path / f"ws{threshold}", "boilerplate_near_threshold": threshold},
        )
        ingest_paths([site], settings)
        with open_store(settings.workspace, readonly=True) as store:
            return [store.document(d.id).body for d in store.documents()]  # type: ignore[union-attr]

    assert all("機器" in b for b in bodies(0.0))  # off by default: verbatim boilerplate only
    on = bodies(0.5)
    assert not any("機器" in b for b in on)
    assert all("這是第" in b for b in on)


def test_a_file_past_its_time_budget_fails_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    import graph.build.ingest as gi

    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "slow.md").write_text("# 慢\n\n這份文件的解析會卡住。\n", "utf-8")
    (folder / "good.md").write_text("# Ollama\n\nOllama 在本機執行模型。\n", "utf-8")
    real = gi.parse_loaded

    def stuck(loaded, found):  # type: ignore[no-untyped-def]
        if found.real.name == "slow.md":
            time.sleep(30)  # a parser in a runaway loop
        return real(loaded, found)

    monkeypatch.setattr(gi, "parse_loaded", stuck)
    settings = load_settings(env={}, overrides={"workspace": tmp_path / "ws", "file_time_budget_s": 0.5})
    t0 = time.perf_counter()
    report = ingest_paths([folder], settings)
    assert time.perf_counter() - t0 < 20
    assert report.ingested == 1
    ((path, reason),) = report.failed
    assert path.endswith("slow.md") and "took too long" in reason and "\n" not in reason
    monkeypatch.setattr(gi, "parse_loaded", real)
    assert ingest_paths([folder], settings).ingested == 1  # the next run picks the file up


def test_broken_pipe_is_quiet(corpus_workspace: Path) -> None:
    """`zhkg export | head`: the export (800 KB, far more than a pipe holds) stops without a traceback."""
    import subprocess
    import sys

    out = subprocess.run(
        f"{sys.executable} -m graph.cli export -w {corpus_workspace} | head -c 10",
        shell=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert out.stdout == '{\n  "docum' and "Error" not in out.stderr and "Traceback" not in out.stderr


def test_the_summary_says_when_the_index_cache_was_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import graph.query.index as gqi
    from graph.cli.main import main

    notes = Path(__file__).resolve().parents[3] / "examples" / "obsidian"
    monkeypatch.setattr(gqi, "_save_parts", lambda *a, **k: None)  # as when the disk refuses the file
    gqi.clear_cache()
    assert main(["ingest", str(notes), "-w", str(tmp_path / "ws")]) == 0
    out = capsys.readouterr().out
    assert "search index built in memory only" in out and "search index ready" not in out
