"""Format by content (Markdown saved as .txt), PDF pages, emoji bullets."""

from extract.clean import assemble, block_hash, page_at, parse, sniff_format
from extract.records import Block

MD_AS_TXT = """---
title: 本機模型筆記
---
# 本機模型筆記

用 **Ollama** 跑模型，詳見 [官方文件](https://ollama.com/docs)。

- 安裝
- 下載模型

| 模型 | 大小 |
| --- | --- |
| Qwen2.5 7B | 4.7 GB |
"""


def test_markdown_in_a_txt_file_is_parsed_as_markdown() -> None:
    assert sniff_format(MD_AS_TXT, "text") == "markdown"
    p = parse(MD_AS_TXT, "text")
    assert p.fmt == "markdown" and p.title == "本機模型筆記"
    texts = [b.text for b in p.blocks]
    assert "用 Ollama 跑模型，詳見 官方文件。" in texts
    assert "Qwen2.5 7B | 4.7 GB" in texts
    assert not any("**" in t or "](" in t or "---" in t for t in texts)


def test_plain_prose_with_a_star_or_a_heading_stays_text() -> None:
    prose = "今天的分享很精彩 * 講者提到 LoRA 微調。\n\n# 結論\n\n- 收穫很多\n- 下次再來\n"
    assert sniff_format(prose, "text") == "text"
    assert parse(prose, "text").fmt == "text"
    # one kind of signal, however often, is not enough
    assert sniff_format("`a` 和 `b` 還有 `c` 都是指令。\n", "text") == "text"


def test_other_formats_are_never_resniffed() -> None:
    assert sniff_format(MD_AS_TXT, "html") == "html"
    assert sniff_format("# 標題\n\n純文字", "markdown") == "markdown"
    assert sniff_format(MD_AS_TXT, "pdf") == "pdf"


PDF = "第一章 緒論\n深度學習近年\n快速發展。\n\f第二頁的段落談到\nTransformer 架構。\n\f\f第四頁：結論。"


def test_pdf_blocks_know_their_page_and_lines_join_without_spaces_between_han() -> None:
    p = parse(PDF, "pdf")
    got = [(b.kind, b.text, b.page) for b in p.blocks]
    assert got == [
        ("heading", "第一章 緒論", 1),
        ("paragraph", "深度學習近年快速發展。", 1),
        ("paragraph", "第二頁的段落談到 Transformer 架構。", 2),
        ("paragraph", "第四頁：結論。", 4),
    ]


def test_assemble_reports_page_starts_and_page_at_finds_them() -> None:
    p = parse(PDF, "pdf")
    a = assemble(p.blocks, [block_hash(b) for b in p.blocks], set())
    second = a.body.index("第二頁")
    fourth = a.body.index("第四頁")
    assert a.pages == ((0, 1), (second, 2), (fourth, 4))
    assert page_at(a.pages, 0) == 1 and page_at(a.pages, second - 1) == 1
    assert page_at(a.pages, second) == 2 and page_at(a.pages, second + 3) == 2
    assert page_at(a.pages, len(a.body)) == 4
    assert page_at((), 10) == 0 and page_at(((5, 3),), 2) == 0
    # the three-value form callers already use is unchanged


def test_dropped_boilerplate_page_does_not_leave_a_page_mark() -> None:
    blocks = [
        Block("paragraph", "第一頁的正文內容。", "", 1),
        Block("paragraph", "頁尾：公司機密文件請勿外流", "", 2),
    ]
    hashes = [block_hash(b) for b in blocks]
    a = assemble(blocks, hashes, {hashes[1]})
    assert a.body == "第一頁的正文內容。" and a.pages == ((0, 1),)


def test_plain_text_has_no_pages() -> None:
    p = parse("一般文字檔\n\n內容段落。\f下一段。", "text")
    assert all(b.page == 0 for b in p.blocks)
    assert assemble(p.blocks, [block_hash(b) for b in p.blocks], set()).pages == ()


def test_pdf_front_matter_from_document_properties_is_metadata() -> None:
    p = parse("---\ntitle: 年度報告\nauthor: 陳小明\n---\n摘要頁文字。\f第二頁文字。", "pdf")
    assert p.title == "年度報告" and p.author == "陳小明"
    assert [(b.text, b.page) for b in p.blocks] == [("摘要頁文字。", 1), ("第二頁文字。", 2)]


def test_emoji_bullets_in_text_are_items_and_a_lone_emoji_line_is_a_heading() -> None:
    text = (
        "會後筆記\n\n🔧 環境設定\n\n✍️ 記錄：王大同\n📌 重點：用 vLLM 部署\n1️⃣ 先安裝驅動\n\n最後大家一起合照。"
    )
    got = [(b.kind, b.text) for b in parse(text, "text").blocks]
    assert got == [
        ("heading", "會後筆記"),
        ("heading", "🔧 環境設定"),
        ("item", "✍️ 記錄：王大同"),
        ("item", "📌 重點：用 vLLM 部署"),
        ("item", "1️⃣ 先安裝驅動"),
        ("paragraph", "最後大家一起合照。"),
    ]
    assert next(b for b in parse(text, "text").blocks if b.kind == "item").heading == "🔧 環境設定"


def test_emoji_bullet_lines_in_a_markdown_paragraph_are_items() -> None:
    md = "# 紀錄\n\n✍️ 記錄：林小華\n🔧 工具：Ollama\n\n🤗 Transformers 是常用的函式庫，\n可以載入許多模型。\n"
    got = [(b.kind, b.text) for b in parse(md, "markdown").blocks]
    assert ("item", "✍️ 記錄：林小華") in got and ("item", "🔧 工具：Ollama") in got
    # a paragraph whose first word is an emoji stays one paragraph
    assert ("paragraph", "🤗 Transformers 是常用的函式庫， 可以載入許多模型。") in got
    # markdown headings with emoji are headings as before
    assert parse("## 📌 重點\n\n內容。", "markdown").blocks[0] == Block("heading", "📌 重點", "📌 重點")
