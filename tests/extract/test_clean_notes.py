"""Obsidian and Notion notes: wikilinks, embeds, callouts, aliases, inline tags; titles."""

import pytest

from extract.clean import clean_title, file_title, link_target, parse, site_titles, strip_notion_id

NOTE = """---
tags: [推論]
aliases: [本機推論, Local Inference]
---
# 本機推論筆記

我用 [[Ollama]] 跑 [[Qwen2.5|通義千問]]，細節見 [[llama.cpp#編譯選項]] 與 [[部署指南#GPU 設定|GPU 那段]]。
同頁連結 [[#結論]] 不算其他文件。

![[架構圖.png|500]]
![流程示意圖](images/flow.png)
![[向量資料庫]]

> [!note] 記憶體需求
> 7B 模型量化後約需 5 GB。

> [!tip]- 摺疊的提示
> 可以先用 `ollama ps` 檢查。

參考 [量化筆記](../概念/量化.md#GGUF) 和 [官網](https://ollama.com/blog/post.md)、[本頁](#結論)。

標籤 #本地部署 與 #GPU/NVIDIA 會被收集，但 C# 和 #123 與 `#程式碼` 不會。

```bash
# 這是註解 #不是標籤
ollama run qwen2.5
```

## 結論
"""


def _texts(md: str) -> list[str]:
    return [b.text for b in parse(md, "markdown").blocks]


def test_wikilinks_keep_visible_text_and_are_recorded_as_links() -> None:
    p = parse(NOTE, "markdown")
    body = "\n".join(b.text for b in p.blocks)
    assert "我用 Ollama 跑 通義千問，細節見 llama.cpp 與 GPU 那段。 同頁連結 結論 不算其他文件。" in body
    assert "[[" not in body and "]]" not in body
    assert p.links == ("Ollama", "Qwen2.5", "llama.cpp", "部署指南", "向量資料庫", "../概念/量化")


def test_embeds_and_images_leave_no_text() -> None:
    body = "\n".join(_texts(NOTE))
    for absent in ("架構圖", "500", "png", "流程示意圖", "images/flow", "向量資料庫"):
        assert absent not in body


def test_callouts_keep_title_and_text_without_the_marker() -> None:
    texts = _texts(NOTE)
    assert "記憶體需求" in texts and "7B 模型量化後約需 5 GB。" in texts
    assert "摺疊的提示" in texts and "可以先用 ollama ps 檢查。" in texts
    assert not any("[!" in t for t in texts)
    # a plain quote that merely starts with brackets is left alone
    assert _texts("> [注意] 這不是 callout。") == ["[注意] 這不是 callout。"]


def test_aliases_and_inline_tags_of_an_obsidian_note() -> None:
    p = parse(NOTE, "markdown")
    assert p.aliases == ("本機推論", "Local Inference")
    assert "aliases" not in p.metadata
    assert p.tags == ("推論", "本地部署", "GPU/NVIDIA")


def test_inline_hash_words_are_not_tags_outside_obsidian_notes() -> None:
    p = parse("# 標題\n\n這篇談 #RAG 與 C# 的整合。", "markdown")
    assert p.tags == () and "#RAG" in p.blocks[1].text


def test_markdown_links_to_md_files_are_document_links_web_links_are_not() -> None:
    md = (
        "看 [上一篇](./previous-post.md)、[筆記](notes/%E9%87%8F%E5%8C%96.mdx?x=1)、"
        "[網站](https://example.com/readme.md)、[協定相對](//cdn.example.com/a.md)、"
        "[信箱](mailto:a@b.md)、[圖檔](a.png)、[錨點](#x)。"
    )
    assert parse(md, "markdown").links == ("previous-post", "notes/量化")


def test_notion_export_names_and_links() -> None:
    name = "讀書會紀錄 0123456789abcdef0123456789abcdef"
    assert strip_notion_id(name) == "讀書會紀錄"
    assert strip_notion_id("0123456789abcdef0123456789abcdef") == "0123456789abcdef0123456789abcdef"
    assert file_title(f"{name}.md") == "讀書會紀錄"
    assert file_title("meetup-2024.txt") == "meetup-2024"
    folder, page = "%E8%AE%80%E6%9B%B8%E6%9C%83%20" + "a" * 32, "%E7%AD%86%E8%A8%98%20" + "b" * 32
    link = f"[子頁]({folder}/{page}.md)"
    assert parse(link, "markdown").links == ("讀書會/筆記",)


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("Note#Heading", "Note"),
        ("./a/b.md", "a/b"),
        ("Note.MD#^block", "Note"),
        ("%E7%AD%86%E8%A8%98.md", "筆記"),
        ("#only-heading", ""),
    ],
)
def test_link_target_normalisation(raw: str, want: str) -> None:
    assert link_target(raw) == want


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("**The New Intelligence.**", "The New Intelligence."),
        ("# 標題 #", "標題"),
        ("[指南](https://x.org) 與 *重點*", "指南 與 重點"),
        ("[[Ollama|歐拉瑪]] 入門", "歐拉瑪 入門"),
        ("<b>粗體</b>標題", "粗體標題"),
        ("![圖](a.png) 圖解 Transformer", "圖解 Transformer"),
        ("---", ""),
        ("***", ""),
        ("===", ""),
        ("！？…", ""),
        ("🚀🤖", ""),
        ("C++ 與 C#", "C++ 與 C#"),
    ],
)
def test_clean_title(raw: str, want: str) -> None:
    assert clean_title(raw) == want


def test_title_order_front_matter_then_h1_then_first_line() -> None:
    assert parse("---\ntitle: '**前言**'\n---\n# 一級標題\n\n內文。", "markdown").title == "前言"
    assert parse("## 二級\n\n# 一級\n\n內文。", "markdown").title == "一級"
    assert parse("## 只有二級\n\n內文。", "markdown").title == "只有二級"
    p = parse("這篇沒有標題，第一句話就是開頭。接著是第二句。", "markdown")
    assert p.title == "這篇沒有標題，第一句話就是開頭。" and p.meta_title == ""
    long = parse("甲" * 100, "markdown").title
    assert len(long) == 60 and long.endswith("…")


def test_a_separator_or_punctuation_is_never_the_title() -> None:
    p = parse("---\ntitle: '---'\n---\n***\n\n# ===\n\n## 真正的標題\n\n內文。", "markdown")
    assert p.meta_title == "" and p.title == "真正的標題"
    assert parse("---\n\n……\n\n", "markdown").title == ""


def test_site_titles_follow_the_boilerplate_rule() -> None:
    titles = ["我的部落格"] * 3 + ["RAG 入門", "向量資料庫", "", ""]
    assert site_titles(titles, group_size=7, min_docs=3, min_share=0.3) == {"我的部落格"}
    assert site_titles(titles, group_size=20, min_docs=3, min_share=0.3) == set()
    assert site_titles(["", "", "", ""], group_size=4, min_docs=3, min_share=0.3) == set()
