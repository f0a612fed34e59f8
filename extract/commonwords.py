"""Is this an everyday word? Word-frequency data from ``wordfreq`` instead of hand-kept stop lists.

Chinese technical prose is full of capitalised English words that are not names
(UI labels such as ``Create``/``Send``, section words such as ``Task``/``Domain``),
and of Latin names that are ordinary words elsewhere (``Foundry Local``). A hand
list never keeps up with either, so the decision is made with the frequency of
the word in general English text: ``wordfreq`` ships its data in
the wheel and works offline. Zipf frequency is log10 of occurrences per billion
words: 3 is about one in a million ("foundry"), 5 is everyday ("local").
"""

from __future__ import annotations

import math
from functools import lru_cache

# A single capitalised word at or above this Zipf frequency in English is not a name on its own
# ("Gradient" 3.5, "Stochastic" 3.1; unknown tool names are rarer: "docker" 3.0, "gradio" 0).
COMMON_EN = 3.0
# At the edge of a multi-word name a word must be more common than this to be cut off: "Foundry"
# (3.3), "Semantic" (3.4) and "Phi" (3.5) stay part of "Foundry Local", "Semantic Kernel", "Phi Silica".
EDGE_EN = 3.6
# An acronym (all capitals) is an everyday word only above this: "KEY" 5.1, "TASK" 4.7, "HTTP" 4.8
# are words or plumbing; "SQL" 3.4, "AWS" 3.2, "GCC" 3.0 are English only as the names they are.
ACRONYM_EN = 4.0
# A Han string this common in general Chinese is everyday vocabulary, not a term of the field,
# unless a lexicon lists it: 解決方案 4.2, 工程師 4.6, 計算機 4.8, against 代理人 3.85, 上下文 3.3,
# 檢查點 2.3 and the many terms wordfreq does not know at all (標記化, 預測性維護).
COMMON_ZH = 3.9
# A lower-case word next to Chinese text names something only when it is rare in English:
# "wget" 1.8, "gzip" 1.8, "conda" 1.9, against "token" 3.8, "pandas" 3.1 (the animal).
RARE_EN = 2.5


@lru_cache(maxsize=200_000)
def zipf_en(word: str) -> float:
    """Zipf frequency of ``word`` (case-folded) in English; 0.0 for words wordfreq does not know."""
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word.casefold(), "en", wordlist="large"))


def is_common_en(word: str, threshold: float = COMMON_EN) -> bool:
    """Whether a plain alphabetic ``word`` is an everyday English word (so not a name on its own)."""
    return word.isalpha() and zipf_en(word) >= threshold


@lru_cache(maxsize=1)
def _t2s():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """``text`` in Simplified script (wordfreq's Chinese list is keyed so)."""
    return str(_t2s().convert(text))


@lru_cache(maxsize=1)
def _zh_freq_table() -> dict[str, float]:
    """Chinese word frequencies (Simplified keys; wordfreq's small list: words at Zipf 3 and above).

    Read as a table: looking a word up through ``zipf_frequency`` would need jieba to tokenise it.
    """
    from wordfreq import get_frequency_dict

    return dict(get_frequency_dict("zh", wordlist="small"))


@lru_cache(maxsize=200_000)
def zipf_zh(word: str) -> float:
    """Zipf frequency of a Chinese word in either script (0.0 below Zipf 3, where the small list stops)."""
    table = _zh_freq_table()
    freq = table.get(simplified(word)) or table.get(word)
    return round(math.log10(freq) + 9, 2) if freq else 0.0


def warm() -> None:
    """Load the word lists now (before worker processes fork, so they share the pages)."""
    zipf_en("the")
    zipf_zh("的")
