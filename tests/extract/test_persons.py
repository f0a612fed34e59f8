"""Person names: Chinese names by cue and in lists, Latin names, the people list, later mentions."""

from __future__ import annotations

import pytest

from extract.extractor import Extractor, ExtractorConfig
from extract.lexicon import Lexicon
from extract.persons import find_persons
from extract.records import Chunk, DocExtraction, Document, EntityType


def names(text: str) -> list[str]:
    return [text[h.start : h.end] for h in find_persons(text)]


def keys(text: str) -> dict[str, set[str]]:
    """Surface → key texts (the surface itself when the hit has no key text of its own)."""
    out: dict[str, set[str]] = {}
    for h in find_persons(text):
        surface = text[h.start : h.end]
        out.setdefault(surface, set()).add(h.key_text or surface)
    return out


# --- Chinese names ------------------------------------------------------------------------------


def test_chinese_name_with_a_title_before_or_after() -> None:
    assert names("資訊工程系助研究員許雅涵今天示範了標註流程。") == ["許雅涵"]
    assert names("這門課由鄭宇翔教授與林佳蓉老師共同開設。") == ["鄭宇翔", "林佳蓉"]
    assert names("主持人曾子晴先請大家自我介紹。") == ["曾子晴"]
    assert all(h.type is EntityType.PERSON for h in find_persons("林佳蓉老師來了"))


def test_chinese_name_before_a_verb_of_attribution() -> None:
    assert names("鄭宇翔指出資料的品質比數量重要。") == ["鄭宇翔"]
    assert names("最後王小明表示下一次會再更新。") == ["王小明"]


def test_a_surname_with_a_title_alone_is_not_a_name() -> None:
    assert names("陳老師說明了作業的繳交方式。") == []
    assert names("李教授表示會再討論。") == []
    assert names("謝謝黃博士的建議。") == []


def test_given_name_length_is_cut_at_the_next_word() -> None:
    assert names("講者陳明在會後回答問題。") == ["陳明"]
    assert names("講師蔡承恩的投影片") == ["蔡承恩"]


def test_colon_cue_introduces_a_list_of_names() -> None:
    assert names("主講人：蔡承恩、謝欣妤（清大資工）") == ["蔡承恩", "謝欣妤"]
    assert names("作者：楊子儀 / 2025-01-05") == ["楊子儀"]


def test_names_listed_under_a_heading() -> None:
    body = (
        "講師介紹\n蔡承恩（交大資工）\n謝欣妤 博士\n楊子儀 | 成大電機\n"
        "接下來的段落是一般的說明文字，不是名單的一部分，所以不應該被當成講師。"
    )
    assert names(body) == ["蔡承恩", "謝欣妤", "楊子儀"]
    body = "## 貢獻者\n- 何冠霖\n- 歐陽靖雯\n- Tomasz Wrzosek\n"
    assert names(body) == ["何冠霖", "歐陽靖雯", "Tomasz Wrzosek"]
    assert {h.pattern for h in find_persons(body)} == {"person-list", "person-latin"}


def test_a_heading_without_names_after_it_finds_nothing() -> None:
    assert names("致謝\n感謝所有參與測試的朋友，以及提供意見的社群。") == []


def test_common_words_are_not_names() -> None:
    text = (
        "張量的形狀說明如下。陳述句的介紹。林業局指出。高效能說明。王道指出。方法說明。"
        "周期性說明。程式碼說明。黃金比例介紹。講者：方法論"
    )
    assert names(text) == []


def test_simplified_script_names() -> None:
    assert names("讲者：刘思远，主持人：黄诗涵") == ["刘思远", "黄诗涵"]


def test_a_name_is_found_at_every_later_occurrence() -> None:
    text = "講者：蔡承恩\n今天的主題由蔡承恩帶來。會後蔡承恩也回答了問題。"
    assert names(text).count("蔡承恩") == 3


# --- Latin names ----------------------------------------------------------------------------------


def test_latin_names_with_known_first_and_last_names() -> None:
    assert names("我們參考了 Olivia Bennett 與 Daniel Fischer 的筆記。") == [
        "Olivia Bennett",
        "Daniel Fischer",
    ]


def test_latin_names_with_a_person_cue() -> None:
    assert names("這個方法由 Tomasz Wrzosek 提出。") == ["Tomasz Wrzosek"]
    assert names("作者: Ingrid Vasquetti") == ["Ingrid Vasquetti"]
    assert names("Vaswani et al. 提出了新的架構。") == ["Vaswani"]


def test_a_role_heading_the_clause_after_a_name_is_a_cue() -> None:
    assert names("Ingrid Vasquetti 是 Contoso 的資深工程師，負責推論服務。") == ["Ingrid Vasquetti"]
    assert names("蔡承恩是交大資工的研究員，專長是語音辨識。") == ["蔡承恩"]
    assert names("Zephyr Codex 是專為工程師打造的平台。這個方法是工程師最常用的。") == []


def test_a_bio_of_the_given_name_makes_the_full_name_a_person() -> None:
    # Speaker pages: the full name heads a talk, the bio below names the speaker by the given name.
    text = "**Zorven Qualtrix:** *用開源工具協作*\n\nZorven 是 Contoso 的機器學習工程師，參與許多專案。\n"
    assert "Zorven Qualtrix" in names(text)
    # Without the bio the same line names no one the name lists cannot vouch for.
    assert names("**Zorven Qualtrix:** *用開源工具協作*\n") == []
    # A product presented by a clause about it is no bio: 平台 is no role.
    assert names("Zorven Codex 上線了。\n\nZorven 是專為工程師打造的平台。\n") == []


