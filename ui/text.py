"""Document text shown as text: the explorer never renders markup from a document that could
load or link to anything.

Streamlit renders Markdown (and LaTeX) in ``st.markdown``, captions, headers, expander labels
and table cells. Text from documents — chunks, evidence sentences, titles, paths, report
summaries — could then show an image the browser fetches from any host (``![x](http://…)``), a
link posing as one of our citation markers (``[[2]](http://…)``), an autolink (``<http://…>``,
``https://…``, ``www.…``), a reference definition that turns our own ``[1]`` into a link
(``[1]: http://…``) or a formula. :func:`plain` escapes what those need — brackets, angle brackets,
the backslash, ``$`` — and puts an invisible word joiner (U+2060) after ``http``/``https``/``ftp``
and ``www``: GFM finds autolinks in the *parsed* text, where an escape is already gone, so only a
character between the letters stops it. Such text shows as written and nothing in it is fetched
or clickable. Emphasis stays (it loads nothing).
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\\[\]<>$])")
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|www)(?=:|\.)")
_JOINER = "\u2060"
_OUR_MARKER = re.compile(r"\\\[(\d{1,3})\\\](?!\()")


def plain(text: object) -> str:
    """``text`` with everything that could form a link, image, autolink or formula escaped."""
    return _SPECIAL.sub(r"\\\1", _AUTOLINK.sub(lambda m: m.group(1) + _JOINER, str(text)))


def plain_answer(text: str) -> str:
    """An answer escaped like document text, keeping our own citation markers ``[n]`` readable.

    Safe because every other bracket stays escaped: no document text can turn a bare ``[n]`` into
    a link (that needs ``[n](…)`` or a ``[n]: …`` definition, whose brackets are escaped).
    """
    return _OUR_MARKER.sub(r"[\1]", plain(text))


def plain_rows(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Table rows with every text cell escaped: ``st.table`` renders Markdown in its cells."""
    return [{k: plain(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows]
