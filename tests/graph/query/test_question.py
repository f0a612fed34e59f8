"""Question analysis: the kind of answer a question wants and the names it is about."""

from __future__ import annotations

import pytest

from graph.query.question import KINDS, analyse, question_kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("什麼是 Ferret？", "definition"),
        ("Ferret 是什麼？", "definition"),
        ("什么是字节对编码？", "definition"),
        ("What is Ferret?", "definition"),
        ("Ferret 支援哪些後端？", "list"),
        ("列出 Otter 的量化格式", "list"),
        ("Which backends does Ferret support?", "list"),
        ("Ferret 是由誰開發的？", "who"),
        ("Qwen 是哪家公司開發的？", "who"),
        ("Who develops Ferret?", "who"),
        ("Ferret 每秒可生成多少個 token？", "number"),
        ("Phi-2 有多少参数？", "number"),
        ("How many backends does Ferret have?", "number"),
        ("Ferret 是什麼時候發布的？", "when"),  # 「是什麼」 too, but the time word decides
        ("Ferret 是哪一年發布的？", "when"),
        ("When was Ferret released?", "when"),
        ("如何安裝 Ferret？", "how"),
        ("How do I install Ferret?", "how"),
        ("Otter 和 Ferret 有什麼差異？", "relation"),
        ("Otter 與 Ferret 是什麼關係？", "relation"),
        ("Ferret vs Otter", "relation"),
        ("哪些文件提到 Ferret？", "corpus"),
        ("這些文章整體在談什麼？", "corpus"),
        ("Which documents mention Ferret?", "corpus"),
        ("Ferret 很快", "other"),
    ],
)
def test_kinds(question: str, kind: str) -> None:
    assert question_kind(question) == kind
    assert analyse(question).kind == kind in KINDS


def test_list_words_that_are_not_documents_stay_lists() -> None:
    # 「組件」 is what is listed, and 「由哪些」 is not 「由哪(個單位)」.
    a = analyse("OpenVINO 由哪些主要組件組成？")
    assert a.kind == "list" and a.targets == ("OpenVINO",) and a.head == "組件"


@pytest.mark.parametrize(
    ("question", "targets", "head"),
    [
        ("什麼是 Microsoft Olive？", ("Microsoft Olive",), ""),
        ("Phi-3 家族有哪些變體？", ("Phi-3 家族",), "變體"),
        ("編碼器模型的典型代表有哪些？", ("編碼器模型",), "典型代表"),
        ("Otter 和 Ferret 有什麼差異？", ("Otter", "Ferret"), ""),
        ("哪些文件提到 OpenVINO？", ("OpenVINO",), ""),
        ("What is Llama.cpp?", ("Llama.cpp",), ""),
        (
            "Which tasks are best suited to sequence-to-sequence models?",
            ("sequence-to-sequence models",),
            "tasks",
        ),
    ],
)
def test_targets_and_head(question: str, targets: tuple[str, ...], head: str) -> None:
    a = analyse(question)
    assert a.targets == targets
    assert a.head == head


def test_number_unit_script_and_language() -> None:
    a = analyse("Phi-3-mini 有多少參數？")
    assert a.kind == "number" and a.unit == "參數" and a.targets == ("Phi-3-mini",)
    simplified = analyse("什么是字节对编码？")
    assert simplified.targets == ("字节对编码",)  # kept in its own script; matching folds script
    assert analyse("What is Ferret?").english and not analyse("什麼是 Ferret？").english
