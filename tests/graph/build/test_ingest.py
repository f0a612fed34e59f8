"""Ingest end to end on small folders: incremental, remove, lock, crash safety, bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from extract.records import EntityType
from graph.build.ingest import ingest_paths, remove_paths
from graph.settings import Settings, load_settings
from graph.store import open_store
from graph.store.lock import WorkspaceBusy, WorkspaceLock

DOC = """---
title: {title}
---
# {title}

{title}：我們用 Ollama 在本機跑 Llama 3.1，並透過 LangChain 串接向量資料庫 Chroma 做檢索增強生成（RAG）。
{title}的心得是 LoRA 是一種參數高效微調方法，我們在 RTX 4090 上訓練。{extra}

關於作者：小林，白天寫程式，晚上研究大型語言模型。
"""


def settings_for(ws: Path) -> Settings:
    return load_settings(env={}, overrides={"workspace": ws})


def write_docs(folder: Path, n: int, extra: str = "") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        p = folder / f"post-{i}.md"
        p.write_text(DOC.format(title=f"第 {i} 篇", extra=extra), encoding="utf-8")
        paths.append(p)
    return paths


def bodies(ws: Path) -> dict[str, str]:
    with open_store(ws, readonly=True) as s:
        return {d.path: s.document(d.id).body for d in s.documents()}  # type: ignore[union-attr]


def test_ingest_counts_and_incremental(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    paths = write_docs(corpus, 4)
    ws = tmp_path / "ws"
    r1 = ingest_paths([corpus], settings_for(ws))
    assert (r1.ingested, r1.unchanged, r1.failed) == (4, 0, [])
    with open_store(ws, readonly=True) as s:
        stats1 = s.stats()
        gen1 = s.meta("generation")
    assert stats1["documents"] == 4 and stats1["chunks"] >= 4
    with open_store(ws, readonly=True) as s:  # a first ingest loads without them, then builds them
        indexes = {r[0] for r in s.conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"chunks_doc", "mentions_doc", "rel_candidates_doc"} <= indexes
    r2 = ingest_paths([corpus], settings_for(ws))
    assert (r2.ingested, r2.unchanged) == (0, 4)
    with open_store(ws, readonly=True) as s:
        assert s.stats() == stats1
        assert s.meta("generation") == gen1  # nothing changed, nothing rewritten
    paths[0].write_text(DOC.format(title="改過", extra="新增一句關於 vLLM 的說明。"), encoding="utf-8")
    r3 = ingest_paths([corpus], settings_for(ws))
    assert (r3.ingested, r3.unchanged) == (1, 3)
    assert "vLLM" in bodies(ws)[str(paths[0])]


def test_boilerplate_removed_across_documents(tmp_path: Path) -> None:
    corpus = tmp_path / "blog"
    write_docs(corpus, 3)
    ws = tmp_path / "ws"
    ingest_paths([corpus], settings_for(ws))
    for body in bodies(ws).values():
        assert "關於作者" not in body and "LoRA" in body
    with open_store(ws, readonly=True) as s:
        assert not any("關於作者" in c.text for c in s.chunks())


def test_boilerplate_needs_three_documents_and_updates_when_folder_grows(tmp_path: Path) -> None:
    corpus = tmp_path / "blog"
    write_docs(corpus, 2)
    ws = tmp_path / "ws"
    ingest_paths([corpus], settings_for(ws))
    assert all("關於作者" in b for b in bodies(ws).values())  # 2 documents: not yet boilerplate
    (corpus / "post-9.md").write_text(DOC.format(title="第三篇", extra=""), encoding="utf-8")
    report = ingest_paths([corpus], settings_for(ws))
    assert report.ingested == 1 and report.reprocessed == 2
    assert all("關於作者" not in b for b in bodies(ws).values())


def test_remove_document_and_orphans(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    write_docs(corpus, 2)
    lonely = corpus / "lonely.md"
    lonely.write_text("# 孤獨\n\n這篇只談 Milvus 與 Qdrant 的差異。\n", encoding="utf-8")
    ws = tmp_path / "ws"
    ingest_paths([corpus], settings_for(ws))
    with open_store(ws, readonly=True) as s:
        names = {e.name.lower() for e in s.entities()}
    assert "milvus" in names
    report = remove_paths([lonely], settings_for(ws))
    assert report.removed == 1
    with open_store(ws, readonly=True) as s:
        assert s.stats()["documents"] == 2
        assert "milvus" not in {e.name.lower() for e in s.entities()}
        assert "ollama" in {e.name.lower() for e in s.entities()}
        lonely_id = [d for d in s.documents() if d.path == str(lonely)]
        assert lonely_id == []


def _snapshot(s: Any) -> str:
    state = [s.stats(), [asdict(d) for d in s.documents()], [c.id for c in s.chunks()]]
    return json.dumps(state, sort_keys=True)


def test_bad_files_skipped_run_continues(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    write_docs(corpus, 1)
    (corpus / "empty.md").write_bytes(b"")
    (corpus / "binary.md").write_bytes(b"\x00\x01\x02PNG" * 100)
    (corpus / "big5.txt").write_bytes("繁體中文的 Big5 檔案，談 LoRA 微調。".encode("big5"))
    (corpus / "huge.txt").write_text("大" * 400_000, encoding="utf-8")
    ws = tmp_path / "ws"
    report = ingest_paths([corpus, tmp_path / "nope.md"], settings_for(ws).replace(max_file_mb=1.0))
    reasons = {Path(p).name: r for p, r in report.skipped}
    assert set(reasons) == {"empty.md", "binary.md", "huge.txt"}
    assert "empty" in reasons["empty.md"] and "binary" in reasons["binary.md"]
    assert "too large" in reasons["huge.txt"]
    assert [Path(p).name for p, _ in report.failed] == ["nope.md"]
    assert report.ingested == 2
    with open_store(ws, readonly=True) as s:
        big5 = next(d for d in s.documents() if d.path.endswith("big5.txt"))
        assert big5.encoding == "big5"


def test_no_stored_byte_contains_any_secret_kind(tmp_path: Path) -> None:
    from fake_secrets import CASES

    url_pw = "hunter2" + "Secret9"
    secrets = [secret for _, secret in CASES] + [url_pw]
    hf = secrets[0]
    corpus = tmp_path / "c"
    corpus.mkdir()
    lines = "\n".join(f"第 {i} 個設定值 {secret} 不要外流。" for i, (_, secret) in enumerate(CASES))
    (corpus / "leak.md").write_text(
        f"---\ntitle: 測試 {hf}\n---\n# 金鑰\n\n不要把 {hf} 寫進 Ollama 設定。\n\n{lines}\n", encoding="utf-8"
    )
    (corpus / "page.html").write_text(
        f"<html><body><p>連線 https://bob:{url_pw}@db.internal/x 與 Dify</p></body></html>", encoding="utf-8"
    )
    ws = tmp_path / "ws"
    report = ingest_paths([corpus], settings_for(ws))
    found = sorted((Path(p).name, line, kind) for p, line, kind in report.redactions)
    assert ("leak.md", 2, "huggingface_token") in found and ("leak.md", 6, "huggingface_token") in found
    assert {kind for _, _, kind in found} == {kind for kind, _ in CASES} | {"url_password"}
    assert len(found) == len(CASES) + 3
    for f in ws.rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            for secret in secrets:
                assert secret.encode() not in data, (f, secret[:6])
    from graph.store.export import to_graphml, to_json

    with open_store(ws, readonly=True) as s:
        exported = to_json(s) + to_graphml(s)
        assert not any(secret in exported for secret in secrets)
        assert "[REDACTED:huggingface_token]" in next(d.title for d in s.documents() if d.path.endswith("md"))


def test_lock_refuses_second_writer(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    write_docs(corpus, 1)
    ws = tmp_path / "ws"
    with WorkspaceLock(ws), pytest.raises(WorkspaceBusy, match="another zhkg process"):
        ingest_paths([corpus], settings_for(ws))
    assert ingest_paths([corpus], settings_for(ws)).ingested == 1  # released afterwards


def test_lock_from_another_process(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    write_docs(corpus, 1)
    ws = tmp_path / "ws"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from graph.store.lock import WorkspaceLock\n"
            f"l = WorkspaceLock(Path({str(ws)!r})); l.acquire(); print('locked', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(WorkspaceBusy, match=f"pid {holder.pid}"):
            ingest_paths([corpus], settings_for(ws))
        holder.kill()
        holder.wait()
        assert ingest_paths([corpus], settings_for(ws), wait_s=5).ingested == 1
    finally:
        holder.kill()


KILLER = """
import os, signal, sys
from pathlib import Path
import graph.store as store_mod
from graph.build.ingest import ingest_paths
from graph.settings import load_settings

