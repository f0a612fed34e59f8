from extract.clean import (
    assemble,
    block_hash,
    boilerplate_hashes,
    can_be_boilerplate,
    mdx_tag_text,
    mdx_to_markdown,
    parse,
)
from extract.records import Block

MD = """---
標題: 用 Ollama 在本機跑 Llama 3.1
時間: 2024-05-01
作者: 林怡君
標籤: [Ollama, 本地部署]
自訂: 保留
---
# 前言

我們用 **Ollama** 在 [Mac Studio](https://www.apple.com/mac-studio/) 上跑模型，`ollama run llama3.1` 即可。

## 步驟

- 安裝 Ollama
- 下載模型

| 模型 | 大小 |
| --- | --- |
| Llama 3.1 8B | 4.7 GB |

```bash
ollama run llama3.1:8b-instruct-q4_K_M
```

- [首頁](/)
- [文章列表](/posts)
- [關於我們](/about)
"""


def test_markdown_front_matter_becomes_metadata() -> None:
    p = parse(MD, "markdown")
    assert p.title == "用 Ollama 在本機跑 Llama 3.1"
    assert p.date == "2024-05-01"
    assert p.author == "林怡君"
    assert p.tags == ("Ollama", "本地部署")
    assert p.metadata == {"自訂": "保留"}
    body = "\n".join(b.text for b in p.blocks)
    assert "標題" not in body and "---" not in body


def test_markdown_markup_removed_link_text_kept() -> None:
    p = parse(MD, "markdown")
    kinds = [(b.kind, b.text) for b in p.blocks]
    assert ("heading", "前言") in kinds
    para = next(t for k, t in kinds if k == "paragraph")
    assert para == "我們用 Ollama 在 Mac Studio 上跑模型，ollama run llama3.1 即可。"
    assert ("item", "安裝 Ollama") in kinds
    assert ("row", "Llama 3.1 8B | 4.7 GB") in kinds
    assert ("code", "ollama run llama3.1:8b-instruct-q4_K_M") in kinds
    assert ("menu", "首頁 ｜ 文章列表 ｜ 關於我們") in kinds
    assert all("*" not in t and "](" not in t for _, t in kinds)
    # headings give section context
    assert next(b for b in p.blocks if b.text == "安裝 Ollama").heading == "步驟"


def test_bad_front_matter_is_ignored_not_fatal() -> None:
    p = parse("---\ntitle: [unclosed\n---\n正文內容在這裡。\n", "markdown")
    assert [b.text for b in p.blocks] == ["正文內容在這裡。"]


HTML = """<!doctype html><html><head><title>週報：RAG 專題</title>
<meta name="author" content="陳志明"><meta name="keywords" content="RAG, 向量資料庫">
<style>body { color: red; }</style><script>var x = "不應出現";</script></head>
<body><nav><ul><li><a href="/">首頁</a></li><li><a href="/a">活動</a></li></ul></nav>
<h1>RAG 專題</h1><p>本週介紹 <a href="https://x">LlamaIndex</a> 與 <b>Chroma</b>。</p>
<div>散落的文字<p>段落二</p></div>
<ul><li>重點一：檢索</li><li>重點二：生成</li></ul>
<table><tr><th>工具</th><th>用途</th></tr><tr><td>FAISS</td><td>向量檢索</td></tr></table>
<!-- 註解不應出現 --><footer><p>© 2024 台灣 AI 社群週報</p></footer></body></html>"""


def test_html_visible_text_only() -> None:
    p = parse(HTML, "html")
    texts = [b.text for b in p.blocks]
    joined = "\n".join(texts)
    assert p.title == "週報：RAG 專題" and p.author == "陳志明" and p.tags == ("RAG", "向量資料庫")
    assert "本週介紹 LlamaIndex 與 Chroma 。" in texts or "本週介紹 LlamaIndex 與 Chroma。" in texts
    for absent in ("color: red", "不應出現", "註解", "首頁"):
        assert absent not in joined
    assert "散落的文字" in texts and "段落二" in texts
    assert "重點一：檢索" in texts and "工具 | 用途" in texts and "FAISS | 向量檢索" in texts
    assert "© 2024 台灣 AI 社群週報" in texts


def test_plain_text_paragraphs_items_headings() -> None:
    p = parse("【活動摘要】\n\n第一段第一行\n第一段第二行\n\n- 重點：LoRA 微調\n\n# 結論\n收穫很多。", "text")
    assert [(b.kind, b.text) for b in p.blocks] == [
        ("heading", "活動摘要"),
        ("paragraph", "第一段第一行 第一段第二行"),
        ("item", "- 重點：LoRA 微調"),
        ("heading", "結論"),
        ("paragraph", "收穫很多。"),
    ]


