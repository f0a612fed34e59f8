"""Emoji and pictographs decorate technical posts; they are never part of a name or a sentence edge."""

from __future__ import annotations

import pytest

from extract.chunk import split_sentences
from extract.extractor import Extractor, ExtractorConfig
from extract.normalize import PICTOGRAPH_RE, match_key, trim_pictographs
from extract.records import Chunk, DocExtraction, Document, EntityType


@pytest.fixture(scope="module")
def ex() -> Extractor:
    return Extractor(ExtractorConfig())


def _extract(
    ex: Extractor, body: str, ckip: list[tuple[int, int, EntityType, float]] | None = None
) -> DocExtraction:
    doc = Document("d1", "x.md", "g", "t", body, "h", "utf-8", 1)
    return ex.extract(doc, [Chunk("c", "d1", 0, body, 0, len(body))], ckip or [])


DECORATED = [
    ("🔧Ollama 是我每天都在用的工具。", {"Ollama"}),
    ("昨天又重灌了 Ollama🚀 速度快很多。", {"Ollama"}),
    ("📌 RAG 教學\n先裝好 LangChain✨，再接上 Chroma。", {"RAG", "LangChain", "Chroma"}),
    ("⭐️ Hugging Face Transformers 的文件寫得很清楚。", {"Hugging Face Transformers"}),
    ("👨‍💻 Cursor 與 🦜️🔗LangChain 一起用。", {"Cursor", "LangChain"}),
    ("RAG✅、LoRA🔥、Agent❌ 是這週的三個主題。", {"RAG", "LoRA", "Agent"}),
    ("推薦工具➡️Dify，搭配▶️Flowise 做流程。", {"Dify", "Flowise"}),
]


@pytest.mark.parametrize("body, names", DECORATED)
def test_emoji_never_inside_a_mention(ex: Extractor, body: str, names: set[str]) -> None:
    res = _extract(ex, body)
    surfaces = {m.surface for m in res.mentions}
    assert names <= surfaces
    for m in res.mentions:
        assert not PICTOGRAPH_RE.search(m.surface), m.surface
        assert body[m.start : m.end] == m.surface


def test_unknown_latin_name_next_to_emoji_is_found_without_it(ex: Extractor) -> None:
    body = "🛠️Zorbatron 是我們新寫的小工具。Zorbatron🎉 今天釋出第一版。"
    res = _extract(ex, body)
    assert {m.surface for m in res.mentions if match_key(m.surface) == "zorbatron"} == {"Zorbatron"}


def test_ckip_spans_are_trimmed_of_emoji_and_dropped_when_one_is_inside(ex: Extractor) -> None:
    body = "🔧Qdrantix 很好用，Open🚀Grapher 也不錯。"
    grapher = body.index("Open")
    hits = [
        (0, body.index(" "), EntityType.TOOL, 0.9),
        (grapher, grapher + len("Open🚀Grapher"), EntityType.TOOL, 0.9),
    ]
    res = _extract(ex, body, hits)
    ckip = [m for m in res.mentions if m.extractor == "ckip"]
    assert [m.surface for m in ckip] == ["Qdrantix"]
    assert ckip[0].start == 1  # after the wrench (one code point)
    assert not any("🚀" in m.surface for m in res.mentions)


def test_evidence_sentences_do_not_start_or_end_with_emoji(ex: Extractor) -> None:
    body = "🚀 Dify 整合了 Ollama。🎉\n✍️ 筆記"
    res = _extract(ex, body)
    assert res.relations
    for r in res.relations:
        assert not PICTOGRAPH_RE.match(r.sentence[:1]) and not PICTOGRAPH_RE.match(r.sentence[-1:]), (
            r.sentence
        )


def test_emoji_count_as_spacing_between_sentences() -> None:
    text = "It works.🚀Next step 是部署。✍️ 作者的話🎉🎉"
    assert [text[a:b] for a, b in split_sentences(text)] == ["It works.", "Next step 是部署。", "作者的話"]
    zwj = "👨\u200d👩\u200d👧 一家人\n🇹🇼\n1️⃣ 第一步"
    # A ZWJ family and a flag are spacing; a keycap keeps its digit (the digit is no emoji).
    assert [zwj[a:b] for a, b in split_sentences(zwj)] == ["一家人", "1\ufe0f\u20e3 第一步"]


def test_trim_pictographs_edges_and_inside() -> None:
    for text, want in [
        ("🔧Ollama", "Ollama"),
        ("Ollama🚀", "Ollama"),
        ("⭐️ Hugging Face", "Hugging Face"),
        ("Ollama", "Ollama"),
    ]:
        span = trim_pictographs(text, 0, len(text))
        assert span is not None and text[span[0] : span[1]] == want
    assert trim_pictographs("Open🚀WebUI", 0, len("Open🚀WebUI")) is None
    assert trim_pictographs("🇹🇼", 0, 2) is None
    assert trim_pictographs("A\u200dB", 0, 3) is None  # a zero-width joiner is no part of a name
