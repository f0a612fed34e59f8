"""Pick a retrieval mode for a question when the user did not.

Corpus-wide wording (整體、總結、哪些文件、overall…) → global: only community
reports see the whole corpus. A question naming known entities → local: the
graph around them is the best evidence. Anything else → hybrid chunk search.
"""

from __future__ import annotations

import re
import unicodedata

from graph.query.index import SearchIndex
from graph.query.local import link_entities
from graph.query.tokenize import fold

_GLOBAL = re.compile(
    r"整體|總體|總結|總覽|概述|概覽|主題|主要在(談|講|說)|在談什麼|哪些(文件|檔案|文章|筆記|資料|來源|篇)|哪幾(篇|份)"
    r"|所有(文件|文章)|這些(文件|文章)|全部(文件|文章)|語料|"
    r"\boverall\b|\b(an|give) overview\b|\boverview of (this|the|these|all) (corpus|documents|articles)\b"
    r"|\bsummar|\bmain (themes|topics)\b|\bwhich (documents|articles|posts|files)\b"
    r"|\bwhat topics\b|\ball (the )?(documents|articles)\b"
)

MODES = ("auto", "local", "global", "hybrid")


def route(index: SearchIndex, question: str) -> tuple[str, str]:
    """(mode, reason) for ``question``."""
    raw = unicodedata.normalize("NFKC", question).casefold()
    if _GLOBAL.search(fold(question)) or _GLOBAL.search(raw):
        return "global", "corpus-wide question"
    if link_entities(index, question):
        return "local", "question names known entities"
    return "hybrid", "no known entity named"


__all__ = ["MODES", "route"]
