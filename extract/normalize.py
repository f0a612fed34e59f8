"""The one matching-key function.

Text is always stored as written; only *keys* are normalised, so that
``LangGraph``/``langgraph``, ``bge large zh v1.5``/``bge-large-zh-v1.5``,
``大语言模型``/``大語言模型`` and ``数据库``/``資料庫`` meet. Every component that
compares names (lexicon, resolver, search, eval) calls :func:`match_key`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Spacing, hyphens, underscores and middle dots carry no identity in names.
_SEPARATORS = re.compile(r"[\s\-_‐‑‒–—―·・/]+")
_HAN = re.compile(r"[\u3400-\u9fff]")
# Marks that decorate a name without being part of it: emoji (``🤗 Datasets``), ®, ™, ©.
_MARKS = re.compile("[\u00a9\u00ae\u2122\u2600-\u27bf\U0001f000-\U0001faff\ufe0f]")


@lru_cache(maxsize=1)
def _converter():  # type: ignore[no-untyped-def]
    import opencc

    # s2twp: Simplified → Taiwan Traditional, phrase level (数据库 → 資料庫).
    return opencc.OpenCC("s2twp")


def to_traditional(text: str) -> str:
    """Simplified → Taiwan Traditional; used for keys and for search queries only."""
    if not _HAN.search(text):
        return text
    return str(_converter().convert(text))


@lru_cache(maxsize=200_000)
def match_key(text: str) -> str:
    """Key under which two surface forms count as the same name.

    NFKC folds full-width letters and digits, ``casefold`` folds case, OpenCC
    folds script and regional vocabulary, and separators and decorative marks are dropped.
    """
    t = unicodedata.normalize("NFKC", _MARKS.sub("", text)).casefold()
    t = to_traditional(t)
    return _SEPARATORS.sub("", t)
