import re
from itertools import pairwise

from extract.chunk import make_chunks, split_sentences

BODY = (
    "前言\n"
    "大型語言模型越來越普及。我們用 Ollama 跑 Llama 3.1！效果如何？還不錯；值得一試……"
    "We tried vLLM. It was fast.\n"
    "版本 llama3.1:70b-instruct-fp16 很大。"
)


def test_sentence_split_on_chinese_punctuation_and_newlines() -> None:
    got = [BODY[a:b] for a, b in split_sentences(BODY)]
    assert got == [
        "前言",
        "大型語言模型越來越普及。",
        "我們用 Ollama 跑 Llama 3.1！",
        "效果如何？",
        "還不錯；",
        "值得一試……",
        "We tried vLLM.",
        "It was fast.",
        "版本 llama3.1:70b-instruct-fp16 很大。",
    ]


def test_chunks_cover_body_with_offsets_and_stable_ids() -> None:
    body = "。".join(f"第{i}句話講 LoRA 與 QLoRA 的差異" for i in range(60)) + "。"
    chunks = make_chunks("d1", body, [], size=120, overlap=1)
    assert len(chunks) > 5
    for c in chunks:
        assert body[c.start : c.end] == c.text
        assert len(c.text) <= 120
    # consecutive chunks share exactly one sentence
    for a, b in pairwise(chunks):
        assert b.start < a.end
        assert a.text.endswith(body[b.start : a.end])
    assert chunks[-1].end == len(body)
    again = make_chunks("d1", body, [], size=120, overlap=1)
    assert [c.id for c in again] == [c.id for c in chunks]
    assert len({c.id for c in chunks}) == len(chunks)
    assert make_chunks("d2", body, [], size=120)[0].id != chunks[0].id


def test_chunks_do_not_cross_sections_and_carry_heading() -> None:
    body = "簡介\n第一節內容。\n安裝\n第二節內容。"
    sections = [(0, "簡介"), (body.index("安裝"), "安裝")]
    chunks = make_chunks("d", body, sections, size=500)
    assert [(c.section, c.text) for c in chunks] == [
        ("簡介", "簡介\n第一節內容。"),
        ("安裝", "安裝\n第二節內容。"),
    ]


def test_long_sentence_never_cut_inside_latin_token() -> None:
    tokens = " ".join(f"model-{i}:70b-instruct-fp16" for i in range(40))
    body = "長句" + tokens + "結束"
    chunks = make_chunks("d", body, [], size=100, overlap=0)
    assert len(chunks) > 3
    latin = {m.group() for m in re.finditer(r"[A-Za-z0-9][A-Za-z0-9:\-]*", body)}
    for c in chunks:
        assert len(c.text) <= 100
        for m in re.finditer(r"[A-Za-z0-9][A-Za-z0-9:\-]*", c.text):
            assert m.group() in latin, m.group()
    assert "".join(body[c.start : c.end] for c in chunks).replace(" ", "") == body.replace(" ", "")
