"""Patterns for names the lexicon does not know.

Chinese technical writing embeds product and model names in Latin script
(``GPT-4o``, ``llama3.1:70b-instruct-fp16``, ``BAAI/bge-large-zh-v1.5``), so most
unknown names can be found by their shape. Chinese technical noun phrases and
person names need cues (a head noun such as …模型/…學習, or 「講者：」) because
Chinese has no spaces to mark where a name starts.

Every function here is pure: text in, :class:`PatternHit` list out (offsets in
the given text). The extractor decides which hits survive and how they are typed.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from typing import NamedTuple

from extract.records import EntityType

HAN = "\u3400-\u9fff\uf900-\ufaff"
_HAN_RE = re.compile(f"[{HAN}]")


class PatternHit(NamedTuple):
    """One name a pattern found (a tuple: documents yield them by the hundred, and tuples are cheap)."""

    start: int
    end: int
    type: EntityType
    pattern: str  # which pattern family found it
    confidence: float
    key_text: str = ""  # text to build the matching key from when it differs from the surface


# --- regions that never hold names ----------------------------------------------------------------

# Every Latin-script regex below starts with a character class and checks its left context
# with a lookbehind placed after that first character: the regex engine then skips ahead to
# candidate characters instead of trying (and failing) a lookbehind at every position of a
# mostly-Chinese text. URLs, e-mail addresses and paths are looked for around their anchors
# ("://", "www.", "@", a file extension) for the same reason.
_URL = re.compile(r"(?:https?://|ftp://|www\.)[^\s<>\"'）)」]+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_EMAIL_LOCAL = re.compile(r"[\w.+-]+$")
_PATHLIKE = re.compile(
    r"(?<![\w])(?:\.{0,2}/)?(?:[\w.-]++/)+[\w.-]+\.(?:py|md|txt|json|ya?ml|toml|html?|js|ts|sh|cfg|ini|env|git|gguf|bin|safetensors|csv|pdf)\b"
)
_PATH_EXT = re.compile(
    r"\.(?:py|md|txt|json|ya?ml|toml|html?|js|ts|sh|cfg|ini|env|git|gguf|bin|safetensors|csv|pdf)\b"
)
_CODE_CHARS = re.compile(
    r"[=(){};<>]|^\s*(?:import|from|def|class|return|\$|#!|cd|pip|git|docker|curl|ollama|python|vllm|export)\b"
)
_NO_HAN_LINE = re.compile(f"^[^\\n{HAN}]+$", re.M)


def _emails(text: str) -> list[tuple[int, int]]:
    """E-mail addresses, found from their "@" (same spans as scanning the text for the full regex)."""
    out: list[tuple[int, int]] = []
    at = text.find("@")
    while at >= 0:
        local = _EMAIL_LOCAL.search(text, max(0, at - 256), at)
        if local is not None and (not out or local.start() >= out[-1][1]):
            m = _EMAIL.match(text, local.start())
            if m is not None:
                out.append(m.span())
        at = text.find("@", at + 1)
    return out


def _paths(text: str) -> list[tuple[int, int]]:
    """File paths: the path regex runs only on lines holding a "/" and a known file extension."""
    spans: list[tuple[int, int]] = []
    done = -1
    for m in _PATH_EXT.finditer(text):
        if m.start() < done:
            continue
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else end
        done = end
        if text.find("/", start, end) >= 0:
            spans += [p.span() for p in _PATHLIKE.finditer(text, start, end)]
    return spans


def masked_spans(text: str) -> list[tuple[int, int]]:
    """URLs, e-mail addresses, file paths and code-looking lines: no entity starts inside these."""
    spans = [m.span() for m in _URL.finditer(text)]
    if "@" in text:
        spans += _emails(text)
    spans += _paths(text)
    for m in _NO_HAN_LINE.finditer(text):  # code lines are lines without Chinese
        if _CODE_CHARS.search(m.group()):
            spans.append(m.span())
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:  # overlapping spans (a URL on a code line) become one
        if merged and start < merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def in_spans(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps any span (spans sorted by start, not overlapping each other)."""
    if not spans:
        return False
    i = bisect.bisect_right(spans, (start, 1 << 62)) - 1
    if i >= 0 and spans[i][0] < end and start < spans[i][1]:
        return True
    return i + 1 < len(spans) and spans[i + 1][0] < end and start < spans[i + 1][1]


