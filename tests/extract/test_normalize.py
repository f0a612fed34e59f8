"""The shared character classes and the matching key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from extract import normalize
from extract.normalize import HAN, HAN_RE, PICTOGRAPH_RE, has_han, is_spacing, match_key, trim_spacing

EXTRACT = Path(normalize.__file__).parent


@pytest.mark.parametrize(
    "ch",
    [
        "語",  # U+8A9E, main block
        "㐀",  # U+3400, Extension A
        "䶵",  # U+4DB5, Extension A
        "鿿",  # U+9FFF, last of the main block
        "﨑",  # U+FA11, compatibility ideograph (Big5 round-trip)
        "𠝹",  # U+20779, Extension B (HKSCS)
        "𫝀",  # U+2B740, Extension D
        "\U00031350",  # Extension H
    ],
)
def test_han_class_takes_every_ideograph_block(ch: str) -> None:
    assert HAN_RE.fullmatch(ch)
    assert has_han(f"abc{ch}")


@pytest.mark.parametrize(
    "ch",
    ["䷀", "〇", "々", "。", "「", "ア", "한", "Ａ", "a", "⺀", "🚀"],
)
def test_han_class_leaves_out_symbols_punctuation_kana_and_hangul(ch: str) -> None:
    assert not HAN_RE.match(ch)


def test_han_class_composes_into_other_patterns() -> None:
    run = re.compile(f"[{HAN}]+")
    assert [m.group() for m in run.finditer("用 Ollama 跑𠝹模型，再測 vLLM")] == ["用", "跑𠝹模型", "再測"]


@pytest.mark.parametrize(
    "module",
    [
        "chunk",
        "relations",
        "patterns",
        "extractor",
        "persons",
        "junk",
        "lexicon",
        "resolve",
        "ckip",
        "classify",
    ],
)
def test_no_module_defines_its_own_han_range(module: str) -> None:
    source = (EXTRACT / f"{module}.py").read_text(encoding="utf-8")
    for pattern in (r"\u3400", r"\u4e00", r"\u9fff", "\u4e00-", "\u3400-", r"\U00020000"):
        assert pattern not in source, (module, pattern)


@pytest.mark.parametrize(
    "ch", ["🚀", "✍", "\ufe0f", "\u200d", "🇹", "📌", "⭐", "▶", "©", "™", "\U0001f3fd", "→", "①", "■"]
)
def test_pictographs_and_joiners_are_spacing(ch: str) -> None:
    assert PICTOGRAPH_RE.match(ch)
    assert is_spacing(ch)


@pytest.mark.parametrize("ch", ["語", "a", "1", "。", "「", "、", "・", "Ω"])
def test_letters_and_punctuation_are_not_spacing(ch: str) -> None:
    assert not is_spacing(ch)


def test_trim_spacing_strips_space_and_emoji_but_not_inside() -> None:
    text = " ✍️ 作者 🎉 小明 🎉 "
    a, b = trim_spacing(text, 0, len(text))
    assert text[a:b] == "作者 🎉 小明"
    assert trim_spacing("🎉 \u3000🚀", 0, 4) == (4, 4)


def test_match_key_drops_emoji_joiners_and_marks() -> None:
    assert match_key("🤗 Datasets") == match_key("Datasets") == "datasets"
    assert match_key("👨\u200d💻Cursor\ufe0f") == "cursor"
    assert match_key("Ollama™") == "ollama"
    assert match_key("大语言模型") == match_key("大語言模型")
