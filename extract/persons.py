"""Person names: Chinese names introduced by a cue, Latin-script personal names, known people.

Chinese has no spaces and no capital letters, so a Chinese name is only taken where the
text says it is one:

* a title or role right before or after it (「助研究員周俊廷」「林怡君老師」),
* a verb of attribution right after it (「王小明指出」),
* a colon cue (「講者：林怡君、陳志明」), or
* an item of a list or table under a heading or lead-in that announces people
  (「講師介紹」「貢獻者」「致謝」…; in a cleaned body each item is a line of its own).

A candidate is a surname from :data:`SURNAMES` (or a compound surname such as 歐陽 or 張簡)
and a given name of one or two Han characters; it is rejected when one of its characters
cannot be part of a given name (function words, verb and measure characters) or when it
reads as an everyday word (``wordfreq``'s Chinese frequencies: 陳述, 林業, 高效, 方法).
A two-character name (surname + one character) needs a strong cue, and a surname with a
title alone (「陳老師」「李教授」) is not a name at all.

Latin-script names (``Andrej Karpathy``, ``Yann LeCun``, ``Hung-yi Lee``) are title-case
runs of two to four words that read as given name + family name: the given name is in the
first-name lists of Faker's locales (or is a romanised Chinese given name before a romanised
Chinese surname), and the family name is a known surname, or a rare word next to a person
cue (作者, 教授, by, et al., 提出…). A word of the shipped domain lexicon (``Claude``,
``Ray``) or an everyday English word as family name (``Foundry Local``, ``Max Tokens``)
never makes a person. Well-known people of the field are listed in
``extract/lexicon/people.yaml``; that list is part of the lexicon and also tells this module
which full names are people.

Once a person is found in a document, every later occurrence of the full name, and of the
family name alone (``LeCun``), is a mention of that person with the full name's key.

Word lists are loaded once, lazily (:func:`warm` loads them before worker processes fork).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import import_module
from typing import TYPE_CHECKING

import ahocorasick
import yaml

from extract.commonwords import simplified, zipf_en, zipf_zh
from extract.normalize import HAN, match_key
from extract.patterns import ENGLISH_STOP, PatternHit
from extract.records import EntityType

if TYPE_CHECKING:
    from extract.lexicon import Lexicon

log = logging.getLogger(__name__)


def _with_simplified(words: Iterable[str]) -> tuple[str, ...]:
    """``words`` and their Simplified spellings (講者 → 讲者): documents come in either script."""
    words = tuple(words)
    simple = simplified("\n".join(words)).split("\n")
    return tuple(dict.fromkeys([*words, *(s for s in simple if s)]))


# --- Chinese names --------------------------------------------------------------------------------

SURNAMES = (
    "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周徐蘇葉莊呂江何蕭羅高潘簡朱鍾游彭詹胡施沈余盧梁趙顏柯翁魏"
    "孫戴范方宋鄧杜傅侯曹薛丁卓阮馬董温溫唐藍石蔣古紀姚連馮歐程湯黄田康姜白汪鄒尤巫鐘黎涂凃龔嚴韓袁金"
    "童陸夏柳邵錢丘于任伍俞倪凌孔孟尹岳崔殷熊秦畢盛祝穆翟耿聶舒莫葛蒲裴褚覃譚賀賈辛辜邢郝鄔闕陶雷韋顧"
    "饒駱魯鮑麥齊龍毛梅樊粘繆"
    # Simplified forms, for documents written in Simplified script.
    "陈张刘杨吴赵孙马罗郑谢许韩冯邓叶苏吕卢钟谭陆贾韦邹闫龙贺顾龚钱严汤蒋"
)
COMPOUND_SURNAMES = tuple(
    """
    歐陽 司馬 諸葛 上官 張簡 范姜 張廖 司徒 東方 夏侯 皇甫 公孫 慕容 長孫 宇文
    令狐 端木 南宮 尉遲 鍾離 軒轅 欧阳 司马 诸葛 张简
    """.split()  # noqa: SIM905
)
_SURNAME_SET = frozenset(SURNAMES)
_COMPOUND_SET = frozenset(COMPOUND_SURNAMES)

# Titles and roles: before a name (「教授林怡君」) or after it (「林怡君教授」).
TITLES = tuple(
    """
    助理教授 副教授 客座教授 講座教授 名譽教授 教授 助研究員 副研究員 研究員 博士後
    博士生 博士 碩士生 研究生 老師 講師 講者 主講人 主講 與談人 主持人 作者 譯者
    資深工程師 工程師 架構師 科學家 共同創辦人 創辦人 執行長 技術長 總經理 董事長
    副總 總監 產品經理 專案經理 經理 系主任 主任 院長 所長 校長 處長 組長 顧問
    研究助理 助理 設計師 分析師 醫師 律師 教練 記者 主編 總編輯 編輯 站長 版主
    社長 會長 理事長 秘書長 委員 志工 義工 實習生 同學 先生 女士 小姐
    """.split()  # noqa: SIM905
)
TITLES = _with_simplified(TITLES)
# Titles that follow a name but never introduce one (「王小明先生」, not 「先生王小明」).
_AFTER_ONLY = frozenset(_with_simplified(("先生", "女士", "小姐")))
# Verbs of attribution after a name (「王小明指出」); 等人 ends a name list (「何愷明等人提出」).
VERBS = tuple(
    """
    表示 指出 認為 分享 提到 介紹 說明 提出 強調 解釋 補充 示範 談到 撰寫 整理
    等人
    """.split()  # noqa: SIM905
)
VERBS = _with_simplified(VERBS)
# A colon after these introduces names (「講者：林怡君」「作者: Andrej Karpathy」).
COLON_CUES = tuple(
    """
    作者 講者 主講人 主講 講師 分享者 分享人 撰文 撰稿 編輯 譯者 翻譯 主持人
    主持 報告人 與談人 貢獻者 指導教授 指導老師 記錄 紀錄
    """.split()  # noqa: SIM905
)
COLON_CUES = _with_simplified(COLON_CUES)
# Words before a name that make it one only when the name then ends cleanly (「感謝陳志明協助」).
LEFT_CUES = _with_simplified(("特別感謝", "感謝", "謝謝", "邀請到", "邀請", "請到", "由"))
# Heading or lead-in words of a list of people (「講師介紹」「貢獻者名單」「致謝：」).
LIST_HEADS = (
    *"""
    講師 講者 主講 與談人 主持人 作者 貢獻者 貢獻 團隊成員 成員 工作人員 致謝
    鳴謝 感謝 譯者 編輯 審稿 指導教授 指導老師 評審 導師 顧問 維護者
    """.split(),  # noqa: SIM905
    *"""
    contributors contributor authors author speakers speaker acknowledgements acknowledgments
    credits maintainers instructors
    """.split(),  # noqa: SIM905
    "team members",
)
LIST_HEADS = _with_simplified(LIST_HEADS)


def _alt(words: Iterable[str]) -> str:
    return "|".join(sorted(set(words), key=len, reverse=True))


_TITLE_SET = frozenset(TITLES)
_COLON, _TITLE, _VERB, _LEFT, _HEAD, _IS = 1, 2, 4, 8, 16, 32
_IS_WORDS = _with_simplified(("是", "為", "擔任", "現任", "曾任"))
_COLON_AFTER = re.compile(r"[^\S\n]*[：:]")


@lru_cache(maxsize=1)
def _cue_automaton() -> ahocorasick.Automaton:
    """Every cue word (value: word length and kind bits), for one pass over a document."""
    kinds: dict[str, int] = {}
    for words, bit in ((COLON_CUES, _COLON), (TITLES, _TITLE), (VERBS, _VERB), (LEFT_CUES, _LEFT)):
        for w in words:
            kinds[w] = kinds.get(w, 0) | bit
    for w in LIST_HEADS:  # English heads in the cases a heading writes them (Contributors, CONTRIBUTORS)
        for form in {w, w.capitalize(), w.title(), w.upper()} if w.isascii() else {w}:
            kinds[form] = kinds.get(form, 0) | _HEAD
    for w in _IS_WORDS:
        kinds[w] = kinds.get(w, 0) | _IS
    automaton = ahocorasick.Automaton()
    for w, bits in kinds.items():
        automaton.add_word(w, (len(w), bits))
    automaton.make_automaton()
    return automaton


def _cues(text: str) -> list[tuple[int, int, int]]:
    """(start, end, kind bits) of the cue words of ``text``: leftmost-longest, not overlapping."""
    found = sorted(((end - n + 1, end + 1, bits) for end, (n, bits) in _cue_automaton().iter(text)),
                   key=lambda c: (c[0], -c[1]))  # fmt: skip
    out: list[tuple[int, int, int]] = []
    reach = -1
    for start, end, bits in found:
        if start >= reach:
            out.append((start, end, bits))
            reach = end
    return out


_TITLE_OR_VERB = re.compile(f"(?:{_alt([*TITLES, *VERBS])})")
# Verbs that often follow a name: a name before them ends cleanly (「感謝陳志明協助校稿」).
_NEXT_VERB = re.compile(
    _alt(
        _with_simplified(
            """
            協助 提供 負責 帶領 主持 指導 參與 審閱 校對 翻譯 設計
            開發 維護 貢獻 發起 創立 成立 報告 演講 上台 回答 回覆
            """.split()  # noqa: SIM905
        )
    )
)
_HAN_CHAR = re.compile(f"[{HAN}]")

# Characters that are not part of a given name: function words, pronouns, verbs and measure
# words of the prose around names, and morphemes of technical terms (…量, …式, …碼, …化).
_NON_NAME = (
    "的了是在和與及或把將讓從對用以為被給向於並而且也都就再先來去到要會能這那其此每各該些個種很更最太"
    "還又只但卻做讀問說看找請使叫稱有沒不幫跟同等靠拿所即便當則因我你他她它們您咱某任何者之乎呢嗎吧啊"
    "喔哦嗯呀哪啥誰一二三四五六七八九十百千萬億兩第幾多少半量式型法性化率度數值碼檔案表圖例題項類層器"
    "機體庫統序端點線框鍵欄頁件具術效果版格範參設係詞句段篇章節課程網路資料訊號述業道期論組模訓練測試"
    "驗證評估部署執行運算處理分析老師教授員長主姐上下內外前後左右裡間時年週、，。；：！？「」『』（）"
    "()《》〈〉"
)
NON_NAME_CHARS = frozenset("".join(_with_simplified(_NON_NAME)))
# A name ends before these (「講者陳明在會中…」): particles, conjunctions, light verbs.
_AFTER_NAME_CHARS = "的在是和與及跟等也則就說於將以為對已曾從帶來負擔所、，。；：！？「」（）()《》〈〉|｜/"
# What may stand right before a two-character name (「由王明主講」「感謝陳明老師」).
_LEFT_OF_NAME = frozenset("".join(_with_simplified("的由和與及跟請向是讓被給對把將在為說謝到邀")))
_AFTER_NAME = frozenset("".join(_with_simplified(_AFTER_NAME_CHARS)))
# What may come after the name of a list item or a colon cue before the next name.
_LIST_SEP = re.compile(r"[^\S\n]*(?:[、，,;；/／&＆]|和|與|及|以及|and)[^\S\n]*")
_PAREN = re.compile(r"[^\S\n]*[（(][^）)\n]{0,40}[）)]")
_ITEM_MARK = re.compile(r"[^\S\n]*(?:[-*+•·▪‧●○◦]|\d{1,3}[.)、]|[（(]\d{1,3}[）)])?[^\S\n]*")


def _surname_len(name: str) -> int:
    """Length of the surname ``name`` starts with (compound first), 0 when it starts with none."""
    if name[:2] in _COMPOUND_SET and len(name) >= 3:
        return 2
    return 1 if name[:1] in _SURNAME_SET else 0


def _zh_name_ok(name: str, strong: bool) -> bool:
    """Whether ``name`` (surname + given name, all Han) can be a person's full name.

    ``strong``: the cue leaves no doubt that a name is there (a title next to it, a colon
    cue, a list of people); a two-character name needs one.
    """
    sur = _surname_len(name)
    given = name[sur:]
    if sur == 0 or not 1 <= len(given) <= 2 or not all(_HAN_CHAR.match(c) for c in name):
        return False
    if any(c in NON_NAME_CHARS for c in given) or given in _TITLE_SET:
        return False
    if len(given) == 1:  # 王明: rare and easily a word (方法, 高效, 林業)
        return strong and sur == 1 and zipf_zh(name) == 0.0
    if zipf_zh(name) >= 3.3 or (given[0] != given[1] and zipf_zh(given) >= 3.5):  # 方法論, 張量化 (量化)
        return False  # (a doubled given name, 娜娜, is a common nickname and still a name)
    # Surname + first given character as an everyday word (高效能, 周期性, 陳述句).
    return not (sur == 1 and zipf_zh(name[:2]) >= (4.7 if strong else 3.2))


def _name_before(text: str, end: int, strong: bool) -> tuple[int, int] | None:
    """A Chinese name ending at ``end`` (before a title or verb), longest first."""
    for length in (4, 3, 2):
        start = end - length
        if start < 0:
            continue
        cand = text[start:end]
        sur = _surname_len(cand)
        if sur == 0 or not 1 <= length - sur <= 2:
            continue
        given = cand[sur:]
        if given in _TITLE_SET or _TITLE_OR_VERB.match(given):
            return None  # 陳老師, 李教授: a surname with a title is not a full name
        if len(given) == 1 and (
            given in _SURNAME_SET  # 謝謝黃博士: 黃博士 is a surname with a title
            or (start > 0 and _HAN_CHAR.match(text[start - 1]) and text[start - 1] not in _LEFT_OF_NAME)
        ):
            continue  # a two-character name must start where a word can (工程系助研究員 is no 程系)
        if _zh_name_ok(cand, strong):
            return start, end
    return None


def _name_after(text: str, start: int, strong: bool, need_end: bool) -> tuple[int, int] | None:
    """A Chinese name starting at ``start`` (after a title or cue).

    A three-character name is preferred; it gives way to two characters when its last
    character begins a verb or title or cannot be in a name. ``need_end``: the name must be
    followed by a clean end (punctuation, a particle, a title or verb, end of line).
    """
    sur = (
        2
        if text[start : start + 2] in _COMPOUND_SET
        else (1 if text[start : start + 1] in _SURNAME_SET else 0)
    )
    if sur == 0:
        return None
    for given_len in (2, 1):
        end = start + sur + given_len
        name = text[start:end]
        if len(name) < sur + given_len or not all(_HAN_CHAR.match(c) for c in name[sur:]):
            continue
        last = start + sur + given_len - 1
        if given_len == 2 and (text[last] in NON_NAME_CHARS or _TITLE_OR_VERB.match(text, last)):
            continue
        clean = end >= len(text) or not _HAN_CHAR.match(text[end]) or text[end] in _AFTER_NAME
        clean = clean or bool(_TITLE_OR_VERB.match(text, end)) or bool(_NEXT_VERB.match(text, end))
        if (need_end or given_len == 1) and not clean:
            continue
        if _zh_name_ok(name, strong):
            return start, end
    return None


# --- Latin-script names ---------------------------------------------------------------------------

_UP = "A-ZÀ-ÖØ-ÞĀ-ɏ"
_LOW = "a-zß-öø-ÿĀ-ɏ"
_WORD = rf"[{_UP}][{_LOW}]*(?:['’][{_UP}])?[{_LOW}]+(?:[A-Z][{_LOW}]+)?(?:-[{_UP}{_LOW}][{_LOW}]+)*"
PARTICLES = (
    "van",
    "von",
    "de",
    "der",
    "den",
    "da",
    "di",
    "du",
    "del",
    "della",
    "le",
    "la",
    "bin",
    "al",
    "ten",
    "ter",
)
_RUN = re.compile(
    rf"[{_UP}](?<![A-Za-z0-9_.\-/@:+#'’{_LOW}][{_UP}])[{_LOW}]*(?:['’][{_UP}])?[{_LOW}]+(?:[A-Z][{_LOW}]+)?(?:-[{_UP}{_LOW}][{_LOW}]+)*"
    rf"(?:[ \u00a0](?:[A-Z]\.|(?:{'|'.join(PARTICLES)})(?= )|{_WORD}))+"
    rf"(?![A-Za-z0-9_\-/@+#{_LOW}]|\.[A-Za-z0-9])"
)
_SINGLE = re.compile(
    rf"[{_UP}](?<![A-Za-z0-9_.\-/@:+#'’{_LOW}][{_UP}])[{_LOW}]*(?:['’][{_UP}])?[{_LOW}]+(?:[A-Z][{_LOW}]+)?(?:-[{_UP}{_LOW}][{_LOW}]+)*"
    r"(?=[^\S\n]*(?:et al\b|等人))"
)
_INITIAL = re.compile(r"^[A-Z]\.$")
_HONORIFICS = frozenset({"Prof", "Professor", "Dr", "Mr", "Mrs", "Ms", "Sir", "Dame"})
# Person cues around a Latin name. Strong: a word that says "person" (作者, 教授, by, et al.) or a
# role that heads the clause after the name (「… 是 Hugging Face 的機器學習工程師，」); weak: the name
# opening a line before a colon (a speaker in a programme: 「Thomas Wolf：遷移學習…」).
_CUE_BEFORE = re.compile(
    r"(?:作者|講者|講師|主講人?|教授|博士|研究員|科學家|學者|研究者|創辦人|執行長|工程師|之父|之母|感謝|由|"
    r"\bby|\bBy|Prof\.?|Dr\.?|[Pp]rofessor|[Rr]esearchers?|[Ss]cientists?|[Ff]ounder|CEO|[Aa]uthors?|"
    r"[Ss]peakers?|Mr\.|Mrs\.|Ms\.)[^\S\n]*(?:[：:,，]|=[^\S\n]*[{\"]?)?[^\S\n]*$"
)
_CUE_AFTER = re.compile(
    r"^[^\S\n]*(?:et al\b|等人|教授|博士|老師|表示|指出|認為|分享|提到|介紹|說明|提出|發表|強調|寫道|"
    r"的論文|在論文|said\b|says\b|wrote\b|proposed\b|argues\b|explains\b|[（(]\d{4}[)）]|, ?\d{4}\b)"
)
ROLE_WORDS = tuple(
    """
    工程師 研究員 科學家 創始人 創辦人 教授 執行長 技術長 講師 作者 倡導者 布道師 經理 研究生 博士生
    學生 成員 負責人 維護者 開發者 貢獻者 主任 總監 顧問 架構師 設計師 分析師 顧問 記者 編輯 老師
    執行官 首席執行官
    """.split()  # noqa: SIM905
)
ROLE_WORDS = _with_simplified(ROLE_WORDS)
# The role is the head of the clause (「… 是 Hugging Face 的一名研究工程師，」), not a word inside it
# (「… 是給開發者的工具」).
_ROLE_END = r"(?=[，。；、！？,.;:：\s]|之一|$)"
_ROLE_AFTER = re.compile(
    rf"^[^\S\n]*(?:{_alt(_IS_WORDS)})[^，。；！？\n]{{0,30}}?(?:{_alt(ROLE_WORDS)}){_ROLE_END}"
    r"|^[^\S\n]*(?:is|was) (?:an?|the) [^.,;\n]{0,40}?(?:engineer|researcher|scientist|professor|founder|"
    r"CEO|CTO|author|developer|maintainer|student|lead|manager|advocate)\b"
)
_ROLE_TAIL = re.compile(rf"[^，。；！？\n]{{0,30}}?(?:{_alt(ROLE_WORDS)}){_ROLE_END}")
# What may stand right before a name that opens a clause.
_CLAUSE_START = frozenset("\n \t　，。；：！？「」『』（）()、*")
_LINE_COLON = re.compile(r"[^\S\n]*[：:]")  # matched at the name's end (no ^: match(text, pos))
_NO_CUE, _WEAK_CUE, _STRONG_CUE = 0, 1, 2
# Endings of technical words that look like rare surnames (``Serverless``, ``Tokenizer``, ``Pooling``).
_TECH_ENDING = re.compile(
    r"(?:ing|ings|less|izer|isers?|izers|ization|isation|tion|tions|ops|ware|bot|bots|net|hub|kit|flow|base|lytics|"
    r"ify|ly|able|ible|ness|ment|ments|ics|ers)$"
)


# Family names that are also products: GPU architectures and chips named after
# scientists (``Grace Hopper``, ``Vera Rubin``, ``Ada Lovelace``) are not people in this writing.
_PRODUCT_NAME_WORDS = frozenset(
    {"hopper", "blackwell", "rubin", "lovelace", "ampere", "turing", "volta", "pascal", "kepler"}
    | {"maxwell", "fermi", "feynman"}
)
# Romanised Chinese and Korean surnames (Hanyu Pinyin, Wade-Giles, Cantonese, Revised Romanisation),
# besides those in Faker's zh_TW/zh_CN lists.
_CJK_SURNAMES_EXTRA = frozenset(
    """
    Lee Chang Cheung Lau Chan Chin Yeung Hwang Wong Chao Chiu Ng Woo Chou Chow Hsu Tsui Chu Kuo Ho Lam Lim
    Lo Law Kao Ko Leung Cheng Hsieh Tse Sung Tong Fung Teng Tsao Tseng Tsang Hsiao Tung Poon Yuen Tsai
    Choi Chiang Yeh Yip Shih Jen Shum Chung Tam Lai Chien Hsiung Kuan Lien Kung Tsou Kwan Kwok Kuang Hsueh
    Lung Tai Liao Chi Chia Kam Kim Park Choi Jung Jeong Kang Cho Yoon Jang Oh Seo Shin Kwon Ahn Yoo Hong
    Jeon Moon Son Bae Baek Shiu Hung Weng Liu Lin Chen Wang Huang Wu Zhang Li Yang Zhao Zhou Xu Sun Ma Zhu
    Hu Guo He Gao Luo Liang Zheng Xie Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai
    Jiang Yu Du Ye Wei Su Lu Ding Ren Shen Yao Cui Zhong Tan Fan Fang Shi Jin Kong Hou Hao Meng Qiu Qin
    Bai Pai Xiong Mao Qian Yan Yen Pang Mo Wan Duan Tuan Gu Ku Gong Shao Yin Fu Xue Long Dai Tao Ji Jia
    Ou Ouyang Situ Zhuge Sima
    """.split()  # noqa: SIM905
)
_PINYIN_SYLLABLE = (
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|ai|ei|ao|ou|an|en|er|in|un|ia|ie|iu|ua|uo|ui|ue|a|o|e|i|u|v)"
)
_PINYIN_GIVEN = re.compile(rf"^(?:{_PINYIN_SYLLABLE}){{1,3}}$")
_ROMANISED_GIVEN = re.compile(r"^[A-Z][a-z]{0,5}-[A-Za-z][a-z]{0,5}$")  # Hung-yi, Chih-Jen, Fei-Fei
# A given or family name at or above this English Zipf frequency is an everyday word unless
# the name lists have it (3 is about one in a million words: "foundry"; 5 is everyday: "local").
_COMMON = 3.6
_RARE = 3.3

# Locales whose first and last names are written in Latin script.
_FAKER_LOCALES = tuple(
    """
    en_US en_GB en_IE en_NZ en_IN de_DE de_AT fr_FR es_ES es_MX it_IT nl_NL pt_BR pt_PT pl_PL cs_CZ sk_SK
    sv_SE da_DK no_NO fi_FI hu_HU ro_RO tr_TR id_ID hr_HR sl_SI
    """.split()  # noqa: SIM905
)
_ENGLISH_LOCALES = frozenset({"en_US", "en_GB", "en_IE", "en_NZ"})


@dataclass(frozen=True)
class _NameLists:
    first: frozenset[str]
    last: frozenset[str]
    cjk_last: frozenset[str]


def _everyday_en() -> frozenset[str]:
    """English words at Zipf 4.3 and above (about one in 50,000 words: "server", "line", "deep")."""
    try:
        from wordfreq import get_frequency_dict
    except ImportError:  # pragma: no cover - wordfreq is a dependency
        return frozenset()
    return frozenset(w for w, f in get_frequency_dict("en", wordlist="small").items() if f >= 2e-5)


@lru_cache(maxsize=1)
def _name_lists() -> _NameLists:
    """First and last names from Faker's person providers, loaded once.

    Names of other locales that are everyday English words ("Server", "Line", "Deep", "Key") are
    left out; English-locale names are kept as they are ("Mark", "Grace", "Smith").
    """
    first: set[str] = set()
    last: set[str] = set()
    cjk: set[str] = set(_CJK_SURNAMES_EXTRA)
    everyday = _everyday_en()
    try:
        for loc in _FAKER_LOCALES:
            try:
                provider = import_module(f"faker.providers.person.{loc}").Provider
            except ImportError:
                continue
            english = loc in _ENGLISH_LOCALES
            for name in getattr(provider, "first_names", ()):
                if " " not in name and (english or name.casefold() not in everyday):
                    first.add(name)
            for name in getattr(provider, "last_names", ()):
                if " " not in name and (english or name.casefold() not in everyday):
                    last.add(name)
        for loc in ("zh_TW", "zh_CN", "ja_JP"):
            try:
                provider = import_module(f"faker.providers.person.{loc}").Provider
            except ImportError:
                continue
            for name in getattr(provider, "first_romanized_names", ()):
                first.add("-".join(p.capitalize() for p in str(name).split("-")))
            for name in getattr(provider, "last_romanized_names", ()):
                (last if loc == "ja_JP" else cjk).add(str(name).capitalize())
    except ImportError:  # pragma: no cover - faker is a dependency
        log.warning("faker is not installed: Latin person names are found by cues and the people list only")
    stop = {w.capitalize() for w in ENGLISH_STOP}
    return _NameLists(frozenset(first - stop), frozenset((last | cjk) - stop), frozenset(cjk))


@dataclass(frozen=True)
class _Known:
    """What the lexicon says about names: people's full Latin names and the Latin words of other things."""

    names: dict[str, str]  # match key of a person's full Latin name → canonical name
    family: dict[str, str]  # canonical name → family name as written
    products: frozenset[str]  # match keys of Latin names, aliases and ignored words that are no person