def test_boilerplate_rule_needs_both_count_and_share() -> None:
    counts = {"nav": 3, "rare": 2, "footer": 10}
    assert boilerplate_hashes(counts, group_size=5, min_docs=3, min_share=0.3) == {"nav", "footer"}
    # in a big folder, 3 of 20 documents is below the 30% share
    assert boilerplate_hashes(counts, group_size=20, min_docs=3, min_share=0.3) == {"footer"}


def test_boilerplate_blocks_dropped_from_body_headings_kept() -> None:
    blocks = [
        Block("heading", "前言", "前言"),
        Block("paragraph", "關於作者：小林，喜歡研究本地大型語言模型。"),
        Block("paragraph", "這篇介紹 LoRA。"),
        Block("item", "短項目"),
    ]
    hashes = [block_hash(b) for b in blocks]
    a = assemble(blocks, hashes, {hashes[1], hashes[0], hashes[3]})
    body, sections = a.body, a.sections
    assert body == "前言\n這篇介紹 LoRA。\n短項目"  # heading and too-short item are never boilerplate
    assert sections == [(0, "前言")]
    assert not can_be_boilerplate(blocks[3]) and can_be_boilerplate(blocks[1])


def test_plain_text_first_short_line_is_the_title() -> None:
    p = parse("台北本地 LLM 小聚 會後筆記\n日期：2024 年 4 月 20 日\n\n今天談 Ollama。", "text")
    assert p.title == "台北本地 LLM 小聚 會後筆記"
    # no heading: the first line (to its first sentence end) is the title, and it is not a front-matter one
    first = parse("今天談 Ollama 與 vLLM 的部署經驗。\n第二行。", "text")
    assert first.title == first.text_title == "今天談 Ollama 與 vLLM 的部署經驗。" and first.meta_title == ""


def test_heading_of_an_all_boilerplate_section_is_dropped() -> None:
    blocks = [
        Block("heading", "教學", "教學"),
        Block("paragraph", "本文介紹 Dify 與 Ollama 的整合方式。"),
        Block("heading", "關於作者", "關於作者"),
        Block("paragraph", "作者：林怡君，白天寫程式，晚上研究本地模型。"),
    ]
    hashes = [block_hash(b) for b in blocks]
    a = assemble(blocks, hashes, {hashes[3]})
    body, sections = a.body, a.sections
    assert body == "教學\n本文介紹 Dify 與 Ollama 的整合方式。"
    assert sections == [(0, "教學")]


def test_block_hash_ignores_whitespace() -> None:
    assert block_hash(Block("paragraph", "a  b\nc")) == block_hash(Block("item", "a b c"))


def test_mdx_components_and_directives_go_their_text_stays() -> None:
    mdx = (
        "import Tip from './tip'\n\n"
        '<Banner chapter={2}\n  notebooks={[{label: "A > B", value: "x"}]} />\n\n'
        "{#if fw === 'pt'}\n# 模型\n\n<Tip warning={true}>\n用 AutoModel 載入檢查點。\n</Tip>\n{:else}\n"
        "另一段\n{/if}\n\n程式碼裡的 `List<String>` 保持原樣。\n"
    )
    md = mdx_to_markdown(mdx)
    assert "import" not in md and "{#if" not in md and "{/if}" not in md and "Banner" not in md
    assert "notebooks" not in md and "<Tip" not in md and "</Tip>" not in md
    assert "用 AutoModel 載入檢查點。" in md and "List<String>" in md
    texts = [b.text for b in parse(mdx, "mdx").blocks]
    assert "模型" in texts and any("AutoModel" in t for t in texts)


def test_mdx_tag_text_is_what_the_cleaner_drops() -> None:
    raw = (
        "import Q from './q'\n\n# 小測驗\n\n排程器負責分配工作。\n\n"
        '<Question\n  choices={[{text: "Marmot 用於容器化", correct: true}]}\n/>\n'
    )
    tags = mdx_tag_text(raw)
    assert "Marmot 用於容器化" in tags and "import" not in tags
    assert "排程器負責分配工作" not in tags and "排程器負責分配工作" in mdx_to_markdown(raw)
    assert "Marmot" not in mdx_to_markdown(raw)
    assert mdx_tag_text("import X from './x'\n# 標題\n一段文字。") == ""