original = store_mod.Store.replace_extractions
calls = {"n": 0}

def dying(self, *a, **k):
    original(self, *a, **k)
    calls["n"] += 1
    if calls["n"] == int(sys.argv[3]):
        os.kill(os.getpid(), signal.SIGKILL)   # no cleanup, no rollback: like kill -9

store_mod.Store.replace_extractions = dying
ingest_paths([sys.argv[1]], load_settings(env={}, overrides={"workspace": Path(sys.argv[2])}))
"""


def test_kill_mid_ingest_leaves_previous_state(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    write_docs(corpus, 3)
    ws = tmp_path / "ws"
    ingest_paths([corpus], settings_for(ws))
    with open_store(ws, readonly=True) as s:
        before = json.dumps(
            [s.stats(), [asdict(d) for d in s.documents()], [c.id for c in s.chunks()]], sort_keys=True
        )
    for i in range(3):
        (corpus / f"post-{i}.md").write_text(DOC.format(title=f"新版 {i}", extra="加上 Dify。"), "utf-8")
    (corpus / "post-new.md").write_text(DOC.format(title="新文章", extra=""), "utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, str(corpus), str(ws), "1"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    with open_store(ws, readonly=True) as s:  # readable, and exactly the old state
        after = json.dumps(
            [s.stats(), [asdict(d) for d in s.documents()], [c.id for c in s.chunks()]], sort_keys=True
        )
        assert s.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert after == before
    report = ingest_paths([corpus], settings_for(ws))  # and the next run completes
    assert report.ingested == 4
    assert all("Dify" in b or "新文章" in b for b in bodies(ws).values())


def test_cli_contract_export_json(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    write_docs(corpus, 3)
    ws = tmp_path / "ws"
    env = {**os.environ, "ZHKG_WORKSPACE": str(ws)}
    cmd = [sys.executable, "-m", "graph.cli"]
    ingest = subprocess.run(
        [*cmd, "ingest", str(corpus)], capture_output=True, text=True, env=env, timeout=300
    )
    assert ingest.returncode == 0, ingest.stderr
    assert "ingested 3" in ingest.stdout and "search index ready" in ingest.stdout
    assert len(list((ws / "cache").glob("search-*"))) == 1  # the first question will not build it
    out = subprocess.run([*cmd, "export", "--format", "json"], capture_output=True, text=True, env=env)
    data = json.loads(out.stdout)
    assert set(data) == {"documents", "entities", "relations", "communities"}
    assert {d["path"] for d in data["documents"]} == {str(corpus / f"post-{i}.md") for i in range(3)}
    assert {"id", "path", "title"} <= set(data["documents"][0])
    doc_ids = {d["id"] for d in data["documents"]}
    entity_ids = {e["id"] for e in data["entities"]}
    for e in data["entities"]:
        assert {"id", "name", "type", "aliases", "doc_ids", "mention_count"} <= set(e)
        assert e["type"] in {t.value for t in EntityType}
        assert set(e["doc_ids"]) <= doc_ids and e["mention_count"] >= 1
    for r in data["relations"]:
        assert {"source", "target", "type", "weight", "evidence"} <= set(r)
        assert r["source"] in entity_ids and r["target"] in entity_ids
        for ev in r["evidence"]:
            assert {"doc_id", "chunk_id", "text"} <= set(ev) and ev["doc_id"] in doc_ids
    for c in data["communities"]:
        assert {"id", "level", "title", "summary", "entity_ids"} <= set(c)
        assert set(c["entity_ids"]) <= entity_ids
    missing = subprocess.run(
        [*cmd, "ingest", str(tmp_path / "nope")], capture_output=True, text=True, env=env
    )
    assert missing.returncode == 1 and "no such file" in missing.stderr
    bad_ws = subprocess.run([*cmd, "stats", "-w", str(tmp_path / "none")], capture_output=True, text=True)
    assert bad_ws.returncode == 1 and bad_ws.stderr.count("\n") == 1 and "no workspace" in bad_ws.stderr


def test_progress_callback_reports_stages(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    write_docs(corpus, 2)
    seen: list[str] = []
    ingest_paths([corpus], settings_for(tmp_path / "ws"), progress=lambda d, t, stage: seen.append(stage))
    assert seen[0] == "reading" and "extracting" in seen and seen[-1] == "done"


def test_parallel_extraction_gives_the_same_graph(
    tmp_path: Path, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    import graph.build.ingest
    from graph.store.export import export_dict

    monkeypatch.setattr(graph.build.ingest, "EXTRACT_WINDOW", 40)  # several windows, a ragged last one
    corpus = tmp_path / "many"
    for i in range(5):  # 155 documents: enough for the process pool to start
        shutil.copytree(corpus_dir, corpus / f"copy{i}")
    exports = []
    for workers in (1, 2):
        ws = tmp_path / f"ws{workers}"
        settings = settings_for(ws).replace(workers=workers)
        report = ingest_paths([corpus], settings)
        assert report.ingested == 155 and not report.failed
        with open_store(ws, readonly=True) as s:
            exports.append(export_dict(s))
    assert exports[0] == exports[1]


def test_a_document_whose_extraction_fails_fails_alone_and_is_retried(tmp_path: Path) -> None:
    from extract.extractor import Extractor, ExtractorConfig

    class Fragile(Extractor):
        def extract_many(self, items):  # type: ignore[no-untyped-def]
            if any("爆炸" in c.text for _, chunks in items for c in chunks):
                raise ValueError("boom")
            return super().extract_many(items)

    corpus = tmp_path / "c"
    write_docs(corpus, 3)
    (corpus / "bad.md").write_text("# 壞檔\n\n這篇會讓抽取爆炸，雖然它也提到 Ollama。\n", encoding="utf-8")
    ws = tmp_path / "ws"
    report = ingest_paths([corpus], settings_for(ws), extractor=Fragile(ExtractorConfig()))
    assert report.ingested == 3
    assert [(Path(p).name, r) for p, r in report.failed] == [
        ("bad.md", "extraction failed: ValueError: boom")
    ]
    with open_store(ws, readonly=True) as s:
        docs = {Path(d.path).name: d for d in s.documents()}
        assert docs["bad.md"].raw_hash == ""  # so the next run retries it
        assert s.chunks(docs["bad.md"].id) == [] and len(s.chunks(docs["post-0.md"].id)) >= 1
    retry = ingest_paths([corpus], settings_for(ws))
    assert (retry.ingested, retry.unchanged, retry.failed) == (1, 3, [])
    with open_store(ws, readonly=True) as s:
        assert any("Ollama" in c.text for c in s.chunks(docs["bad.md"].id))


def test_unchanged_files_cost_a_stat_not_a_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import graph.build.ingest as gi

    corpus = tmp_path / "c"
    write_docs(corpus, 3)
    old = time.time() - 60
    for f in corpus.iterdir():
        os.utime(f, (old, old))  # written a minute ago: not racy
    ws = tmp_path / "ws"
    assert ingest_paths([corpus], settings_for(ws)).ingested == 3
    reads: list[str] = []
    real = gi.load_file
    monkeypatch.setattr(gi, "load_file", lambda f, n: reads.append(f.given) or real(f, n))
    again = ingest_paths([corpus], settings_for(ws))
    assert again.unchanged == 3 and reads == []  # nothing opened
    victim = corpus / "post-0.md"
    victim.write_text(victim.read_text("utf-8").replace("Ollama", "OLLAMA"), "utf-8")  # same size
    os.utime(victim, (old, old))  # and the old time: only a hash can tell
    assert ingest_paths([corpus], settings_for(ws)).unchanged == 3 and reads == []
    forced = ingest_paths([corpus], settings_for(ws), rehash=True)
    assert forced.ingested == 1 and forced.unchanged == 2 and len(reads) == 3
    os.utime(corpus / "post-1.md")  # touched now: read, found unchanged by its hash, stat refreshed
    reads.clear()
    touched = ingest_paths([corpus], settings_for(ws))
    assert touched.unchanged == 3 and reads == [str(corpus / "post-1.md")]