# (name, type, aliases, ignored) of every lexicon entry
_EntryTuple = tuple[str, str, list[str], bool]


def _build_known(entries: Iterable[_EntryTuple]) -> _Known:
    names: dict[str, str] = {}
    family: dict[str, str] = {}
    products: set[str] = set()
    for name, etype, aliases, ignored in entries:
        latin = [s for s in (name, *aliases) if s and not _HAN_CHAR.search(s)]
        if etype == EntityType.PERSON.value and not ignored:
            for s in latin:
                if " " in s.strip():
                    names[match_key(s)] = name
            if name in latin and " " in name.strip():
                family[name] = name.split()[-1]
        else:
            products.update(match_key(s) for s in latin)
    return _Known(names, family, frozenset(products))


def _shipped_entries() -> Iterable[_EntryTuple]:
    """The shipped lexicon files, read as plain YAML (the extractor's :func:`configure` is faster)."""
    from extract.lexicon import SHIPPED_DIR

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in sorted(SHIPPED_DIR.glob("*.yaml")):
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        except (OSError, yaml.YAMLError):  # pragma: no cover - the lexicon reports these
            continue
        if isinstance(data, list):
            data = {"entries": data}
        if not isinstance(data, dict):
            continue
        for word in data.get("ignore") or []:
            yield str(word), "", [], True
        default = str(data.get("type") or "").upper()
        for raw in data.get("entries") or []:
            if isinstance(raw, dict) and raw.get("name"):
                aliases = raw.get("aliases") or []
                aliases = [str(a) for a in (aliases if isinstance(aliases, list) else [aliases])]
                yield str(raw["name"]).strip(), str(raw.get("type") or default).upper(), aliases, False


