from __future__ import annotations

from pathlib import Path

import pytest

from extract.extractor import Extractor, ExtractorConfig
from extract.newwords import find_recurrent_terms
from extract.records import Chunk, Document, EntityType
from graph.store import open_store
from tests.graph.rag_corpus import ingest_texts

# 權重剪裁 ends in no head noun the cue patterns know; it recurs with different neighbours.
TERM_DOC = (
    "本章介紹權重剪裁。做完權重剪裁以後，模型變小。\n我們比較三種權重剪裁方法，並說明權重剪裁與蒸餾的差別。"
)


def _found(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for h in find_recurrent_terms(text):
        assert h.type is EntityType.CONCEPT and h.pattern == "zh-new"
        s = text[h.start : h.end]
        out[s] = out.get(s, 0) + 1
    return out


def test_a_repeated_string_with_varied_neighbours_is_a_term_at_each_place() -> None:
    found = _found(TERM_DOC)
    assert found.get("權重剪裁") == 4


def test_a_fragment_of_a_longer_string_is_not_a_term() -> None:
    # 重剪裁 is always preceded by 權: a piece of 權重剪裁, not a unit of its own.
    assert "重剪裁" not in _found(TERM_DOC)
    assert "權重剪" not in _found(TERM_DOC)


def test_a_string_seen_twice_is_not_enough() -> None:
    assert _found("先做權重剪裁，再看權重剪裁的效果。") == {}


@pytest.mark.parametrize(
    "text",
    [
        "資料湖中有表格。把檔案放進資料湖中，再從資料湖中讀出。",  # a locative after the term
        "我們的解決方案很簡單。另一個解決方案較慢，第三種解決方案最貴。",  # an everyday word
        "先使用標記器切開。改成使用標記器後，再使用標記器一次。",  # a verb opens it
        "本課程很短。讀完本課程後，你會喜歡本課程的作業。",  # a determiner opens it
    ],
)
def test_strings_that_are_not_terms(text: str) -> None:
    found = _found(text)
    assert not {s for s in found if s.startswith(("資料湖中", "解決方案", "使用", "本課程"))}, found


def test_code_and_urls_are_never_read_as_terms() -> None:
    ex = Extractor(ExtractorConfig())
    body = "```\n權重剪裁 權重剪裁 權重剪裁\n```\n正文沒有提到它。"
    doc = Document(
        "d1", "x.md", "g", "t", body, "h", "utf-8", len(body.encode()), code=((0, body.index("正文")),)
    )
    (res,) = ex.extract_many([(doc, [Chunk("c0", "d1", 0, body, 0, len(body))])])
    assert not [m for m in res.mentions if "剪裁" in m.surface]


def test_a_discovered_term_named_by_two_documents_is_an_entity(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    second = "權重剪裁是一種壓縮方法。用權重剪裁以前先備份；權重剪裁完成後要重新評估。"
    ws = ingest_texts(tmp_path_factory, "newwords", {"a.md": TERM_DOC, "b.md": second})
    with open_store(Path(ws), readonly=True) as store:
        names = {e.name: e.type for e in store.entities()}
    assert names.get("權重剪裁") is EntityType.CONCEPT


def test_a_discovered_term_in_one_document_only_waits_for_a_second(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    ws = ingest_texts(tmp_path_factory, "newwords1", {"a.md": TERM_DOC})
    with open_store(Path(ws), readonly=True) as store:
        assert "權重剪裁" not in {e.name for e in store.entities()}
