import random
import re
from itertools import pairwise

import pytest

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


def _sents(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def test_full_stops_inside_versions_files_urls_and_abbreviations_go_on() -> None:
    text = (
        "請把 config.yaml 裡的 model 改成 qwen2.5:7b，再看 https://example.org/docs/v1.2/setup.html 的說明。"
        "Dr. Chen 說 e.g. LangChain 或 i.e. 同一類工具都行，vs. 自己寫 etc. 都可以。"
        "Python 3.11 比 3.10 快。"
    )
    assert _sents(text) == [
        "請把 config.yaml 裡的 model 改成 qwen2.5:7b，再看 https://example.org/docs/v1.2/setup.html 的說明。",
        "Dr. Chen 說 e.g. LangChain 或 i.e. 同一類工具都行，vs. 自己寫 etc. 都可以。",
        "Python 3.11 比 3.10 快。",
    ]


def test_question_marks_in_urls_and_operators_go_on_but_chinese_style_ones_end() -> None:
    text = "打開 http://localhost:8080/?q=llama&top=5 看結果 a != b 嗎?Ollama 會回答! 真的?!\n好"
    assert _sents(text) == [
        "打開 http://localhost:8080/?q=llama&top=5 看結果 a != b 嗎?",
        "Ollama 會回答!",
        "真的?!",
        "好",
    ]


def test_english_sentences_end_at_a_full_stop_before_space_or_a_capitalised_name() -> None:
    text = "We tried it. vLLM was fast. It served GPT-4o. approx. three times faster."
    assert _sents(text) == ["We tried it.", "vLLM was fast.", "It served GPT-4o. approx. three times faster."]


def test_half_width_full_stop_between_chinese_ends_a_sentence() -> None:
    assert _sents("安裝完成.接著設定 Ollama.然後開 Node.js 服務") == [
        "安裝完成.",
        "接著設定 Ollama.",
        "然後開 Node.js 服務",
    ]


def test_closing_quotes_and_brackets_stay_with_their_sentence() -> None:
    text = "他說「先試 Ollama。」接著(see the docs.) Then run it.」\n『真的嗎？』對。"
    assert _sents(text) == [
        "他說「先試 Ollama。」",
        "接著(see the docs.)",
        "Then run it.」",
        "『真的嗎？』",
        "對。",
    ]


def test_list_numbers_and_initials_do_not_end_sentences() -> None:
    text = "1. 安裝 Ollama\n  2. Install vLLM. Then test.\n## 3.1. 設定\nJ. R. Smith 寫的"
    assert _sents(text) == [
        "1. 安裝 Ollama",
        "2. Install vLLM.",
        "Then test.",
        "## 3.1. 設定",
        "J. R. Smith 寫的",
    ]


def test_ellipsis_ends_a_sentence_unless_the_enumeration_goes_on() -> None:
    text = "支援 Ollama、vLLM……等工具。效果還行……下次再試...\n還有...，以及 LoRA… 等方法"
    assert _sents(text) == [
        "支援 Ollama、vLLM……等工具。",
        "效果還行……",
        "下次再試...",
        "還有...，以及 LoRA… 等方法",
    ]


def test_relation_sentences_are_the_chunk_sentences_with_kinds() -> None:
    from extract.relations import split_sentences as relation_sentences

    body = "前言\n- Ollama 與 vLLM. Then more.\n| a | b |\n模型很多。🚀 It runs.\n\n✨\n結尾"
    assert [(s.start, s.end) for s in relation_sentences(body)] == split_sentences(body)
    assert [s.kind for s in relation_sentences(body)] == [
        "short",
        "item",
        "item",
        "row",
        "prose",
        "prose",
        "short",
    ]


ALPHABET = "aZ9_.-:/+@ \t\n。！？；…」)]|•-1.e.g語言模型\u3000🚀\ufe0f?!「"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sentences_partition_the_text_on_random_input(seed: int) -> None:
    """Spans are in order, disjoint, trimmed, inside one line, and cover every non-spacing character."""
    from extract.normalize import is_spacing

    rng = random.Random(seed)
    for _ in range(400):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 80)))
        spans = split_sentences(text, 5)
        covered = [False] * len(text)
        prev = 5
        for a, b in spans:
            assert prev <= a < b <= len(text) + 5
            s = text[a - 5 : b - 5]
            assert "\n" not in s
            assert not is_spacing(s[0]) and not is_spacing(s[-1])
            for i in range(a - 5, b - 5):
                covered[i] = True
            prev = b
        assert all(c or is_spacing(ch) for c, ch in zip(covered, text, strict=True)), text