_configured: _Known | None = None


def configure(lexicon: Lexicon) -> None:
    """Take known people and product words from ``lexicon`` (shipped and user files), and load the
    word lists now: the extractor calls this once, before worker processes fork."""
    global _configured
    _configured = _build_known((e.name, e.type.value, list(e.aliases), e.ignore) for e in lexicon.entries)
    warm()


@lru_cache(maxsize=1)
def _shipped_known() -> _Known:
    return _build_known(_shipped_entries())


def _known() -> _Known:
    return _configured if _configured is not None else _shipped_known()


def _product_keys() -> frozenset[str]:
    return _known().products


def warm() -> None:
    """Load the word lists now (before worker processes fork, so that they share them)."""
    _name_lists()
    _known()
    _cue_automaton()
    zipf_zh("方法")


def _not_a_name_word(tok: str) -> bool:
    low = tok.casefold()
    return low in ENGLISH_STOP or low in _PRODUCT_NAME_WORDS or match_key(tok) in _product_keys()


def _romanised_given(given: str, family: str, lists: _NameLists) -> bool:
    """A romanised Chinese/Korean given name before a romanised surname (Hung-yi Lee, Kaiming He)."""
    if family not in lists.cjk_last:
        return False
    if _ROMANISED_GIVEN.match(given):
        return True
    if not _PINYIN_GIVEN.match(given.lower()) or len(given) < 2:
        return False
    return zipf_en(given) < _COMMON or given in lists.cjk_last  # Chen Qian: written family name first