# --- Latin-script names -----------------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z](?<![A-Za-z0-9_.\-/:@+][A-Za-z])[A-Za-z0-9]*(?:[.\-_:/][A-Za-z0-9]+)*\+?")
_OLLAMA = re.compile(r"^[a-z][a-z0-9.\-]*:[A-Za-z0-9][A-Za-z0-9._\-]*$")
_HF_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*/[A-Za-z0-9][A-Za-z0-9._\-]*$")
_SIZE = re.compile(r"^\d+(?:\.\d+)?[BMKTbmkt]$")
_QUANT = re.compile(r"^(?:[Qq]\d(?:_[A-Za-z0-9]+)*|[Ii][Qq]\d.*|[xX]\d+|v\d[\w.]*|\d.*)$")
_UNIT = re.compile(r"^\d*(?:[KMGT]i?B|GHz|MHz|ms|tokens?|fps|bit|bits|px|[KMGT]B/s)$", re.I)
_CAMEL = re.compile(r"[a-z][A-Z]|[A-Z]{2,}[a-z]{2,}|^[a-z]+[A-Z]")
# "Name 3.1", "Name 3.1 405B" or "Name 7B": a version or a size is required.
_NAME_VERSION = re.compile(
    r"[A-Z](?<![A-Za-z0-9_.\-/][A-Z])[A-Za-z]+(?:\d+(?:\.\d+)*)?"
    r"(?: \d+(?:\.\d+)*[a-z]?(?: \d+(?:\.\d+)?[BMT])?| \d+(?:\.\d+)?[BMT])"
    r"(?![A-Za-z0-9_])(?![.\-][A-Za-z0-9])"
)
_HEAD = re.compile(r"[A-Za-z]+(?:\d+(?:\.\d+)*)?")
HARDWARE_PREFIX = re.compile(r"^(?:RTX|GTX|Tesla|Jetson|Radeon|Instinct|Gaudi|Quadro|GeForce|DGX|HGX|Orin)\b")
_ORG_LATIN = re.compile(
    r"[A-Z](?<![A-Za-z0-9][A-Z])(?:[A-Za-z0-9]+ [A-Z]){0,2}[A-Za-z0-9]+"
    r" (?:Research|Labs?|Inc\.?|AI|Corporation|Foundation)(?![A-Za-z0-9])"
)

# Common English words that show up capitalised in Chinese text without being names.
ENGLISH_STOP = frozenset(
    """
    a an and are as at be by can do for from has have how if in is it its new no not of on one
    or our so that the their then this to top up use was we what when where which who why will
    with you your yes all any but each more most only other some such than very via vs step
    steps note tip tips todo faq q a demo example examples test tests run data model models
    tool tools code word words text input output file files page pages user users system
    systems answer question query result results summary intro introduction part section
    chapter table figure image images video link links home about contact menu search login
    logout next prev previous back more read share like comment comments tag tags title date
    author update updated today ok hello hi good bad best fast slow big small large open close
    start end done true false none null default config settings version release plan review
    write retrieve first second third last pro plus max mini ultra lite free public private
    beta alpha
    """.split()  # noqa: SIM905
)


@lru_cache(maxsize=100_000)
def _latin_kind(tok: str) -> tuple[EntityType, str, float] | None:
    """Shape-based type and pattern name of one Latin token, or None when it is not a name.

    Cached: the same few thousand tokens make up most of a corpus.
    """
    if tok.isalpha():  # plain words: only hardware prefixes and CamelCase are names
        if len(tok) < 2:
            return None
        if HARDWARE_PREFIX.match(tok):
            return None if _UNIT.match(tok) else (EntityType.HARDWARE, "hardware", 0.7)
        if _CAMEL.search(tok) and not _UNIT.match(tok):
            return EntityType.TOOL, "camelcase", 0.6
        return None
    if _SIZE.match(tok) or _QUANT.match(tok) or _UNIT.match(tok):
        return None
    if _OLLAMA.match(tok):
        return EntityType.MODEL, "ollama-tag", 0.9
    if "/" in tok:
        if _HF_ID.match(tok):
            right = tok.split("/", 1)[1]
            if re.search(r"\d|-", right) and len(right) >= 3:
                return EntityType.MODEL, "hf-id", 0.85
        return None
    if ":" in tok:
        return None
    has_digit = any(c.isdigit() for c in tok)
    letters = sum(c.isalpha() for c in tok)
    if letters < 2:
        return None
    if HARDWARE_PREFIX.match(tok):
        return EntityType.HARDWARE, "hardware", 0.7
    if has_digit:
        return EntityType.MODEL, "versioned", 0.6
    if _CAMEL.search(tok):
        return EntityType.TOOL, "camelcase", 0.6
    return None


