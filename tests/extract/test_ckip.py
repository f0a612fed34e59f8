from __future__ import annotations

from pathlib import Path

import pytest

from extract.ckip import CkipConfig, load_ckip, resolve_device, split_for_model
from extract.extractor import Extractor, ExtractorConfig
from extract.records import Chunk, Document

LONG = ("Breeze-7B由聯發科創新基地開發，是以Mistral 7B為基礎的大型語言模型。" * 20) + "講者林怡君分享" * 80


def test_split_for_model_respects_limit_and_covers_text() -> None:
    pieces = split_for_model(LONG, max_chars=100)
    assert all(len(p) <= 100 for _, p in pieces)
    assert "".join(p for _, p in pieces) == LONG
    for off, p in pieces:
        assert LONG[off : off + len(p)] == p
    # sentence ends are preferred cut points where one is in reach
    assert pieces[0][1].endswith("。")


def test_split_hard_cuts_text_without_sentence_ends() -> None:
    text = "甲" * 1234
    pieces = split_for_model(text, max_chars=500)
    assert [len(p) for _, p in pieces] == [500, 500, 234]


def test_resolve_device() -> None:
    assert resolve_device("cpu") == -1
    assert resolve_device("cuda:1") == 1
    assert resolve_device("auto") in (-1, 0)


def test_missing_model_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    ckip, status = load_ckip(
        CkipConfig(
            ws_model="nobody/none-ws", pos_model="nobody/none-pos", ner_model="nobody/none-ner", device="cpu"
        )
    )
    assert ckip is None
    assert status.startswith("unavailable: ")
    assert "\n" not in status


def test_tiny_models_run_through_real_ckip_code(tiny_ckip_models: dict[str, Path]) -> None:
    ckip, status = load_ckip(
        CkipConfig(
            ws_model=str(tiny_ckip_models["ws"]),
            pos_model=str(tiny_ckip_models["pos"]),
            ner_model=str(tiny_ckip_models["ner"]),
            device="cpu",
            batch_size=4,
        )
    )
    assert ckip is not None, status
    assert status.startswith("loaded (") and "cpu" in status
    texts = [LONG, "中研院詞庫小組提供斷詞工具。"]
    hits = ckip.entities(texts)
    assert len(hits) == 2
    assert hits[0], "random tiny NER with a suppressed O label must produce entities"
    for text, doc_hits in zip(texts, hits, strict=True):
        for start, end, _etype, conf in doc_hits:
            assert 0 <= start < end <= len(text)
            assert text[start:end].strip()
            assert 0 < conf <= 1
    # entities found past the first 500-character piece were mapped back with the piece offset
    assert any(start >= 500 for start, _, _, _ in hits[0])


def test_extractor_with_tiny_ckip_keeps_offsets(tiny_ckip_models: dict[str, Path]) -> None:
    ex = Extractor(
        ExtractorConfig(
            use_ckip=True,
            ckip_ws_model=str(tiny_ckip_models["ws"]),
            ckip_pos_model=str(tiny_ckip_models["pos"]),
            ckip_ner_model=str(tiny_ckip_models["ner"]),
            device="cpu",
        )
    )
    assert ex.ckip_status.startswith("loaded")
    body = LONG
    doc = Document("d1", "x.md", "g", "t", body, "h", "utf-8", len(body))
    chunks = [Chunk("c0", "d1", 0, body[:800], 0, 800), Chunk("c1", "d1", 1, body[800:], 800, len(body))]
    (res,) = ex.extract_many([(doc, chunks)])
    assert res.mentions
    for m in res.mentions:
        assert body[m.start : m.end] == m.surface
        assert m.chunk_id in {"c0", "c1"}


def test_extractor_without_models_falls_back(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    ex = Extractor(
        ExtractorConfig(
            use_ckip=True, ckip_ws_model="nobody/a", ckip_pos_model="nobody/b", ckip_ner_model="nobody/c"
        )
    )
    assert ex.ckip_status.startswith("unavailable")
    body = "Dify 整合了 Ollama。"
    doc = Document("d1", "x.md", "g", "t", body, "h", "utf-8", len(body))
    (res,) = ex.extract_many([(doc, [Chunk("c0", "d1", 0, body, 0, len(body))])])
    assert {m.surface for m in res.mentions} >= {"Dify", "Ollama"}