def _latin_person(words: list[str], cue: int, text: str = "") -> tuple[float, str] | None:
    """(confidence, key text) when ``words`` (given … family) read as a person's name.

    ``cue``: :data:`_NO_CUE`, :data:`_WEAK_CUE` or :data:`_STRONG_CUE` around the words; ``text``:
    the document, where an everyday-looking token written in lower case elsewhere is a word.
    """
    full = " ".join(words)
    known = _known().names.get(match_key(full))
    if known is not None:
        return 0.9, known
    given, family = words[0], words[-1]
    middle = words[1:-1]
    if _INITIAL.match(given) or _INITIAL.match(family) or family.islower():
        return None
    if any(not _INITIAL.match(w) and w not in PARTICLES and w[0].islower() for w in middle):
        return None
    lists = _name_lists()
    given_ok = given in lists.first or _romanised_given(given, family, lists)
    if not given_ok and cue != _STRONG_CUE:
        return None
    if any(_not_a_name_word(w) for w in words if not _INITIAL.match(w) and w not in PARTICLES):
        return None
    if match_key(full) in _product_keys():
        return None
    family_known = family in lists.last
    # A family name that is not known must at least be no everyday word, nor written in lower case
    # elsewhere in the document (``kernel``).
    family_rare = zipf_en(family) < _RARE and not _lower_word_in(text, family)
    if given_ok and family_known:
        return 0.75, full
    if cue == _STRONG_CUE and (given_ok or zipf_en(given) < _COMMON) and (family_known or family_rare):
        return 0.7, full
    if cue == _WEAK_CUE and given_ok and (family_known or family_rare):
        return 0.7, full
    # No cue: a known given name and a surname that is no word at all (Lewis Tunstall, Mark Saroufim).
    if (
        given_ok
        and zipf_en(family) < 2.8
        and len(family) >= 4
        and not _TECH_ENDING.search(family.lower())
        and not _lower_word_in(text, family)
        and not _lower_word_in(text, given)
    ):
        return 0.6, full
    return None


