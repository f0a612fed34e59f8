"""Tokens for Chinese-and-English technical text, used by BM25 over chunks and reports.

Chinese has no spaces, and a word segmenter needs a model we may not have; character
bigrams recover most words (``微調``, ``向量``) and unigrams keep single-character
terms findable. Latin runs (``LoRA``, ``vLLM``, ``bge-large-zh``) stay whole words.
Text is folded like :func:`extract.normalize.match_key` (NFKC, casefold, Simplified →
Traditional) so a Simplified or full-width question meets Traditional text.
"""

from __future__ import annotations

import re
import unicodedata

from extract.normalize import HAN, to_traditional

_HAN_RUN = re.compile(f"[{HAN}]+")
_LATIN = re.compile(r"[a-z0-9][a-z0-9.+#]*[a-z0-9+#]|[a-z0-9]")

# Function characters/words that carry no topic: kept out of the unigram stream only.
_STOP_UNIGRAMS = frozenset(
    "的了是在和與及或也就都而被把將這那個之其為以於從對中上下有要會可能什麼哪些如何嗎呢吧啊請問"
)
_STOP_LATIN = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "and",
        "or",
        "is",
        "are",
        "was",
        "were",
        "be",
        "with",
        "by",
        "as",
        "at",
        "from",
        "what",
        "which",
        "who",
        "how",
        "why",
        "does",
        "do",
        "did",
        "can",
        "between",
        "about",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "i",
        "you",
        "me",
    ]
)


def fold(text: str) -> str:
    """NFKC + casefold + Simplified→Traditional: the form both questions and documents are read in."""
    return to_traditional(unicodedata.normalize("NFKC", text).casefold())


def tokens(text: str, *, folded: bool = False) -> list[str]:
    """Latin words plus Chinese character bigrams and (non-stop) unigrams."""
    t = text if folded else fold(text)
    out: list[str] = []
    for m in _LATIN.finditer(t):
        w = m.group()
        if w not in _STOP_LATIN:
            out.append(w)
    for m in _HAN_RUN.finditer(t):
        run = m.group()
        out.extend(c for c in run if c not in _STOP_UNIGRAMS)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


__all__ = ["fold", "tokens"]
