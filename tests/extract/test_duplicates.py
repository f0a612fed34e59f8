"""Duplicate documents (exact and near) and near-duplicate boilerplate blocks."""

from __future__ import annotations

import random

import numpy as np

from extract.duplicates import (
    NUM_PERM,
    DuplicateOf,
    Signature,
    canonical_signatures,
    dedup_text,
    find_duplicates,
    jaccard,
    near_boilerplate,
    shingle_hashes,
    signature,
    update_duplicates,
)

MARKDOWN = """# 用 Ollama 在筆電上跑模型

**Ollama** 讓你在自己的筆電上執行開源的大型語言模型。
裝好之後，輸入 `ollama run llama3` 就會自動下載模型並開始對話。

- 支援 macOS、Linux 與 Windows
- 內建 REST API，預設埠號是 11434

| 模型 | 檔案大小 |
| --- | --- |
| Llama 3 8B | 4.7 GB |
| Qwen2.5 7B | 4.4 GB |

想換成 GPU 推論時，記得先確認驅動程式版本；若顯示記憶體不足，可以改用量化後的 Q4 版本，速度慢一點但能跑。
"""

# The same page as its HTML rendering leaves it after cleaning: other line breaks and bullets,
# no Markdown marks, table cells split by spaces, and a "複製" button label next to the code.
HTML = """用 Ollama 在筆電上跑模型
Ollama 讓你在自己的筆電上執行開源的大型語言模型。
裝好之後，輸入 ollama run llama3 複製
就會自動下載模型並開始對話。
• 支援 macOS、Linux 與 Windows
• 內建 REST API，預設埠號是 11434
模型 檔案大小
Llama 3 8B 4.7 GB
Qwen2.5 7B 4.4 GB
想換成 GPU 推論時，記得先確認驅動程式版本；
若顯示記憶體不足，可以改用量化後的 Q4 版本，速度慢一點但能跑。
"""

# Another page on the same topic, written separately.
OTHER = """# 在 Windows 上安裝 Ollama

到官方網站下載安裝程式，執行後 Ollama 會常駐在系統匣。打開終端機輸入 `ollama pull qwen2.5:7b` 下載模型，
再用 `ollama list` 確認模型已經在本機。
如果公司電腦有防火牆，記得開放 11434 埠，其他程式才能透過 API 呼叫模型。
顯示卡是 NVIDIA 的話會自動使用 CUDA，沒有獨立顯卡也能用 CPU 執行，只是回應會比較慢。
"""


def test_markdown_and_html_copies_of_one_page_are_duplicates() -> None:
    dups = find_duplicates([("md", MARKDOWN), ("html", HTML), ("other", OTHER)])
    assert set(dups) == {"html"}
    assert dups["html"].canonical == "md"
    assert dups["html"].kind == "near"
    assert 0.9 <= dups["html"].similarity < 1.0


def test_whitespace_and_markup_only_differences_are_exact_duplicates() -> None:
    spaced = MARKDOWN.replace("\n", "\n\n").replace("，", " ， ").replace("**", "")
    dups = find_duplicates([("a", MARKDOWN), ("b", spaced)])
    assert dups == {"b": DuplicateOf("a", "exact", 1.0)}
    assert dedup_text("Ｏｌｌａｍａ  ３！") == dedup_text("ollama 3")


def test_different_pages_on_the_same_topic_are_not_duplicates() -> None:
    assert find_duplicates([("md", MARKDOWN), ("other", OTHER)]) == {}
    assert jaccard(shingle_hashes(MARKDOWN), shingle_hashes(OTHER)) < 0.2


def test_the_first_document_in_the_given_order_is_canonical_and_results_are_deterministic() -> None:
    docs = [("html", HTML), ("other", OTHER), ("md", MARKDOWN), ("md-copy", MARKDOWN)]
    first = find_duplicates(docs)
    assert first == find_duplicates(docs)
    assert {k: v.canonical for k, v in first.items()} == {"md": "html", "md-copy": "html"}
    flipped = find_duplicates(list(reversed(docs)))
    assert {k: v.canonical for k, v in flipped.items()} == {"md": "md-copy", "html": "md-copy"}
    assert flipped["md"].kind == "exact"


def test_a_near_copy_below_the_threshold_is_kept() -> None:
    rng = random.Random(3)
    words = MARKDOWN.split("。")
    edited = "。".join(w if rng.random() < 0.5 else w[::-1] for w in words)
    sim = jaccard(shingle_hashes(MARKDOWN), shingle_hashes(edited))
    assert 0.2 < sim < 0.9
    assert find_duplicates([("a", MARKDOWN), ("b", edited)]) == {}
    assert "b" in find_duplicates([("a", MARKDOWN), ("b", edited)], threshold=sim - 0.05)


def test_empty_texts_duplicate_nothing() -> None:
    assert find_duplicates([("a", ""), ("b", "  \n"), ("c", "🚀")]) == {}