def test_a_name_opening_a_line_before_a_colon_is_a_weak_cue() -> None:
    # A known given name and a family name rare enough for a cue, not for none (Ashby: Zipf 2.96).
    # Markup before the name (bold, a bullet) does not stop the line from opening with it.
    assert names("**Oskar Ashby：** 部署經驗分享\n") == ["Oskar Ashby"]
    assert names("- Oskar Ashby: 部署經驗分享\n") == ["Oskar Ashby"]
    assert names("我們和 Oskar Ashby 一起部署。") == []


def test_romanised_chinese_names() -> None:
    assert names("Chia-Hao Tsai 與 Kaiming He 的論文") == ["Chia-Hao Tsai", "Kaiming He"]


def test_family_name_later_is_the_same_person() -> None:
    found = keys("Yann LeCun 認為自監督學習很重要。後來 LeCun 又補充了一點。")
    assert found == {"Yann LeCun": {"Yann LeCun"}, "LeCun": {"Yann LeCun"}}
    found = keys("Olivia Bennett 說明了做法，Bennett 也提到缺點。")
    assert found == {"Olivia Bennett": {"Olivia Bennett"}, "Bennett": {"Olivia Bennett"}}


def test_a_family_name_shared_by_two_people_names_neither() -> None:
    assert names("Fei-Fei Li 與 Mu Li 都提過。Li 認為…") == ["Fei-Fei Li", "Mu Li"]


@pytest.mark.parametrize(
    "text",
    [
        "用 Foundry Local 在本機跑模型",
        "Semantic Kernel 的外掛",
        "部署到 Windows Server 與 Azure Functions",
        "把 Max Tokens 設小一點，再加上 Max Pooling",
        "用 Ray Serve 提供服務，Claude Code 寫程式",
        "NVIDIA Grace Hopper 與 Vera Rubin 平台",
        "由 Foundry Local 提供",
    ],
)
def test_product_names_are_not_persons(text: str) -> None:
    assert names(text) == []


# --- the people list and the extractor --------------------------------------------------------------


@pytest.fixture(scope="module")
def ex() -> Extractor:
    return Extractor(ExtractorConfig())


def run(ex: Extractor, body: str) -> DocExtraction:
    doc = Document("d1", "x.md", "g", "t", body, "h", "utf-8", len(body.encode()))
    (res,) = ex.extract_many([(doc, [Chunk("c0", "d1", 0, body, 0, len(body))])])
    return res


def persons(res: DocExtraction) -> list[tuple[str, str, str]]:
    return [(m.surface, m.key, m.canonical) for m in res.mentions if m.type is EntityType.PERSON]


def test_people_list_is_part_of_the_lexicon() -> None:
    lex = Lexicon.load()
    hinton = lex.lookup("Hinton")
    assert hinton is not None and hinton.type is EntityType.PERSON and hinton.name == "Geoffrey Hinton"
    assert lex.lookup("李宏毅").name == "Hung-yi Lee"  # type: ignore[union-attr]
    for common in ("Li", "Ng", "He", "Lee", "Wang", "Lin", "Su", "Huang", "Chen"):
        assert lex.lookup(common) is None, common  # a common surname alone names nobody


def test_extractor_finds_people_of_every_kind(ex: Extractor) -> None:
    body = (
        "講師介紹\n蔡承恩（交大資工）\n謝欣妤 博士\n"
        "本週讀書會由林佳蓉老師帶領，討論 Yann LeCun 對自監督學習的看法。"
        "後來 LeCun 又補充了一點，Hinton 也有類似的說法。Andrew Ng 的課程提到，Ng 建議先看資料。"
    )
    found = persons(run(ex, body))
    surfaces = [s for s, _, _ in found]
    assert surfaces == ["蔡承恩", "謝欣妤", "林佳蓉", "Yann LeCun", "LeCun", "Hinton", "Andrew Ng", "Ng"]
    canon = {s: c for s, _, c in found}
    assert canon["Yann LeCun"] == canon["LeCun"] == "Yann LeCun"
    assert canon["Hinton"] == "Geoffrey Hinton"
    by_surface = {s: k for s, k, _ in found}
    assert by_surface["Ng"] == by_surface["Andrew Ng"]  # one key: the resolver makes one node


def test_extractor_does_not_make_products_persons(ex: Extractor) -> None:
    body = (
        "用 Foundry Local 跑模型，搭配 Semantic Kernel、Windows Server 與 Azure Functions。陳老師說明了做法。"
    )
    assert persons(run(ex, body)) == []


def test_extractor_links_a_later_family_name_of_an_unknown_person(ex: Extractor) -> None:
    body = "Olivia Bennett 提出了新方法，之後 Bennett 又改進它。Bennett 的框架很好用。"
    found = persons(run(ex, body))
    assert [s for s, _, _ in found] == ["Olivia Bennett", "Bennett", "Bennett"]
    assert len({k for _, k, _ in found}) == 1


def test_a_two_character_name_is_not_found_inside_a_longer_name() -> None:
    assert names("講者陳明在會中分享，陳明德則負責主持。陳明說完了。") == ["陳明", "陳明"]
