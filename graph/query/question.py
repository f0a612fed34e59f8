"""Question analysis: what kind of answer a question wants, and what it is about.

Rules, not a model, so the behaviour is predictable and testable. The question is
folded (NFKC, casefold, Simplified → Traditional) and the first matching rule wins,
in this order — earlier rules are the more specific wording:

==============  ====================================================================
kind            wording (Chinese / English)
==============  ====================================================================
``corpus``      哪些文件/文章/篇、哪幾篇、整體、總結、概述、主題 / which documents, overall
``relation``    差異、區別、不同、比較、相比、關係、vs / difference, compare, relationship
``when``        何時、什麼時候、哪一年、哪年、幾月、日期 / when, what year
``number``      多少、幾(個|種|倍…)、多大、多快、多長 / how many, how much, how large
``who``         誰、哪家、哪個(公司|單位|組織|團隊|服務…)、由哪 / who, which company
                (「哪個模型」「哪一種語言」 ask for a thing, not a maker: they are ``other``)
``list``        哪些、有哪、列出、列舉、哪幾 / which, list, what are the
``how``         如何、怎麼、怎樣、步驟 / how to, how do
``definition``  是什麼、什麼是、是指、定義、介紹 / what is, define
``other``       anything else
==============  ====================================================================

*Targets* are the names the question is about: the text left when the question
words, the kind's wording and punctuation are removed, split at connectives
(和、與、跟、及、vs、and). For a list question the words after the list word
are the *head* (「Phi-3 家族有哪些變體」: target ``Phi-3 家族``, head ``變體``),
what each item is. Number questions keep the *unit* they ask in (參數、GB、倍).
The answer writer links targets to graph entities; the analysis itself needs no
workspace.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from extract.normalize import to_traditional

KINDS = ("definition", "list", "who", "number", "when", "how", "relation", "corpus", "other")

_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "corpus",
        re.compile(
            r"哪些(文件|檔案|文章|筆記|資料(?!集)|來源|篇|章節|課程)|哪幾(篇|份|章)|哪(一)?(篇|份)文"
            r"|所有(文件|文章)|整體|總體|總結|總覽|概述|概覽|主要(在)?(談|講|說)|在(談|講|說)什麼"
            r"|\bwhich (documents|articles|posts|files|notes|chapters|lessons)\b|\boverall\b"
            r"|\boverview of (this|the|these|all) (corpus|documents|articles|notes)\b"
            r"|\bsummar|\bmain (themes|topics)\b"
        ),
    ),
    (
        "relation",
        re.compile(
            r"差異|差別|區別|不同|比較|相比|對比|什麼關係|有何關係|的關係|關係為何|關聯|\bvs\.?\b|\bversus\b"
            r"|\bdifferen|\bcompared?\b|\brelat(ed|ion|ionship)\b"
        ),
    ),
    (
        "when",
        re.compile(
            r"何時|什麼時候|哪一年|哪年|幾年|幾月|哪一天|日期|\bwhen\b|\bwhat (year|date)\b|\bwhich year\b"
        ),
    ),
    (
        "number",
        re.compile(
            r"多少|多大|多快|多長|多久|多高|幾(個|種|倍|位|層|項|次|GB|億|B\b)"
            r"|\bhow (many|much|large|big|fast|long)\b|\bwhat size\b|\bnumber of\b"
        ),
    ),
    (
        "who",
        re.compile(
            r"誰|哪家|哪一家|哪個(公司|單位|組織|團隊|機構|廠商|服務|平台)|哪一個(公司|單位|組織|團隊|服務)"
            r"|由哪(?!些)|\bwho\b"
            r"|\bwhich (company|organi[sz]ation|team|vendor|service|one)\b"
        ),
    ),
    (
        "list",
        re.compile(r"哪些|有哪|列出|列舉|哪幾|\bwhich\b|\blist\b|\bwhat are the\b|\bname the\b"),
    ),
    ("how", re.compile(r"如何|怎麼|怎樣|步驟|\bhow (to|do|does|can|should|is|are)\b")),
    (
        "definition",
        re.compile(r"是什麼|什麼是|是指|是啥|定義|介紹一下|\bwhat (is|are)\b|\bdefine\b|\bmeaning of\b"),
    ),
)

# Question wording removed before targets are read off (with the verb or auxiliary before it).
_FILLER = re.compile(
    r"(?:可以|能夠|能|會)?(?:是由|是|由|有|用|為)?"
    r"(?:什麼時候|什麼是|是什麼|什麼|甚麼|什么|有哪些|哪些|有哪|哪幾|哪一家|哪家|哪一個|哪個|哪一項|哪一種|哪一套"
    r"|哪一年|哪年|何時|多少|多大|多快|多長|多久|如何|怎麼|怎樣|有什麼|有何|誰)"
    r"|什么时候|什么是|是什么|什么|怎么|哪个|关系|时候|時候|请问|請問|請|一下|簡單|說明|介紹|告訴我|是否|能否|的差異|差異|差別|區別|不同|比較|相比|對比|關係|關聯"
    r"|為何|列出|列舉|主要|分別|呢|嗎|吧|的|了|在哪|提到了|提到|提及|討論到|討論|談到|介紹了"
    r"|(?<![\w-])(what|which|who|whom|whose|when|where|why|how|is|are|was|were|do|does|did|can|could|the|a|an"
    r"|of|to|in|on|for|by|about|many|much|list|name|define|between|difference|differences|compare|compared"
    r"|relationship|related|vs|versus|please|tell|me|best|suited|suitable|used|mentioned|mention|discuss"
    r"|according|documents?|articles?|posts?|files?)(?![\w-])",
    re.I,
)
_CORPUS_WORDS = re.compile(r"文件|文章|檔案|筆記|資料|來源|篇|章節|課程|份")
_WHO_WORDS = re.compile(r"公司|單位|組織|團隊|機構|廠商|服務|平台|人")
_SPLIT = re.compile(r"\s*(?:和|與|跟|及|以及|或|、|,|，|/|(?<![\w-])(?:and|or)(?![\w-]))\s*", re.I)
_PUNCT = re.compile(r"[？?！!。：:；;「」『』“”\"'（）()\[\]【】]+|\.(?=\s|$)")
_VERB_TAIL = re.compile(
    r"(是由|由|被|使用|用於|用來|採用|支援|支持|包含|包括|組成|開發|推出|發布|發佈|提出|涉及|最適合|適合|屬於"
    r"|有|是|用|可以)$"
)
_VERBS = re.compile(
    r"是由|被|使用|用於|用來|採用|支援|支持|包含|包括|組成的|組成|開發的|開發|推出的|推出|發布|發佈|提出|涉及"
    r"|最適合|適合|屬於|時涉及"
)
_UNIT = re.compile(
    r"(參數|参数|tokens?|GB|MB|TB|倍|個|種|位元|bits?|層|天|秒|毫秒|ms|美元|元|%|百分比|B)", re.I
)
_LIST_WORD = re.compile(r"有哪些|哪些|有哪|哪幾|列出|列舉")
_ASCII_WORD = re.compile(r"[a-z]")


@dataclass(frozen=True, slots=True)
class QuestionAnalysis:
    """What kind of answer ``question`` wants (see :data:`KINDS`) and the names it is about."""

    question: str
    kind: str
    targets: tuple[str, ...] = ()
    head: str = ""  # list questions: what each item is (「變體」, "tasks")
    unit: str = ""  # number questions: the unit asked in (「參數」, "GB")
    english: bool = False  # written in English (no Han characters)


def fold_question(question: str) -> str:
    """NFKC, casefold and Traditional script: the form every rule matches."""
    return to_traditional(unicodedata.normalize("NFKC", question).casefold())


def question_kind(question: str) -> str:
    """The first rule of the table in the module docstring that matches ``question``."""
    q = fold_question(question)
    for kind, pat in _RULES:
        if pat.search(q):
            return kind
    return "other"


def _clean(part: str) -> str:
    p = _PUNCT.sub(" ", part)
    p = _FILLER.sub(" ", p)
    p = " ".join(p.split())
    while True:
        q = _VERB_TAIL.sub("", p).strip()
        if q == p:
            break
        p = q
    return re.sub(r"^(是|的)\s*", "", p).strip(" -_")


def _parts(text: str) -> list[str]:
    out: list[str] = []
    for chunk in _VERBS.split(text):
        for piece in _SPLIT.split(chunk):
            c = _clean(piece)
            if len(c) >= 2 or (c and _ASCII_WORD.search(c)):
                out.append(c)
    return out


def analyse(question: str) -> QuestionAnalysis:
    """Kind, targets, head and unit of ``question`` (pure; no workspace needed).

    Targets keep the question's own script (a Simplified question gives Simplified
    targets): they are compared through :func:`extract.normalize.match_key`, which
    folds script on both sides.
    """
    q = " ".join(unicodedata.normalize("NFKC", question).split())
    kind = question_kind(q)
    english = not re.search(r"[\u3400-\u9fff]", q)
    head = ""
    body = q
    if kind == "list":
        m = _LIST_WORD.search(q)
        if m:
            head = _clean(q[m.end() :])
            body = q[: m.start()]
            if not head and "的" in body:  # 「X 的典型代表有哪些」: the head comes before the list word
                body, head = body.rsplit("的", 1)
                head = _clean(head)
        else:
            m2 = re.search(r"\b(which|what are the|list|name the)\b", q, re.I)
            if m2:
                rest = q[m2.end() :]
                hm = re.match(r"\s*(\w+)", rest)
                head = hm.group(1) if hm else ""
                body = rest[hm.end() :] if hm else rest
    unit = ""
    if kind == "number":
        um = re.search(r"(?:多少|幾|几)\s*(個|个|種|种|倍|位元|層|层)?\s*([^\s？?，,。]{0,6})", q)
        if um:
            m3 = _UNIT.match(um.group(2) or "")
            unit = m3.group(1) if m3 else (um.group(1) or "")
    if kind == "corpus":
        body = _CORPUS_WORDS.sub(" ", body)
    elif kind == "who":
        body = _WHO_WORDS.sub(" ", body)
    drop = {head.casefold(), unit.casefold(), ""}
    targets = [t for t in _parts(body) if t.casefold() not in drop]
    if unit:
        targets = [t[: -len(unit)].strip() if t.endswith(unit) else t for t in targets]
    if kind == "list" and head and not targets:
        targets = _parts(head)
    return QuestionAnalysis(
        question=q,
        kind=kind,
        targets=tuple(t for t in dict.fromkeys(targets) if t),
        head=head,
        unit=unit,
        english=english,
    )


__all__ = ["KINDS", "QuestionAnalysis", "analyse", "fold_question", "question_kind"]
