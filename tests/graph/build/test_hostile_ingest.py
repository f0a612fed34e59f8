"""Hostile input through a whole ingest: disguised secrets and secrets in file names never reach a
stored byte or an export, and inputs that would stall or crash a run (a FIFO, a symlink to
/dev/zero, a symlink loop, a YAML alias bomb, 10k nested divs, a name with a newline) fail alone
in one line each while the good file beside them is ingested."""

from __future__ import annotations

import os
import time
from pathlib import Path

from fake_secrets import CASES

from graph import api
from graph.settings import load_settings
from graph.store import open_store


def _disguised(secret: str) -> list[str]:
    """The same secret the way a page might carry it."""
    half = len(secret) // 2
    entity = f"&#x{ord(secret[half]):x};"  # one character as an HTML entity
    return [
        secret[:half] + entity + secret[half + 1 :],
        secret[:half] + "\u200b" + secret[half:],
        secret[:half] + "**" + secret[half:],
        "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in secret),
    ]


def _scan(ws: Path, exported: str, raw: list[str]) -> None:
    for f in ws.rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            for value in raw:
                assert value.encode() not in data, (f.name, value[:6])
    for value in raw:
        assert value not in exported, value[:6]


def test_disguised_and_file_name_secrets_are_never_stored(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    raw = [secret for _, secret in CASES[:8]]
    lines = [f"第 {i} 種寫法：{d} 不要外流。" for i, s in enumerate(raw) for d in _disguised(s)]
    (notes / "leak.md").write_text("# 設定\n\nOllama 的設定如下。\n\n" + "\n\n".join(lines) + "\n", "utf-8")
    (notes / f"notes-{raw[0]}.md").write_text("# 筆記\n\nDify 可以建立工作流程。\n", "utf-8")
    ws = tmp_path / "ws"
    settings = load_settings(env={}, overrides={"workspace": ws})
    report = api.ingest([notes], settings)
    assert report.ingested == 2 and not report.failed
    assert any(line == 0 for _, line, _ in report.redactions)  # the one in the file name
    assert all(raw[0] not in p for p, _, _ in report.redactions)
    exported = "".join(api.export(settings, "json").values()) + "".join(api.export(settings, "csv").values())
    exported += "".join(api.export(settings, "graphml").values())
    _scan(ws, exported, raw)
    with open_store(ws, readonly=True) as store:
        paths = [d.path for d in store.documents()]
    assert any("[REDACTED:" in p for p in paths)


BOMB = (
    "---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    + "".join(f"{chr(99 + i)}: &{chr(99 + i)} [{', '.join([f'*{chr(98 + i)}'] * 9)}]\n" for i in range(7))
    + "---\n# 炸彈\n\n內容。\n"
)


def test_inputs_that_would_stall_or_crash_fail_alone(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "good.md").write_text("# Ollama\n\nOllama 在本機執行大型語言模型。\n", "utf-8")
    os.mkfifo(notes / "pipe.md")
    (notes / "zero.md").symlink_to("/dev/zero")
    (notes / "loop.md").symlink_to(notes / "loop.md")
    (notes / "dangling.md").symlink_to(notes / "missing.md")
    (notes / "bomb.md").write_text(BOMB, "utf-8")
    (notes / "deep.html").write_text("<div>" * 10_000 + "很深的內容" + "</div>" * 10_000, "utf-8")
    (notes / "two\nlines.md").write_text("# 換行\n\n檔名裡有換行。\n", "utf-8")
    settings = load_settings(env={}, overrides={"workspace": tmp_path / "ws"})
    t0 = time.perf_counter()
    report = api.ingest([notes], settings)
    took = time.perf_counter() - t0
    assert took < 60, took
    names = {Path(p).name for p, _ in report.skipped + report.failed}
    assert {"pipe.md", "zero.md", "loop.md", "dangling.md"} <= names
    assert all("\n" not in p and "\n" not in r for p, r in report.skipped + report.failed)
    with open_store(settings.workspace, readonly=True) as store:
        titles = {d.title for d in store.documents()}
    assert {"Ollama", "炸彈", "換行"} <= titles  # the bomb's front matter is refused, its text kept
    assert report.ingested >= 4  # good, bomb, deep, two-lines