def _lower_word_in(text: str, word: str) -> bool:
    """Whether ``text`` writes ``word`` in lower case as a word of its own (a word, not a name)."""
    low = word.lower()
    if not text or low == word:
        return False
    return re.search(rf"(?<![A-Za-z]){re.escape(low)}(?![A-Za-z])", text) is not None


def _latin_at(text: str, pos: int, end: int, cue: bool) -> tuple[int, int, float, str] | None:
    """A Latin name starting exactly at ``pos`` (a list item, a colon cue), or None."""
    m = _RUN.match(text, pos, end)
    if m is None:
        return None
    for start, stop, conf, key in _people_in_run(text, m.start(), m.group(), cue, anchored=True):
        return start, stop, conf, key
    return None


_BIO_WORD = re.compile(rf"(?<![A-Za-z0-9_.\-/@:+#'’{_LOW}])[{_UP}][{_LOW}]+(?![A-Za-z0-9_\-/@+#{_LOW}])")


def _bio_given_names(text: str) -> frozenset[str]:
    """Single capitalised words that a clause presents as a person (「Lysandre 是 Hugging Face 的機器學習
    工程師」, "Abubakar is the CEO of …"): a speaker's or author's bio names them by the given name, so
    a full name starting with one of them elsewhere in the document is a person even when the name
    lists do not know the given name."""
    out = set()
    for m in _BIO_WORD.finditer(text):
        word = m.group()
        if word in out or _not_a_name_word(word) or zipf_en(word) >= _COMMON:
            continue
        if _ROLE_AFTER.match(text[m.end() : m.end() + 50]):
            out.add(word)
    return frozenset(out)


