from __future__ import annotations

import itertools

from extract.patterns import (
    find_chinese_terms,
    find_latin_names,
    find_latin_phrases,
    find_plain_latin_words,
    masked_spans,
    variant_family,
)
from extract.persons import find_persons
from extract.records import EntityType


def _latin(text: str) -> dict[str, tuple[str, EntityType]]:
    return {text[h.start : h.end]: (h.pattern, h.type) for h in find_latin_names(text)}


def test_ollama_tags() -> None:
    found = _latin("執行 llama3.1:70b-instruct-fp16 或 qwen2.5:7b 即可")
    assert found["llama3.1:70b-instruct-fp16"] == ("ollama-tag", EntityType.MODEL)
    assert found["qwen2.5:7b"] == ("ollama-tag", EntityType.MODEL)


def test_hugging_face_ids_use_the_repo_name_as_key() -> None:
    hits = [h for h in find_latin_names("下載 BAAI/bge-large-zh-v1.5 模型") if h.pattern == "hf-id"]
    assert len(hits) == 1 and hits[0].key_text == "bge-large-zh-v1.5"
    assert not [h for h in find_latin_names("支援 PDF/Word 檔") if h.pattern == "hf-id"]


def test_versioned_and_camelcase_names() -> None:
    found = _latin("GPT-4o 與 Qwen2.5 比較，另外 LangGraph 和 PyTorch 也用到了")
    assert found["GPT-4o"][0] == "versioned"
    assert found["Qwen2.5"][0] == "versioned"
    assert found["LangGraph"] == ("camelcase", EntityType.TOOL)
    assert found["PyTorch"] == ("camelcase", EntityType.TOOL)


def test_name_with_version_and_size() -> None:
    found = _latin("Meta 發布 Llama 3.1 405B 與 Gemma 2，RTX 4090 也夠用")
    assert found["Llama 3.1 405B"] == ("name-version", EntityType.MODEL)
    assert found["Gemma 2"] == ("name-version", EntityType.MODEL)
    assert found["RTX 4090"][1] is EntityType.HARDWARE


def test_sizes_units_and_quant_tags_are_not_names() -> None:
    found = _latin("8B 與 70B，24 GB，Q4_K_M，v1.5，x2")
    assert found == {}


def test_plain_latin_words_need_chinese_context() -> None:
    hits = find_plain_latin_words("預設使用 Weaviate，也可以改成 Qdrant。This Sentence Is English.")
    assert [h for h in hits] and {"Weaviate", "Qdrant"} == {
        "預設使用 Weaviate，也可以改成 Qdrant。"[h.start : h.end] for h in hits
    }


def test_chinese_terms_start_after_function_words() -> None:
    text = "我們使用了知識蒸餾，也做了語音辨識。"
    terms = {text[h.start : h.end] for h in find_chinese_terms(text)}
    assert "知識蒸餾" in terms
    assert "語音辨識" in terms
    assert not any(t.startswith(("了", "做")) for t in terms)


def test_a_verb_bound_to_a_prefix_stays_in_the_term() -> None:
    text = "我們先用預訓練模型，再做後訓練量化；他們開始訓練模型。"
    terms = {text[h.start : h.end] for h in find_chinese_terms(text)}
    assert {"預訓練模型", "後訓練量化"} <= terms
    assert not any(t.startswith(("開始", "始訓")) or t == "訓練模型" for t in terms), terms


def test_message_agent_and_search_heads_make_terms() -> None:
    text = "先設定系統訊息，再交給寫作代理；它會呼叫語意搜尋。"
    terms = {text[h.start : h.end] for h in find_chinese_terms(text)}
    assert {"系統訊息", "寫作代理", "語意搜尋"} <= terms
    assert not any(t.startswith(("設定", "交給", "呼叫")) for t in terms), terms


def test_chinese_org_heads() -> None:
    text = "感謝，國立陽明交通大學的團隊"
    hits = [h for h in find_chinese_terms(text) if h.type is EntityType.ORG]
    assert [text[h.start : h.end] for h in hits] == ["國立陽明交通大學"]


def test_persons_by_cue_and_later_occurrences() -> None:
    text = "講者：林怡君\n今天由陳志明分享。林怡君說明了流程。"
    names = [text[h.start : h.end] for h in find_persons(text)]
    assert names.count("林怡君") == 2
    assert "陳志明" in names
    assert all(h.type is EntityType.PERSON for h in find_persons(text))


def test_variant_family() -> None:
    assert variant_family("llama3.1:70b-instruct-fp16") == "llama3.1"
    assert variant_family("Llama 3.1 405B") == "Llama 3.1"
    assert variant_family("Breeze-7B-Instruct-v1_0") == "Breeze-7B"
    assert variant_family("GPT-4o") == ""
    assert variant_family("BAAI/bge-m3") == ""


def test_masked_spans_cover_urls_and_code() -> None:
    text = (
        "看 https://docs.dify.ai/guide 或寄信 a.b@example.com\nmodel = AutoModel.from_pretrained(x)\n中文行"
    )
    spans = masked_spans(text)
    covered = "".join(text[s:e] for s, e in spans)
    assert "docs.dify.ai" in covered and "example.com" in covered and "AutoModel" in covered
    assert "中文行" not in covered


def test_name_version_needs_a_version_or_size() -> None:
    found = _latin("Gemma 2B 與 Mistral 7B，Phi 3.5 也不錯，但 Llama 不算")
    assert found["Gemma 2B"][0] == "name-version"
    assert found["Phi 3.5"][0] == "name-version"
    assert "Llama" not in found


def test_latin_tokens_start_at_word_starts() -> None:
    text = "路徑 foo/LangGraph 與 xLangGraph，但 LangGraph 是名字"
    starts = {text[h.start : h.end]: h.start for h in find_latin_names(text)}
    assert starts == {"xLangGraph": text.index("xLangGraph"), "LangGraph": text.rindex("LangGraph")}


def test_org_suffix_names() -> None:
    text = "感謝 Meta AI Research 與 Mistral AI 提供模型"
    known = {"Meta": EntityType.ORG, "Mistral AI": EntityType.ORG}
    hits = [h for h in find_latin_phrases(text, known.get) if h.type is EntityType.ORG]
    assert [text[h.start : h.end] for h in hits] == ["Meta AI Research"]


def test_masked_spans_find_emails_and_paths_and_merge_overlaps() -> None:
    text = "寄到 張三.dev+x@mail.example.org 或看 docs/guide/setup.md\n網址 https://a.b/c@d.e/x.md 結束"
    spans = masked_spans(text)
    covered = [text[s:e] for s, e in spans]
    assert "張三.dev+x@mail.example.org" in covered
    assert "docs/guide/setup.md" in covered
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))  # merged, sorted
    assert masked_spans("純中文句子，沒有網址。") == []


def test_an_english_label_with_a_parenthesis_is_not_a_code_line() -> None:
    text = "**macOS (Homebrew):**\nPhi-4 (14B) on Windows\nmodel.generate(ids)\nrun()"
    covered = "".join(text[s:e] for s, e in masked_spans(text))
    assert "Homebrew" not in covered and "Phi-4" not in covered
    assert "generate" in covered and "run" in covered
