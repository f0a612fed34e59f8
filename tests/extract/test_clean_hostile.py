"""Hostile markup (issue 14): front matter bombs and caps, nesting that would recurse or vanish."""

import logging
import time

import pytest

from extract.clean import FRONT_MATTER_MAX_BYTES, load_front_matter, parse

SOURCE = "notes/惡意檔案.md"

# The classic "billion laughs": nine levels of nine aliases, about 10^9 strings when expanded.
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [{','.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


def _timed(text: str, fmt: str) -> tuple[list[str], float]:
    t0 = time.perf_counter()
    blocks = [b.text for b in parse(text, fmt, source=SOURCE).blocks]
    return blocks, time.perf_counter() - t0


def test_billion_laughs_front_matter_is_refused_in_milliseconds(caplog: pytest.LogCaptureFixture) -> None:
    assert 330 <= len(BOMB.encode()) <= 360
    with caplog.at_level(logging.WARNING, logger="extract.clean"):
        texts, seconds = _timed(f"---\n{BOMB}---\n正文保留。\n", "markdown")
    assert texts == ["正文保留。"] and seconds < 0.5
    assert SOURCE in caplog.text and "alias" in caplog.text


def test_self_referencing_alias_is_refused() -> None:
    assert load_front_matter("a: &a [*a]\nb: 1\n", SOURCE) == {}


def test_modest_aliases_are_still_allowed() -> None:
    meta = load_front_matter("base: &b {lang: zh-TW}\npost: *b\ntitle: 測試\n", SOURCE)
    assert meta["post"] == {"lang": "zh-TW"} and meta["title"] == "測試"


def test_oversized_front_matter_is_ignored_with_a_warning_naming_the_file(
    caplog: pytest.LogCaptureFixture,
) -> None:
    big = "".join(f"key{i}: 值{i}\n" for i in range(FRONT_MATTER_MAX_BYTES // 8))
    assert len(big.encode()) > FRONT_MATTER_MAX_BYTES
    with caplog.at_level(logging.WARNING, logger="extract.clean"):
        p = parse(f"---\n{big}---\n# 標題\n\n正文。\n", "markdown", source=SOURCE)
    assert p.metadata == {} and p.title == "標題" and [b.text for b in p.blocks] == ["標題", "正文。"]
    assert SOURCE in caplog.text and "64 KiB" in caplog.text


def test_deeply_nested_flow_yaml_is_refused_before_libyaml_sees_it() -> None:
    # ~30k nested brackets crash libyaml's recursive composer (a segfault, not an exception)
    deep = "a: " + "[" * 30_000 + "]" * 30_000 + "\n"
    t0 = time.perf_counter()
    assert load_front_matter(deep, SOURCE) == {}
    assert time.perf_counter() - t0 < 1.0


def test_invalid_yaml_warning_names_the_file(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="extract.clean"):
        p = parse("---\ntitle: [沒有關閉\n---\n正文。\n", "markdown", source=SOURCE)
        q = parse("---\ndate: 2024-02-30\n---\n正文。\n", "markdown", source=SOURCE)
    assert [b.text for b in p.blocks] == ["正文。"] == [b.text for b in q.blocks]
    assert caplog.text.count(SOURCE) == 2 and "not valid YAML" in caplog.text


def test_ten_thousand_nested_divs_keep_their_text_fast() -> None:
    html = (
        "<html><body>" + "<div>" * 10_000 + "深層文字" + "</div>" * 10_000 + "<p>之後的段落</p></body></html>"
    )
    texts, seconds = _timed(html, "html")
    assert "深層文字" in texts and "之後的段落" in texts and seconds < 5


def test_nested_divs_inside_markdown_keep_their_text() -> None:
    md = "# 標題\n\n" + "<div>" * 10_000 + "深層文字" + "</div>" * 10_000 + "\n\n結尾段落。\n"
    texts, seconds = _timed(md, "markdown")
    assert "深層文字" in texts and "結尾段落。" in texts and seconds < 5


@pytest.mark.parametrize("tag", ["blockquote", "ul><li", "p", "table><tr><td"])
def test_other_deep_html_nesting_keeps_text(tag: str) -> None:
    close = "></".join(reversed(tag.split("><")))
    html = f"<{tag}>" * 3_000 + "深層文字" + f"</{close}>" * 3_000
    texts, seconds = _timed(html, "html")
    assert any("深層文字" in t for t in texts) and seconds < 5


@pytest.mark.parametrize("prefix", ["> ", ">", "- ", "1. ", "> - ", "* > "])
def test_ten_thousand_nested_markdown_containers_keep_their_text(prefix: str) -> None:
    texts, seconds = _timed(prefix * 10_000 + "深層文字\n\n下一段。\n", "markdown")
    assert any("深層文字" in t for t in texts) and "下一段。" in texts and seconds < 2


def test_many_quote_levels_over_lines_and_deep_indentation_keep_their_text() -> None:
    quotes = "".join(">" * i + f" 第{i}層\n" for i in range(1, 400))
    texts, _ = _timed(quotes, "markdown")
    joined = " ".join(texts)
    assert "第1層" in joined and "第399層" in joined
    lists = "".join("  " * i + f"- 項目{i}\n" for i in range(400))
    texts, seconds = _timed(lists, "markdown")
    assert "項目0" in texts and "項目399" in texts and seconds < 5


def test_code_in_fences_is_not_rewritten_by_the_caps() -> None:
    code = "```\n" + " " * 60 + "deep = 1\n> > > > > > > > > > 引文\n```\n"
    blocks = parse(code, "markdown").blocks
    assert blocks[0].kind == "code" and blocks[0].text == code[4:-5]


@pytest.mark.parametrize(
    "text", ["[" * 20_000 + "深層文字", "[[" * 10_000 + "深層文字", "![[" * 10_000 + "深層文字"]
)
def test_unclosed_brackets_are_not_quadratic(text: str) -> None:
    texts, seconds = _timed(text, "markdown")
    assert texts and texts[0].endswith("深層文字") and seconds < 2