def _people_in_run(
    text: str, start: int, run: str, cue: bool, anchored: bool = False, bio: frozenset[str] = frozenset()
) -> list[tuple[int, int, float, str]]:
    """Person names inside one title-case run: windows of two to four words, longest first.

    ``bio``: given names the document's bios present as people (:func:`_bio_given_names`)."""
    toks: list[tuple[int, str]] = []
    pos = start
    for tok in run.replace("\u00a0", " ").split(" "):
        toks.append((pos, tok))
        pos += len(tok) + 1
    if toks and toks[0][1] in _HONORIFICS:  # "Dr Jane Doe" (the "Dr." form is cut by the regex)
        toks = toks[1:]
        cue = True
    out: list[tuple[int, int, float, str]] = []
    i = 0
    while i < len(toks) - 1:
        found = None
        first = toks[i][1]
        if not _INITIAL.match(first) and first not in PARTICLES:
            for j in range(min(len(toks), i + 4), i + 1, -1):
                words = [t for _, t in toks[i:j]]
                if _INITIAL.match(words[-1]) or words[-1] in PARTICLES:
                    continue
                s, e = toks[i][0], toks[j - 1][0] + len(words[-1])
                level = _STRONG_CUE if words[0] in bio else _cue_level(text, s, e, cue)
                got = _latin_person(words, level, text)
                if got is not None:
                    found = (s, e, got[0], got[1], j)
                    break
        if found is not None:
            out.append(found[:4])
            i = found[4]
        elif anchored:
            break
        else:
            i += 1
    return out