def find_latin_names(text: str) -> list[PatternHit]:
    """Latin product/model names: Ollama tags, HF ids, versioned names, CamelCase, ``Name 3.1 405B``."""
    hits: list[PatternHit] = []
    kind_of = _latin_kind
    for m in _TOKEN.finditer(text):
        tok = m.group()
        kind = kind_of(tok)
        if kind is None:
            continue
        etype, name, conf = kind
        key_text = tok.split("/", 1)[1] if name == "hf-id" else ""
        hits.append(PatternHit(m.start(), m.end(), etype, name, conf, key_text))
    for m in _NAME_VERSION.finditer(text):
        head = _HEAD.match(text, m.start())
        if head is None or head.group().lower() in ENGLISH_STOP:
            continue
        surface = m.group()
        etype = EntityType.HARDWARE if HARDWARE_PREFIX.match(surface) else EntityType.MODEL
        hits.append(PatternHit(m.start(), m.end(), etype, "name-version", 0.7))
    for m in _ORG_LATIN.finditer(text):
        hits.append(PatternHit(m.start(), m.end(), EntityType.ORG, "org-latin", 0.6))
    return hits


_PLAIN_WORD = re.compile(
    r"[A-Z](?<![A-Za-z0-9_.\-/:@+][A-Z])(?:[a-z]{2,}|[A-Z]{2,5})(?![A-Za-z0-9_\-/:@+]|\.[A-Za-z0-9])"
)
# Chinese text or punctuation next to a word: one regex search over its four neighbours.
_CHINESE_CONTEXT = re.compile("[，。、：；「」（）\u3400-\u9fff\uf900-\ufaff]")


def find_plain_latin_words(text: str) -> list[PatternHit]:
    """Capitalised Latin words embedded in Chinese text (``Weaviate``、``Dify``): low-confidence names.

    In Chinese technical prose a Latin word right next to Chinese text is almost
    always a product or project name; English sentences are left alone.
    """
    hits: list[PatternHit] = []
    for m in _PLAIN_WORD.finditer(text):
        tok = m.group()
        if tok.lower() in ENGLISH_STOP:
            continue
        start, end = m.span()
        around = text[max(0, start - 2) : start] + text[end : end + 2]
        if not _CHINESE_CONTEXT.search(around):
            continue
        conf = 0.4 if tok.isupper() else 0.5
        hits.append(PatternHit(start, end, EntityType.TOOL, "latin-word", conf))
    return hits


# --- Chinese noun phrases -----------------------------------------------------------------------------

# Head nouns that make a technical noun phrase, and the type the phrase gets.
CHINESE_HEADS: dict[str, EntityType] = {
    "模型": EntityType.CONCEPT,
    "學習": EntityType.CONCEPT,
    "生成": EntityType.CONCEPT,
    "識別": EntityType.CONCEPT,
    "辨識": EntityType.CONCEPT,
    "微調": EntityType.CONCEPT,
    "量化": EntityType.CONCEPT,
    "檢索": EntityType.CONCEPT,
    "演算法": EntityType.CONCEPT,
    "蒸餾": EntityType.CONCEPT,
    "網路": EntityType.CONCEPT,
    "標註": EntityType.CONCEPT,
}
ORG_HEADS = ("大學", "研究院", "研究所", "實驗室", "基金會", "委員會", "公司", "集團", "協會", "學會")

# Characters that end a noun phrase on its left: function words, verbs of the prose around it.
_BREAK = set(
    "的了是在和與及或把將讓從對用以為被給向於並而且也都就再先來去到要會能可這那其此每各該些個種"
    "很更最太還又只但卻如若由做讀問說看找請使叫稱有沒不讓幫跟同等靠拿所並即便當則因此"
    "我你他她它們您咱某任何該就、，。；：！？「」『』（）()《》〈〉\n\t 　"
)