def test_signatures_are_plain_values_that_round_trip() -> None:
    sig = signature(MARKDOWN)
    assert len(sig.minhash) == 4 * NUM_PERM
    again = Signature(str(sig.digest), bytes(sig.minhash), int(sig.shingles), int(sig.shingle))
    assert again == sig
    assert np.array_equal(again.values(), sig.values())
    # short texts leave most of the 128 ranges empty; densification still fills every value
    short = signature("Ollama 很好用")
    assert len(short.values()) == NUM_PERM and short.shingles == len(shingle_hashes("Ollama 很好用"))


def test_incremental_runs_find_copies_of_documents_of_earlier_runs() -> None:
    dups1, sigs1 = update_duplicates((), [("md", MARKDOWN), ("other", OTHER)])
    assert dups1 == {}
    known = canonical_signatures(sigs1.items(), dups1)
    texts = {"md": MARKDOWN, "other": OTHER}
    dups2, sigs2 = update_duplicates(
        known, [("html", HTML), ("md-again", MARKDOWN)], text_of=texts.__getitem__
    )
    assert {k: (v.canonical, v.kind) for k, v in dups2.items()} == {
        "html": ("md", "near"),
        "md-again": ("md", "exact"),
    }
    assert dups2["html"].similarity == find_duplicates([("md", MARKDOWN), ("html", HTML)])["html"].similarity
    assert set(sigs2) == {"html", "md-again"}
    # without the earlier texts the signature estimate decides
    dups3, _ = update_duplicates(known, [("html", HTML)])
    assert dups3["html"].canonical == "md" and dups3["html"].similarity >= 0.9


def test_many_documents_scale_and_only_planted_copies_are_found() -> None:
    rng = random.Random(11)
    alphabet = "模型推論訓練資料向量檢索生成工具框架部署伺服器記憶體量化微調評測指標語言中文開源社群版本"
    docs = [(f"d{i}", "".join(rng.choice(alphabet) for _ in range(800))) for i in range(300)]
    docs.append(("copy", docs[17][1][:400] + "多了一句話" + docs[17][1][405:]))
    dups = find_duplicates(docs)
    assert set(dups) == {"copy"} and dups["copy"].canonical == "d17"


DISCLAIMERS = [
    "本文由 AI 機器翻譯服務自動翻譯而成，雖然我們力求準確，但譯文仍可能有錯誤，請以英文原文為準。",
    "本文由 AI 機器翻譯服務自動翻譯，雖然我們力求準確，但翻譯內容仍可能有錯誤，請以英文原始文件為準。",
    "本文件由 AI 翻譯服務自動翻譯而成，雖然我們力求準確，但譯文仍可能有錯誤或不精確之處，請以英文原文為準。",
    "這篇文章由 AI 機器翻譯服務自動翻譯而成，雖然我們力求準確，但譯文可能有錯誤，請以英文原文為準。",
]
PARAGRAPHS = [
    "第一步：安裝 Python 3.11 與 pip，接著建立虛擬環境並啟用它。",
    "第一步：安裝 Node.js 20 與 npm，接著建立專案資料夾並初始化它。",
    "Ollama 讓你在筆電上執行開源模型，安裝完成後用一行指令就能下載 Llama 3。",
    "vLLM 透過 PagedAttention 管理 KV 快取，適合高併發的推論服務。",
    "向量資料庫把文件切塊後存成嵌入向量，查詢時找出最相近的幾塊交給模型。",
]


def _folder(disclaimers: list[str]) -> list[list[tuple[str, str]]]:
    return [
        [(f"disc{i}", d), (f"p{i}", PARAGRAPHS[i % len(PARAGRAPHS)]), ("title", "第一章")]
        for i, d in enumerate(disclaimers)
    ]


def test_a_reworded_disclaimer_is_near_boilerplate_and_ordinary_paragraphs_are_not() -> None:
    folder = _folder(DISCLAIMERS + DISCLAIMERS[:1])  # five pages, four wordings
    got = near_boilerplate(folder, min_docs=3, min_share=0.3, threshold=0.5)
    assert got == {"disc0", "disc1", "disc2", "disc3", "disc4"}
    assert got == near_boilerplate(folder, min_docs=3, min_share=0.3, threshold=0.5)


def test_near_boilerplate_needs_enough_documents() -> None:
    fillers = [f"第{i}頁只談自己的主題：{p[::-1]}" for i, p in enumerate(PARAGRAPHS)]
    folder = _folder(DISCLAIMERS[:2]) + [[(f"x{i}", t)] for i, t in enumerate(fillers)]  # two of seven
    assert near_boilerplate(folder, min_docs=3, min_share=0.3, threshold=0.5) == set()
    assert near_boilerplate(folder, min_docs=2, min_share=0.25, threshold=0.5) == {"disc0", "disc1"}
    assert near_boilerplate(folder, min_docs=2, min_share=0.5, threshold=0.5) == set()


def test_only_blocks_of_modest_length_qualify() -> None:
    short = [[("s", "版權所有，翻印必究")] for _ in range(5)]  # verbatim, but under 20 characters
    long_text = "很長的段落。" * 130  # 650 characters without the full stops
    long = [[("l", long_text)] for _ in range(5)]
    assert near_boilerplate(short, 3, 0.3, 0.5) == set()
    assert near_boilerplate(long, 3, 0.3, 0.5) == set()
    assert near_boilerplate(long, 3, 0.3, 0.5, max_chars=800) == {"l"}
