"""The one matching-key function, and the character classes every component shares.

Text is always stored as written; only *keys* are normalised, so that
``LangGraph``/``langgraph``, ``bge large zh v1.5``/``bge-large-zh-v1.5``,
``大语言模型``/``大語言模型`` and ``数据库``/``資料庫`` meet. Every component that
compares names (lexicon, resolver, search, eval) calls :func:`match_key`.

:data:`HAN` and :data:`PICTOGRAPH` are defined here once, so that "is this Chinese" and
"is this decoration" mean the same thing in the chunker, the patterns, the junk filter and
the resolver.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Han ideographs, as a regex character-class body (use it inside ``[...]``). Unicode's blocks of
# ideographs and nothing else: CJK Unified Ideographs (4E00–9FFF) and Extension A (3400–4DBF),
# the Compatibility Ideographs (F900–FAFF: Big5 and KS X 1001 round-trip characters such as 﨑),
# and the supplementary planes' Extensions B–H plus the Compatibility Supplement (20000–323AF),
# where Hong Kong (HKSCS) characters and rare name characters live. Not included: 4DC0–4DFF (the
# Yijing hexagram *symbols* that sit between Extension A and the main block, which the older
# ``\u3400-\u9fff`` took in by accident), radicals (2E80–2FDF; NFKC folds the Kangxi ones that
# PDF copies leave behind), CJK punctuation (3000–303F), 〇 and 々 (a numeral and an iteration
# mark, not letters of a word), kana and Hangul.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"
HAN_RE = re.compile(f"[{HAN}]")
# East Asian wide text: Han plus CJK punctuation, kana, bopomofo, Hangul and full-width forms. Lines
# of it join without a space, and it never belongs inside a Latin token (a key, a URL, a user name).
WIDE = f"\u2e80-\u33ff{HAN}\ua960-\ua97f\uac00-\ud7af\ufe30-\ufe4f\uff00-\uffef"

# Emoji, pictographs and the characters that glue them into one picture, as character-class
# bodies: decorations of technical blog posts (``✍️ 作者``, ``🔧Ollama``, ``📌 RAG 教學``, ``① 安裝``)
# that are never part of a name and, between sentences, count as spacing.
# PICTOGRAPH_BASE: ©®‼⁉™ℹ, the symbol blocks bullets and emoji come from (arrows 2190–21FF,
# technical symbols 2300–23FF, enclosed alphanumerics 2460–24FF, geometric shapes, miscellaneous
# symbols and dingbats 25A0–27BF, supplemental arrows 2900–297F, 2B00–2BFF), 〰〽㊗㊙ and every
# emoji block of plane 1 (1F000–1FAFF: cards, enclosed letters and regional-indicator flags,
# pictographs, emoticons, transport, skin-tone modifiers, supplemental symbols).
# PICTOGRAPH_JOINERS: zero-width joiner (ZWJ sequences such as 👨‍💻), combining keycap, variation
# selectors FE00–FE0F and the tag characters of subdivision flags.
PICTOGRAPH_BASE = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2190-\u21ff\u2300-\u23ff\u2460-\u24ff\u25a0-\u27bf"
    "\u2900-\u297f\u2b00-\u2bff\u3030\u303d\u3297\u3299\U0001f000-\U0001faff"
)
PICTOGRAPH_JOINERS = "\u200d\u20e3\ufe00-\ufe0f\U000e0020-\U000e007f"
PICTOGRAPH = PICTOGRAPH_BASE + PICTOGRAPH_JOINERS
PICTOGRAPH_RE = re.compile(f"[{PICTOGRAPH}]")
_PICTO_RUN = re.compile(f"[{PICTOGRAPH}]+")

# Spacing, hyphens, underscores and middle dots carry no identity in names.
_SEPARATORS = re.compile(r"[\s\-_‐‑‒–—―·・/]+")


def has_han(text: str) -> bool:
    """Whether ``text`` holds at least one Han ideograph."""
    return HAN_RE.search(text) is not None


def is_spacing(ch: str) -> bool:
    """Whether one character is spacing for sentences: white space or a pictograph."""
    o = ord(ch)
    if o < 0xA9:
        return ch.isspace()
    if 0x3300 <= o < 0xFE00:  # Han and the rest of the BMP's CJK: neither space nor pictograph
        return False
    return ch.isspace() or PICTOGRAPH_RE.match(ch) is not None


def trim_spacing(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` narrowed past white space and pictographs on both sides.

    A span that is nothing but spacing comes back empty (``start == end``).
    """
    while start < end and is_spacing(text[start]):
        start += 1
    while end > start and is_spacing(text[end - 1]):
        end -= 1
    return start, end


def trim_pictographs(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A name's span without the pictographs on its edges, or None when one sits inside it.

    ``🔧Ollama`` → ``Ollama``; ``Ollama🚀`` → ``Ollama``; ``Open🚀WebUI`` is no name. White
    space freed at an edge (``⭐️ Hugging Face``) is trimmed as well.
    """
    s, e = trim_spacing(text, start, end)
    if e <= s or _PICTO_RUN.search(text, s, e) is not None:
        return None
    return s, e


@lru_cache(maxsize=1)
def _converter():  # type: ignore[no-untyped-def]
    import opencc

    # s2twp: Simplified → Taiwan Traditional, phrase level (数据库 → 資料庫).
    return opencc.OpenCC("s2twp")


def to_traditional(text: str) -> str:
    """Simplified → Taiwan Traditional; used for keys and for search queries only."""
    if not HAN_RE.search(text):
        return text
    return str(_converter().convert(text))


@lru_cache(maxsize=200_000)
def match_key(text: str) -> str:
    """Key under which two surface forms count as the same name.

    NFKC folds full-width letters and digits, ``casefold`` folds case, OpenCC
    folds script and regional vocabulary, and separators and decorative marks
    (pictographs, emoji and their joiners: ``🤗 Datasets`` is ``Datasets``) are dropped.
    """
    t = unicodedata.normalize("NFKC", _PICTO_RUN.sub("", text)).casefold()
    t = to_traditional(t)
    return _SEPARATORS.sub("", t)