def find_chinese_terms(text: str) -> list[PatternHit]:
    """Han noun phrases ending in a technical head noun (…模型, …學習, …辨識, …大學)."""
    hits: list[PatternHit] = []
    heads = "|".join(sorted([*CHINESE_HEADS, *ORG_HEADS], key=len, reverse=True))
    for m in re.finditer(f"(?:{heads})", text):
        head = m.group(0)
        start = m.start()
        i = start
        while i > 0 and start - i < 6 and _HAN_RE.match(text[i - 1]) and text[i - 1] not in _BREAK:
            i -= 1
        modifier = text[i:start]
        if len(modifier) < 2:
            continue
        etype = EntityType.ORG if head in ORG_HEADS else CHINESE_HEADS[head]
        hits.append(PatternHit(i, m.end(), etype, "zh-term", 0.45))
    return hits


# --- persons ------------------------------------------------------------------------------------------

SURNAMES = (
    "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周徐蘇葉莊呂江何蕭羅高潘簡朱鍾游彭詹胡施沈余盧梁趙顏柯翁魏"
    "孫戴范方宋鄧杜傅侯曹薛丁卓阮馬董温唐藍石蔣古紀姚連馮歐程湯黄田康姜白汪鄒尤巫鐘黎涂龔嚴韓袁金童陸夏柳邵錢"
)
_NAME = f"[{SURNAMES}][{HAN}]{{1,2}}"
_PERSON_CUES = [
    re.compile(
        rf"(?:作者|講者|主講人|主講|講師|分享者|分享人|撰文|撰稿|編輯|譯者|主持人|主持|報告人|記錄|紀錄)\s*[：:]\s*({_NAME})"
    ),
    re.compile(
        rf"(?:由|感謝|邀請|請到|成員|工程師|研究員|教授|博士|老師|講師|同學|主任|經理|創辦人|執行長|負責人|講者)\s*({_NAME})\s*(?=[（(，、。]|分享|主講|提供|介紹|說明|表示|認為|指出|示範|整理|撰寫|負責|帶來|老師|博士|教授)"
    ),
]


def find_persons(text: str) -> list[PatternHit]:
    """Person names introduced by a cue (「講者：林怡君」「由陳志明分享」), then every later occurrence."""
    names: dict[str, float] = {}
    for cue in _PERSON_CUES:
        for m in cue.finditer(text):
            name = m.group(1)
            # A three-character match whose last character starts the next word is cut back.
            if len(name) == 3 and text[m.end(1) : m.end(1) + 1] == "":
                pass
            names[name] = max(names.get(name, 0.0), 0.8)
    hits: list[PatternHit] = []
    for name, conf in names.items():
        for m in re.finditer(re.escape(name), text):
            hits.append(PatternHit(m.start(), m.end(), EntityType.PERSON, "person-cue", conf))
    return hits


# --- variants ------------------------------------------------------------------------------------------

_VARIANT_SUFFIX = re.compile(
    r"(?i)[\s\-_]+(?:instruct|chat|base|it|hf|awq|gptq|gguf|fp16|bf16|fp8|int4|int8|q\d\w*|v\d[\w.]*|alpha\d*|beta\d*|preview|turbo|mini)$"
)
_SIZE_SUFFIX = re.compile(r"(?i)[\s\-_:]+\d+(?:\.\d+)?[bmk]$")


def variant_family(surface: str) -> str:
    """The family a model variant belongs to, as text, or "" when ``surface`` is not a variant.

    ``llama3.1:70b-instruct-fp16`` → ``llama3.1``; ``Llama 3.1 405B`` → ``Llama 3.1``;
    ``Breeze-7B-Instruct-v1_0`` → ``Breeze-7B``; ``BAAI/bge-m3`` → "" (an id, not a variant).
    """
    s = surface.strip()
    if "/" in s:
        return ""
    if ":" in s and _OLLAMA.match(s):
        return s.split(":", 1)[0]
    base = s
    while True:
        new = _VARIANT_SUFFIX.sub("", base)
        if new == base or not new:
            break
        base = new
    if base == s:  # a size is a variant marker only when nothing else is ("Llama 3.1 405B")
        base = _SIZE_SUFFIX.sub("", base) or base
    if base == s or len(base) < 2 or not re.search(r"[A-Za-z]{2}", base):
        return ""
    return base
