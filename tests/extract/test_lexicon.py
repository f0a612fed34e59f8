from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from extract.lexicon import Lexicon, LexiconError, best_cover, latin_boundary_ok, make_view
from extract.records import EntityType


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return Lexicon.load()


def _found(lex: Lexicon, text: str) -> list[tuple[str, str]]:
    return [(h.alias, h.entry.name) for h in lex.find(text)]


def test_shipped_lexicon_is_large_and_consistent(lex: Lexicon) -> None:
    real = [e for e in lex.entries if not e.ignore]
    assert len(real) >= 300
    assert lex.conflicts == []
    assert {e.type for e in real} == set(EntityType)  # people.yaml: well-known people of the field


def test_data_sets_and_benchmarks_are_their_own_type(lex: Lexicon) -> None:
    for name in ("TMMLU+", "MMLU", "C-Eval", "GSM8K", "HumanEval", "MT-Bench", "ImageNet", "OntoNotes"):
        assert lex.lookup(name).type is EntityType.DATASET, name  # type: ignore[union-attr]
    assert lex.lookup("Chatbot Arena").type is EntityType.TOOL  # type: ignore[union-attr]  # a platform
    assert lex.lookup("BLEU").type is EntityType.CONCEPT  # type: ignore[union-attr]  # a metric
    assert lex.lookup("史丹佛問答資料集").name == "SQuAD"  # type: ignore[union-attr]
    hits = lex.find("我們在 CIFAR-10、CNN/DailyMail 與 tmmlu plus 上做了評測")
    assert [h.entry.name for h in hits if not h.entry.ignore] == [
        "CIFAR-10",
        "CNN/DailyMail",
        "TMMLU+",
    ]


def test_case_width_and_spacing_variants_match(lex: Lexicon) -> None:
    text = "我用 langchain、ＬａｎｇＧｒａｐｈ 和 bge large zh v1.5 做實驗"
    names = [n for _, n in _found(lex, text)]
    assert names == ["LangChain", "LangGraph", "bge-large-zh-v1.5"]
    for h in lex.find(text):
        assert text[h.start : h.end] == h.alias


def test_simplified_and_mainland_terms_match_traditional_entries(lex: Lexicon) -> None:
    names = {n for _, n in _found(lex, "大语言模型和向量数据库都很重要，检索增强生成也是")}
    assert names == {"大型語言模型", "向量資料庫", "檢索增強生成"}


def test_latin_word_boundaries(lex: Lexicon) -> None:
    assert _found(lex, "STORAGE 不是 RAG") == [("RAG", "檢索增強生成")]
    assert latin_boundary_ok("Breeze-7B-Instruct", 0, 9) is False
    assert latin_boundary_ok("用 Breeze-7B。", 2, 11) is True
    assert latin_boundary_ok("Llama 3.1", 0, 7) is False  # "Llama 3" inside "Llama 3.1"


def test_longest_cover_wins(lex: Lexicon) -> None:
    assert [n for _, n in _found(lex, "台灣的大型語言模型")] == ["大型語言模型"]
    assert best_cover([(0, 2, 2.0), (1, 7, 6.0), (7, 9, 2.0)]) == [1, 2]


def test_view_offsets_map_back() -> None:
    text = "Ａ-b c，大语言"
    v = make_view(text)
    assert v.view == "abc,大語言"  # NFKC folds the full-width comma too
    assert v.span(0, 3) == (0, 5)


def test_user_lexicon_adds_and_overrides(tmp_path: Path) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text(
        "type: TOOL\nentries:\n  - {name: 小林工具箱, aliases: [XiaoLin Toolbox]}\n"
        "  - {name: Ollama, type: CONCEPT}\nignore: [LangChain]\n",
        encoding="utf-8",
    )
    lex = Lexicon.load([f])
    assert lex.lookup("xiaolin toolbox").name == "小林工具箱"  # type: ignore[union-attr]
    assert lex.lookup("Ollama").type is EntityType.CONCEPT  # type: ignore[union-attr]
    assert lex.lookup("LangChain").ignore  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "content, message",
    [
        ("entries: [{aliases: [x]}]", "needs a 'name'"),
        ("entries: [{name: X, type: GADGET}]", "is not one of"),
        ("entries: {name: X}", "'entries' list"),
        (":\n  - [", "not valid YAML"),
    ],
)
def test_bad_user_lexicon_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError, match=message):
        Lexicon.load([f])


def test_missing_user_lexicon(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match="does not exist"):
        Lexicon.load([tmp_path / "nope.yaml"])


def test_traditional_lines_with_mainland_spelling_match_without_conversion(lex: Lexicon) -> None:
    # No Simplified character: the line is not converted; the extra automaton words match.
    names = {n for _, n in _found(lex, "我們的向量數據庫和圖數據庫都在台大，也在用人工智能")}
    assert {"向量資料庫", "圖資料庫", "台灣大學", "人工智慧"} <= names
    v = make_view("台灣的參數")
    assert v.view == "台灣的參數"  # Traditional text is folded, not converted


def test_only_lines_with_simplified_characters_are_converted() -> None:
    v = make_view("台灣的參數\n大语言模型的参数")
    assert v.view == "台灣的參數大語言模型的引數"  # second line: s2twp; the view drops "\n"
    assert v.span(5, 11) == (6, 12)


def test_best_cover_matches_weighted_interval_scheduling() -> None:
    import random

    def brute(spans: list[tuple[int, int, float]]) -> float:
        best = 0.0
        for mask in range(1 << len(spans)):
            chosen = [spans[i] for i in range(len(spans)) if mask >> i & 1]
            chosen.sort()
            if all(a[1] <= b[0] for a, b in itertools.pairwise(chosen)):
                best = max(best, sum(w - 1e-6 for _, _, w in chosen))
        return best

    rng = random.Random(3)
    for _ in range(300):
        spans = []
        for _ in range(rng.randint(0, 7)):
            s = rng.randint(0, 20)
            e = s + rng.randint(1, 6)
            spans.append((s, e, (e - s) * rng.choice([1.0, 1.1, 1.3])))
        got = best_cover(spans)
        picked = sorted(spans[i] for i in got)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(picked))
        assert abs(sum(w - 1e-6 for _, _, w in picked) - brute(spans)) < 1e-9
        assert got == sorted(got, key=lambda i: spans[i][0])  # text order