def _cue_level(text: str, start: int, end: int, cue: bool) -> int:
    """How strongly the text around [start, end) says that a person is named there."""
    if (
        cue
        or _CUE_BEFORE.search(text, max(0, start - 14), start)
        or _CUE_AFTER.match(text[end : end + 14])
        or _ROLE_AFTER.match(text[end : end + 50])
    ):
        return _STRONG_CUE
    # A line that opens with the name, markup aside (「**Thomas Wolf：** 遷移學習…」, a list bullet).
    line_start = not text[text.rfind("\n", 0, start) + 1 : start].strip(" \t*_-+>#")
    if line_start and _LINE_COLON.match(text, end):
        return _WEAK_CUE
    return _NO_CUE


# --- lists of people ------------------------------------------------------------------------------


def _latin_word_at(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is a whole Latin word (``Authors``, not the tail of ``Coauthors``)."""
    return (start == 0 or not text[start - 1].isalpha()) and (end >= len(text) or not text[end].isalpha())


_HEAD_LINE_MAX = 30  # a heading or lead-in line is short: 「講師介紹」「本次活動的講者：」「## Contributors」


def _names_at(text: str, pos: int, end: int) -> list[tuple[int, int, str, float, str]]:
    """Names listed from ``pos`` on (a list item or what follows a colon cue): 林怡君（中研院）、陳志明.

    Returns (start, end, pattern, confidence, key text) per name, stopping at the first thing that is
    not a name.
    """
    out: list[tuple[int, int, str, float, str]] = []
    while pos < end:
        while pos < end and text[pos] in " \t\u3000":
            pos += 1
        latin = _latin_at(text, pos, end, cue=True)
        if latin is not None:
            s, e, conf, key = latin
            out.append((s, e, "person-latin", conf, key))
            pos = e
        else:
            span = _name_after(text, pos, strong=True, need_end=True)
            if span is None:
                break
            out.append((span[0], span[1], "person-list", 0.75, ""))
            pos = span[1]
        title = _TITLE_OR_VERB.match(text, pos, end)
        if title is not None:
            pos = title.end()
        paren = _PAREN.match(text, pos, end)
        if paren is not None:
            pos = paren.end()
        sep = _LIST_SEP.match(text, pos, end)
        if sep is None or sep.end() == pos:
            break
        pos = sep.end()
    return out


def _list_items(text: str, heads: list[int]) -> list[tuple[int, int, str, float, str]]:
    """Names that are items of a list or rows of a table under a heading that announces people.

    ``heads``: offsets of the words that announce people (講師, 貢獻者, Contributors…), in order.
    """
    out: list[tuple[int, int, str, float, str]] = []
    done = -1
    for at in heads:
        if at < done:
            continue
        line_start = text.rfind("\n", 0, at) + 1
        line_end = text.find("\n", at)
        line_end = len(text) if line_end < 0 else line_end
        if len(text[line_start:line_end].strip().lstrip("#*- ").strip()) > _HEAD_LINE_MAX:
            continue
        pos = line_end + 1
        misses = 0
        found = False
        while pos < len(text) and misses < 2:
            line_end = text.find("\n", pos)
            line_end = len(text) if line_end < 0 else line_end
            mark = _ITEM_MARK.match(text, pos, line_end)
            start = mark.end() if mark is not None else pos
            cell_end = text.find("|", start, line_end)
            names = _names_at(text, start, cell_end if cell_end >= 0 else line_end)
            if names:
                out.extend(names)
                found = True
                misses = 0
            elif found or line_end - pos > 40:
                break
            else:
                misses += 1
            pos = line_end + 1
        done = pos
    return out


# --- the finder -----------------------------------------------------------------------------------


def find_persons(text: str) -> list[PatternHit]:
    """Person names in ``text``: by cue, in lists of people, Latin names, then every later occurrence."""
    found: dict[str, tuple[str, float, str]] = {}  # surface → (pattern, confidence, key text)

    def add(surface: str, pattern: str, conf: float, key: str = "") -> None:
        old = found.get(surface)
        if old is None or conf > old[1]:
            found[surface] = (pattern, conf, key or (old[2] if old else ""))

    heads: list[int] = []
    for start, end, bits in _cues(text):
        if bits & _HEAD and (text[start].isascii() is False or _latin_word_at(text, start, end)):
            heads.append(start)
        if bits & _IS and _ROLE_TAIL.match(text, end):  # 「林怡君是中研院的研究員」
            span = _name_before(text, start, strong=False)
            if span is not None and (span[0] == 0 or text[span[0] - 1] in _CLAUSE_START):
                add(text[span[0] : span[1]], "person-cue", 0.65)
            continue
        if bits & _COLON and (colon := _COLON_AFTER.match(text, end)) is not None:
            line_end = text.find("\n", colon.end())
            for s, e, pattern, conf, key in _names_at(
                text, colon.end(), len(text) if line_end < 0 else line_end
            ):
                add(text[s:e], "person-cue" if pattern == "person-list" else pattern, max(conf, 0.8), key)
            continue
        if bits & (_TITLE | _VERB):
            strong = bool(bits & _TITLE)
            span = _name_before(text, start, strong)
            if span is not None:
                add(text[span[0] : span[1]], "person-cue", 0.8 if strong else 0.7)
        if (bits & _TITLE and text[start:end] not in _AFTER_ONLY) or bits & _LEFT:
            pos = end
            while pos < len(text) and text[pos] in " \t\u3000":
                pos += 1
            title = bool(bits & _TITLE)
            span = _name_after(text, pos, strong=title, need_end=not title)
            if span is not None:
                add(text[span[0] : span[1]], "person-cue", 0.8 if title else 0.7)
    for s, e, pattern, conf, key in _list_items(text, heads):
        add(text[s:e], pattern, conf, key)
    bio = _bio_given_names(text)
    for m in _RUN.finditer(text):
        for s, e, conf, key in _people_in_run(text, m.start(), m.group(), cue=False, bio=bio):
            add(text[s:e], "person-latin", conf, key)
    for m in (
        _SINGLE.finditer(text) if ("et al" in text or "等人" in text) else ()
    ):  # "Vaswani et al." names the first author
        tok = m.group()
        if zipf_en(tok) < _COMMON and not _not_a_name_word(tok):
            add(tok, "person-latin", 0.6, tok)
    if not found:
        return []
    return _occurrences(text, found)


def _ends_inside_a_word(text: str, end: int) -> bool:
    """Whether a Han name ending at ``end`` runs on into more Han text that is no particle, title or verb."""
    if end >= len(text) or not _HAN_CHAR.match(text[end]) or text[end] in _AFTER_NAME:
        return False
    return not (_TITLE_OR_VERB.match(text, end) or _NEXT_VERB.match(text, end))


def _occurrences(text: str, found: dict[str, tuple[str, float, str]]) -> list[PatternHit]:
    """Every occurrence of each found name, and of the family name alone of Latin full names."""
    known = _known()
    surfaces: dict[str, tuple[str, float, str]] = {}
    families: dict[str, set[str]] = {}
    for surface, (pattern, conf, key) in found.items():
        key = key or surface
        surfaces[surface] = (pattern, conf, key)
        if " " in surface and not _HAN_CHAR.search(surface):
            family = known.family.get(key) or surface.split()[-1]
            families.setdefault(family, set()).add(match_key(key))
    for family, keys in families.items():
        # A family name shared by two people of the document (Fei-Fei Li, Mu Li) names neither.
        if len(keys) != 1 or family in surfaces or len(family) < 2 or _INITIAL.match(family):
            continue
        if zipf_en(family) >= 5.0 or family.casefold() in ENGLISH_STOP:
            continue  # He, Young, Brown alone are words
        full = next(k for s, (_p, _c, k) in surfaces.items() if match_key(k) in keys)
        pattern, conf, _ = next(v for v in surfaces.values() if v[2] == full)
        surfaces[family] = (pattern, min(conf, 0.7), full)
    rx = re.compile("|".join(re.escape(s) for s in sorted(surfaces, key=len, reverse=True)))
    hits: list[PatternHit] = []
    for m in rx.finditer(text):
        s, e = m.span()
        surface = m.group()
        if not _HAN_CHAR.match(surface[0]) and (
            (s > 0 and text[s - 1].isalnum() and not _HAN_CHAR.match(text[s - 1]))
            or (e < len(text) and (text[e].isalnum() and not _HAN_CHAR.match(text[e])))
            or (
                e + 1 < len(text)
                and text[e] in "-."
                and text[e + 1].isalnum()
                and not _HAN_CHAR.match(text[e + 1])
            )
        ):
            continue  # inside a longer Latin word or name
        if len(surface) == 2 and _HAN_CHAR.match(surface) and _ends_inside_a_word(text, e):
            continue  # 陳明 inside 陳明德: a two-character name must end where a word can
        pattern, conf, key = surfaces[surface]
        hits.append(PatternHit(s, e, EntityType.PERSON, pattern, conf, "" if key == surface else key))
    return hits


__all__ = ["COMPOUND_SURNAMES", "SURNAMES", "configure", "find_persons", "warm"]
