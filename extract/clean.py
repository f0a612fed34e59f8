"""Decoded text → metadata and visible-text blocks → body without boilerplate.

Markup is removed but what a reader sees is kept: link text, table cells,
code, headings (as section context). Text is split into *blocks* (paragraph,
list item, table row, link menu) because that is the unit that repeats across
pages of one site: navigation, "about the author" boxes, footers.

The boilerplate rule (see :func:`boilerplate_hashes`): a non-heading block of
at least ``MIN_BOILERPLATE_CHARS`` characters is boilerplate when it appears
verbatim (after whitespace normalisation) in at least ``min_docs`` documents of
the same folder *and* in at least ``min_share`` of that folder's documents.

Documents arrive as people keep them, so parsing also copes with:

- Markdown saved as ``.txt`` (:func:`sniff_format` decides by content);
- Obsidian and Notion notes: ``[[wikilinks]]`` keep their visible text and are
  recorded as document links, ``![[embeds]]`` and images leave no text,
  callout markers (``> [!note]``) go, front-matter ``aliases`` are kept;
- PDF text from :mod:`extract.office` (pages separated by ``\\f``): blocks
  know their page, and :func:`assemble` returns where each page starts;
- hostile input: front matter is size-capped and its YAML expansion bounded
  (alias bombs), and Markdown/HTML nesting is capped so ten thousand nested
  quotes or ``<div>``s become flat text instead of a ``RecursionError``.
"""

from __future__ import annotations

import hashlib
import logging
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import PurePath
from typing import Any
from urllib.parse import unquote

import yaml
from bs4 import BeautifulSoup, NavigableString, Tag
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from extract.normalize import WIDE
from extract.records import Block
from extract.timing import timed

log = logging.getLogger(__name__)

MIN_BOILERPLATE_CHARS = 8
# libyaml's safe loader when available: an order of magnitude faster on front matter.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Front matter is a few lines of metadata; anything larger is not worth the parser's time and is
# ignored (with a warning naming the file). The YAML that is parsed may not expand (through
# anchors and aliases, the "billion laughs") to more than _YAML_MAX_NODES values or nest deeper than
# _YAML_MAX_DEPTH: libyaml composes nested flow collections recursively in C and crashes the
# process on ~30k nested brackets, which fit in 64 KiB, so depth is checked before parsing.
FRONT_MATTER_MAX_BYTES = 64 * 1024
_YAML_MAX_NODES = 10_000
_YAML_MAX_DEPTH = 32

# Nesting caps. markdown-it stops parsing (and silently drops the rest of a container) beyond its
# ``maxNesting`` and recurses once per level; BeautifulSoup trees are walked recursively here. Deeper
# structure than these caps is kept as flat text of the deepest allowed level.
MAX_MD_CONTAINERS = 8  # ">" and list markers opening on one line
MAX_MD_INDENT = 40  # columns of leading whitespace (nested lists by indentation)
MAX_HTML_DEPTH = 64

_FM_OPEN = re.compile(r"\A\ufeff?---[ \t]*\n")
_FM_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.M)


def _squash(text: str) -> str:
    """Whitespace runs → one space, ends trimmed. ``str.split`` splits on exactly what the regex
    ``\\s`` matches (``str.isspace``), and is several times faster than ``re.sub``."""
    return " ".join(text.split())


def _no_space(text: str) -> str:
    """``text`` without any whitespace (see :func:`_squash`)."""
    return "".join(text.split())


_KEYS = {
    "title": ("title", "標題", "标题", "題目", "题目", "名稱"),
    "date": ("date", "時間", "时间", "日期", "published", "發佈時間", "發表時間", "created"),
    "author": ("author", "作者", "authors", "講者", "讲者", "speaker"),
    "tags": ("tags", "標籤", "标签", "tag", "keywords", "關鍵字", "categories", "分類", "分类"),
    "aliases": ("aliases", "alias", "別名", "别名"),
}


@dataclass(frozen=True, slots=True)
class Parsed:
    """What cleaning learned about one file."""

    title: str = ""  # meta_title, else text_title
    date: str = ""
    author: str = ""
    tags: tuple[str, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)
    blocks: tuple[Block, ...] = ()
    aliases: tuple[str, ...] = ()
    links: tuple[str, ...] = ()  # see :func:`link_target`
    link_labels: tuple[tuple[str, str], ...] = ()  # (shown text, note name) of ``[[note|label]]``
    # Title candidates by source, markup removed: front matter / HTML <title>, and what the text
    # itself offers (first H1, else first heading, else first line). A folder-level rule
    # (:func:`site_titles`) can prefer the second when the first names the site, not the page.
    meta_title: str = ""
    text_title: str = ""
    fmt: str = ""  # the format the content was parsed as (after :func:`sniff_format`)


@timed("clean.parse")
def parse(text: str, fmt: str, *, source: str = "") -> Parsed:
    """Split front matter from content and turn the content into blocks.

    ``source`` (the file's path) only names the file in warnings about its front matter.
    """
    fmt = sniff_format(text, fmt)
    raw_meta, text = split_front_matter(text)
    meta = load_front_matter(raw_meta, source) if raw_meta is not None else {}
    found = _Found()
    html_meta: dict[str, Any] = {}
    if fmt == "html":
        blocks, html_meta = _html_blocks(text)
    elif fmt == "markdown":
        blocks = _markdown_blocks(text, found)
    elif fmt == "mdx":
        blocks = _markdown_blocks(mdx_to_markdown(text), found)
    else:
        blocks = _text_blocks(text, paged=fmt == "pdf")
    fields = _metadata_fields({**html_meta, **meta})
    meta_title = clean_title(fields.pop("title", ""))
    text_title = _text_title(blocks, found.h1)
    aliases = _tags(_lookup(meta, "aliases"))
    tags = _tags(_lookup(meta, "tags") or html_meta.get("tags"))
    if (found.obsidian or aliases) and found.tags:
        tags = tuple(dict.fromkeys((*tags, *found.tags)))
    fields.pop("tags", None)
    return Parsed(
        title=_clip(meta_title or text_title, 300),
        date=fields.pop("date", ""),
        author=fields.pop("author", ""),
        tags=tags,
        metadata=fields,
        blocks=tuple(blocks),
        aliases=aliases,
        links=tuple(dict.fromkeys(found.links)),
        link_labels=tuple(dict.fromkeys(found.labels)),
        meta_title=_clip(meta_title, 300),
        text_title=_clip(text_title, 300),
        fmt=fmt,
    )


@dataclass(slots=True)
class _Found:
    """What the Markdown walk notices besides blocks (one per document, local to :func:`parse`)."""

    links: list[str] = field(default_factory=list)
    labels: list[tuple[str, str]] = field(default_factory=list)  # (shown text, note) of [[note|label]]
    tags: list[str] = field(default_factory=list)  # inline #tags, kept only for Obsidian notes
    obsidian: bool = False  # the note uses wikilinks or embeds
    h1: str = ""  # first level-1 heading


# -- format by content ---------------------------------------------------------------------------

_SNIFF_CHARS = 100_000
# (pattern, points for one hit, points for `many` or more hits, many): each is one kind of signal.
_MD_SIGNALS: tuple[tuple[re.Pattern[str], int, int, int], ...] = (
    (re.compile(r"\A\ufeff?---[ \t]*\n(?:.*\n){0,200}?(?:---|\.\.\.)[ \t]*$", re.M), 2, 2, 1),
    (re.compile(r"^#{1,6}[ \t]+\S", re.M), 1, 2, 2),  # ATX headings
    (re.compile(r"^[ \t]*[-*+][ \t]+\S", re.M), 0, 1, 2),  # bullets: plain text uses "- " too
    (re.compile(r"(?<!!)\[[^\[\]\n]+\]\([^()\s]+\)"), 2, 2, 1),  # [text](url)
    (re.compile(r"!\[[^\]\n]*\]\([^()\s]+\)|!?\[\[[^\[\]\n]+\]\]"), 2, 2, 1),  # images, wikilinks
    (re.compile(r"\*\*[^*\n]+\*\*|(?<!\w)__[^_\n]+__(?!\w)"), 1, 2, 3),  # strong emphasis
    (re.compile(r"`[^`\n]+`"), 1, 1, 1),  # inline code
    (re.compile(r"^[ \t]{0,3}(?:```|~~~)", re.M), 2, 2, 1),  # fenced code
    (re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*\|", re.M), 2, 2, 1),  # table delimiter row
    (re.compile(r"^[ \t]{0,3}>[ \t]?\S", re.M), 1, 1, 1),  # block quote
)
_MD_MIN_SCORE = 4
_MD_MIN_SIGNALS = 2


def sniff_format(text: str, fmt: str) -> str:
    """The format to parse ``text`` as: ``"markdown"`` for a ``.txt`` file written in Markdown.

    People keep Markdown notes in ``.txt`` files; parsed as plain text they would keep every
    ``**``, ``[text](url)`` and table pipe. Plain text shares some of these marks (a ``*`` for
    emphasis, ``- `` bullets, a ``#`` heading), so the decision needs several *kinds* of signal
    (:data:`_MD_MIN_SIGNALS`) adding up to :data:`_MD_MIN_SCORE` points; any other ``fmt`` is
    returned as it is.
    """
    if fmt != "text":
        return fmt
    head = text[:_SNIFF_CHARS]
    score = kinds = 0
    for pattern, one, more, many in _MD_SIGNALS:
        hits = 0
        for _ in pattern.finditer(head):
            hits += 1
            if hits >= many:
                break
        points = more if hits >= many else one if hits else 0
        if points:
            score += points
            kinds += 1
    return "markdown" if score >= _MD_MIN_SCORE and kinds >= _MD_MIN_SIGNALS else fmt


# -- front matter --------------------------------------------------------------------------------


def split_front_matter(text: str) -> tuple[str | None, str]:
    """``(YAML text or None, the rest)``: front matter opens on the first line with ``---`` and
    closes at the next ``---`` or ``...`` line."""
    m = _FM_OPEN.match(text)
    if not m:
        return None, text
    close = _FM_CLOSE.search(text, m.end())
    if not close:
        return None, text
    rest = text[close.end() :]
    return text[m.end() : close.start()], rest[1:] if rest.startswith("\n") else rest


def _flow_depth(raw: str) -> int:
    """Deepest ``[``/``{`` nesting in ``raw``, counted without parsing (quotes are not honoured,
    which can only overestimate)."""
    return max(_bracket_depth(raw, "[", "]"), _bracket_depth(raw, "{", "}"))


def _bounded(value: Any, max_nodes: int, max_depth: int) -> bool:
    """True when ``value`` has at most ``max_nodes`` values and ``max_depth`` levels, counted as if
    every alias were expanded. Iterative and stops at the limit, so a self-referencing or
    exponentially aliased structure costs ``max_nodes`` steps at most."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    seen = 0
    while stack:
        item, depth = stack.pop()
        seen += 1
        if seen > max_nodes or depth > max_depth:
            return False
        if isinstance(item, dict):
            stack.extend((k, depth + 1) for k in item)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list | tuple | set):
            stack.extend((v, depth + 1) for v in item)
    return True


def load_front_matter(raw: str, source: str = "") -> dict[str, Any]:
    """Front matter as a mapping, or ``{}`` (with a warning naming ``source``) when it is too large,
    too deep, expands too far or is not valid YAML. Never raises."""
    name = source or "<text>"
    if len(raw) > FRONT_MATTER_MAX_BYTES or len(raw.encode("utf-8")) > FRONT_MATTER_MAX_BYTES:
        log.warning("%s: front matter larger than %d KiB, ignored", name, FRONT_MATTER_MAX_BYTES // 1024)
        return {}
    if _flow_depth(raw) > _YAML_MAX_DEPTH:
        log.warning("%s: front matter nested deeper than %d levels, ignored", name, _YAML_MAX_DEPTH)
        return {}
    try:
        loaded = yaml.load(raw, Loader=_YAML_LOADER)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        log.warning("%s: front matter is not valid YAML, ignored: %s", name, first)
        return {}
    if not _bounded(loaded, _YAML_MAX_NODES, _YAML_MAX_DEPTH):
        log.warning(
            "%s: front matter expands to more than %d values or %d levels (YAML aliases?), ignored",
            name,
            _YAML_MAX_NODES,
            _YAML_MAX_DEPTH,
        )
        return {}
    return loaded if isinstance(loaded, dict) else {}


# -- MDX -----------------------------------------------------------------------------------------

# ESM lines, Svelte-style template directives ({#if …}, {:else}, {/if}) and JSX comments.
_MDX_LINE = re.compile(r"^[ \t]*(?:(?:import|export)\s.*|\{[#:/][^}\n]*\}|\{/\*.*?\*/\})[ \t]*$", re.M)
_JSX_OPEN = re.compile(r"(?<![\w<])</?[A-Z][\w.]*")


def _jsx_tag_end(text: str, i: int) -> int:
    """End of the JSX tag starting at ``i``: the ``>`` outside braces and quotes (attributes hold both)."""
    depth, quote = 0, ""
    n = len(text)
    while i < n:
        c = text[i]
        if quote:
            if c == quote:
                quote = ""
        elif c in "\"'`":
            quote = c
        elif c == "{":
            depth += 1
        elif c == "}":
            depth = max(0, depth - 1)
        elif c == ">" and depth == 0:
            return i + 1
        i += 1
    return n


def _mdx_tags(text: str) -> tuple[str, list[tuple[int, int]]]:
    """The MDX text without its import/export/directive lines, and the spans of its component tags."""
    text = _MDX_LINE.sub("", text)
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _JSX_OPEN.finditer(text):
        if m.start() < pos:
            continue
        pos = _jsx_tag_end(text, m.end())
        spans.append((m.start(), pos))
    return text, spans


def mdx_to_markdown(text: str) -> str:
    """MDX as plain Markdown: imports, exports, template directives and component tags removed.

    Components (``<Tip>``, ``<Youtube id="…"/>``, multi-line ``<Banner notebooks={[…]} />``) are
    capitalised JSX tags: the tags and their attributes go, the text between opening and closing
    tags stays, so a tip box still reads as a paragraph.
    """
    text, spans = _mdx_tags(text)
    out: list[str] = []
    pos = 0
    for start, end in spans:
        out.append(text[pos:start])
        out.append("\n")
        pos = end
    out.append(text[pos:])
    return "".join(out)


def mdx_tag_text(text: str) -> str:
    """What :func:`mdx_to_markdown` removes as component tags, attributes and all, one tag a line
    (for searching names that only a quiz or banner component's props hold)."""
    text, spans = _mdx_tags(text)
    return "\n".join(" ".join(text[start:end].split()) for start, end in spans)


# -- metadata ------------------------------------------------------------------------------------


def _lookup(meta: Mapping[str, Any], field_name: str) -> Any:
    lowered = {str(k).strip().lower(): v for k, v in meta.items()}
    for key in _KEYS[field_name]:
        if key.lower() in lowered:
            return lowered[key.lower()]
    return None


def _scalar(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "、".join(_scalar(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_scalar(v)}" for k, v in value.items())
    return "" if value is None else str(value).strip()


def _metadata_fields(meta: Mapping[str, Any]) -> dict[str, str]:
    known = {k.lower() for keys in _KEYS.values() for k in keys}
    out: dict[str, str] = {}
    for name in ("title", "date", "author"):
        value = _lookup(meta, name)
        if value is not None:
            out[name] = _scalar(value)
    for key, value in meta.items():
        if str(key).strip().lower() not in known:
            out[str(key)] = _clip(_scalar(value), 500)
    return out


def _tags(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list | tuple) else re.split(r"[,，、;；]\s*", str(value))
    seen: dict[str, None] = {}
    for item in items:
        text = _scalar(item).strip().lstrip("#")
        if text:
            seen.setdefault(text, None)
    return tuple(seen)


def _clip(text: str, limit: int) -> str:
    text = _squash(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- titles and links ----------------------------------------------------------------------------

_TITLE_EMBEDS = re.compile(r"!\[\[[^\]\n]*\]\]|!\[[^\]\n]*\]\([^)\n]*\)")
_TITLE_WIKILINK = re.compile(r"\[\[([^\]|\n]*)(?:\|([^\]\n]*))?\]\]")
_TITLE_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)")
_TITLE_TAGS = re.compile(
    r"</?(?:a|b|i|u|s|em|strong|span|code|sup|sub|small|mark|br|font|kbd|del|ins)\b[^<>]*>", re.I
)
_TITLE_EMPHASIS = re.compile(r"(\*\*|__|~~|\*|`)(?=\S)(.+?)(?<=\S)\1")
_TITLE_HASHES = re.compile(r"^\s*#+\s*|\s+#+\s*$")
_MEANINGFUL = re.compile(r"[^\W_]")  # a letter or digit of any script
_NOTION_ID = re.compile(r"\s+[0-9a-fA-F]{32}$")
_DOC_SUFFIX = re.compile(r"\.(?:md|markdown|mdx)$", re.I)
_URL_SCHEME = re.compile(r"^[A-Za-z][\w+.-]*:|^//")
_FILE_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,5}$")


def _wikilink_visible(target: str, label: str) -> str:
    """What Obsidian shows for ``[[target|label]]``: the label, else the note, else the heading."""
    note, _, heading = target.partition("#")
    return label.strip() or _DOC_SUFFIX.sub("", note.strip()) or heading.strip().lstrip("^").strip()


def clean_title(text: str) -> str:
    """A title as a reader sees it, or ``""`` when nothing meaningful is left.

    Titles come from front matter, ``<title>``, headings and first lines, where people write
    ``**The New Intelligence.**``, ``[Guide](url)`` or ``# Notes``; what is left must hold a letter
    or digit, so a separator (``---``, ``***``, ``===``), bare punctuation or an emoji alone never
    becomes a title.
    """
    t = _TITLE_EMBEDS.sub("", text)
    t = _TITLE_WIKILINK.sub(lambda m: _wikilink_visible(m.group(1), m.group(2) or ""), t)
    t = _TITLE_LINK.sub(r"\1", t)
    t = _TITLE_TAGS.sub("", t)
    for _ in range(3):  # nested emphasis (***x***, **_x_**) unwraps one layer per pass
        new = _TITLE_EMPHASIS.sub(r"\2", t)
        if new == t:
            break
        t = new
    t = _squash(_TITLE_HASHES.sub("", _squash(t)))
    return t if _MEANINGFUL.search(t) else ""


def strip_notion_id(name: str) -> str:
    """``Page Title 1a2b…(32 hex)`` (a Notion export's file or folder name) → ``Page Title``."""
    stripped = _NOTION_ID.sub("", name)
    return stripped if stripped.strip() else name


def file_title(name: str) -> str:
    """The title a file name offers: its stem, without a Notion id, markup removed."""
    stem = PurePath(name).stem
    return clean_title(strip_notion_id(stem)) or stem


def link_target(raw: str) -> str:
    """A document link's target, normalised so links to one note meet: percent-decoding undone,
    no ``#heading``/``^block`` or ``?query``, no ``.md``/``.mdx``, no leading ``./``, no Notion
    ids in path parts. ``""`` when nothing is left (a link to a heading of the same note)."""
    t = unquote(raw).strip().replace("\\", "/")
    t = t.split("#", 1)[0].split("?", 1)[0].strip()
    t = _DOC_SUFFIX.sub("", t)
    while t.startswith("./"):
        t = t[2:]
    return "/".join(strip_notion_id(part) for part in t.split("/")) if t else ""


def _markdown_doc_link(href: str) -> str:
    """Target of a Markdown link to another local document (relative ``.md``/``.mdx``), else ``""``.
    Web links (any scheme, ``//host``) and same-page anchors are not document links."""
    if not href or href.startswith("#") or _URL_SCHEME.match(href):
        return ""
    path = unquote(href.split("#", 1)[0].split("?", 1)[0]).strip()
    return link_target(path) if _DOC_SUFFIX.search(path) else ""


def _first_sentence(text: str, limit: int) -> str:
    m = re.search(r"[。！？!?]", text)
    head = text[: m.end()] if m else text
    return _clip(head, limit)


def _text_title(blocks: Sequence[Block], h1: str) -> str:
    """The title the text offers: first H1, else first heading, else the first line (clipped)."""
    for candidate in (h1, *(b.text for b in blocks if b.kind == "heading")):
        title = clean_title(candidate)
        if title:
            return title
    for b in blocks:
        if b.kind != "code":
            title = clean_title(_first_sentence(b.text, 60))
            if title:
                return title
    return ""


def site_titles(titles: Iterable[str], group_size: int, min_docs: int, min_share: float) -> set[str]:
    """Titles that name the site rather than the page: the boilerplate rule applied to front-matter
    titles of one folder's documents (in ``min_docs`` documents and ``min_share`` of the group)."""
    counts = Counter(t for t in titles if t)
    return boilerplate_hashes(counts, group_size, min_docs, min_share)


# -- markdown ------------------------------------------------------------------------------------

_CODE_MARK = "\ue000"  # stands in for inline code while leftover markup is cleaned around it
# Strong emphasis CommonMark leaves as literal text because of its flanking rules, which were made
# for spaced scripts: "**類型標記ID(token_type_ids)**的" does not close (")" before, "的" after).
_LOOSE_STRONG = re.compile(r"\*\*(?=[^\s*])(.+?)(?<=[^\s*])\*\*")
# Broken links authors leave behind ("[第五節]](/course/x)", "[t]((/a)", a URL with a space):
# only when the target looks like a URL or path, so prose in brackets and parentheses stays.
_LOOSE_LINK = re.compile(r"\[([^\[\]\n]*)\]+\(+\s*(?:https?://|/|\.{1,2}/|#|www\.)[^()\n]{0,500}?\)+")
_STRAY_LINK_TAIL = re.compile(r"\]\((?:https?://|/|\.{1,2}/)[^()\s]*\)")
_INLINE_TAG = re.compile(r"(?<!\S)#([\w/-]*[^\W\d_][\w/-]*)")
_CALLOUT = re.compile(r"^\[![\w-]+\][+-]?\s*")
_PICTO = (
    "[\u2190-\u21ff\u2300-\u23ff\u2460-\u24ff\u25a0-\u27bf\u2900-\u297f\u2b00-\u2bff"
    "\u3030\u303d\u3297\u3299\U0001f000-\U0001faff]"
)
_PICTO_MOD = "[\ufe0e\ufe0f\u20e3\u200d\U000e0020-\U000e007f]"
# A line that starts with emoji or pictographs used as a bullet or heading mark (✍️ 🔧 📌 ▶ ①, 1️⃣).
_PICTO_LEAD = re.compile(rf"^(?:{_PICTO}{_PICTO_MOD}*|[0-9#*]\ufe0f?\u20e3)+[ \t\u3000]*(?=\S)")


def starts_with_pictograph(text: str) -> bool:
    """True when ``text`` opens with an emoji or pictograph followed by text (a decorative bullet)."""
    return _PICTO_LEAD.match(text) is not None


def _wikilink_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule for ``[[target#heading|label]]`` and ``![[embed|size]]`` (Obsidian, Foam).

    A link becomes one ``wikilink`` token whose content is the visible text and whose meta holds
    the normalised target; an embed becomes a ``wikiembed`` token with no text at all (an image's
    file name or size is nothing a reader sees as prose).
    """
    src, pos = state.src, state.pos
    embed = src.startswith("![[", pos)
    if not embed and not src.startswith("[[", pos):
        return False
    start = pos + (3 if embed else 2)
    end = src.find("]]", start)
    if end < 0:
        return False
    inner = src[start:end]
    if not inner.strip() or "\n" in inner or "[" in inner:
        return False
    if not silent:
        target, _, label = inner.replace("\\|", "|").partition("|")
        note = target.partition("#")[0]
        tok = state.push("wikiembed" if embed else "wikilink", "", 0)
        tok.content = "" if embed else _wikilink_visible(target, label)
        # An embedded note is a reference to it; an embedded image, PDF or audio file is not.
        is_file = embed and _FILE_SUFFIX.search(note.strip()) and not _DOC_SUFFIX.search(note.strip())
        tok.meta = {"target": "" if is_file else link_target(note), "note": _DOC_SUFFIX.sub("", note.strip())}
    state.pos = end + 2
    return True


@lru_cache(maxsize=1)
def _markdown_parser() -> MarkdownIt:
    """One parser for all documents: building one sets up every rule chain (``parse`` keeps no state).

    ``maxNesting`` is raised from the commonmark preset's 20 (beyond which markdown-it drops the
    rest of a container) to what :func:`_cap_nesting` leaves possible.
    """
    md = MarkdownIt("commonmark", {"maxNesting": 100}).enable("table")
    md.inline.ruler.before("link", "wikilink", _wikilink_rule)
    return md


def _children_text(children: Sequence[Token], found: _Found | None) -> str:
    parts: list[str] = []
    codes: list[str] = []
    for child in children:
        t = child.type
        if t == "text":
            parts.append(child.content)
        elif t == "code_inline":
            codes.append(child.content)
            parts.append(_CODE_MARK)
        elif t in {"softbreak", "hardbreak"}:
            parts.append(" ")
        elif t == "wikilink":
            parts.append(child.content)
            if found is not None:
                found.obsidian = True
                if child.meta.get("target"):
                    found.links.append(child.meta["target"])
                    if child.meta.get("note") and child.content and child.content != child.meta["note"]:
                        found.labels.append((child.content, child.meta["note"]))
        elif t == "wikiembed":
            if found is not None:
                found.obsidian = True
                if child.meta.get("target"):
                    found.links.append(child.meta["target"])
        elif t == "link_open" and found is not None:
            target = _markdown_doc_link(str(child.attrGet("href") or ""))
            if target:
                found.links.append(target)
        # images, embeds and inline HTML leave no text
    text = "".join(parts)
    if "**" in text:
        text = _LOOSE_STRONG.sub(r"\1", text)
    if "](" in text:
        text = _STRAY_LINK_TAIL.sub("", _LOOSE_LINK.sub(r"\1", text))
    if found is not None and "#" in text:
        found.tags.extend(m.group(1) for m in _INLINE_TAG.finditer(text) if len(m.group(1)) <= 64)
    if codes:
        it = iter(codes)
        text = re.sub(_CODE_MARK, lambda _: next(it, ""), text)
    return _squash(text)


def _inline_text(token: Token, found: _Found | None = None) -> str:
    return _children_text(token.children or [], found)


def _lines(children: Sequence[Token]) -> list[list[Token]]:
    """Inline children split at soft line breaks: one list per source line."""
    lines: list[list[Token]] = [[]]
    for child in children:
        if child.type == "softbreak":
            lines.append([])
        else:
            lines[-1].append(child)
    return lines


_CONTAINER_RUN = re.compile(
    rf"^([ \t]*)((?:(?:>|(?:[-+*]|\d{{1,9}}[.)])(?=[ \t]))[ \t]*){{{MAX_MD_CONTAINERS + 1},}})", re.M
)
_ONE_CONTAINER = re.compile(r"(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t]))[ \t]*")
_DEEP_INDENT = re.compile(rf"^[ \t]{{{MAX_MD_INDENT + 1},}}", re.M)
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")


_BRACKET_LIMIT = 64


def _bracket_depth(text: str, open_: str, close: str) -> int:
    """Deepest nesting of ``open_``/``close`` in ``text`` (an unclosed one counts as open to the end)."""
    depth = deepest = 0
    for c in re.sub(f"[^{re.escape(open_ + close)}]+", "", text):
        if c == open_:
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    return deepest


def _defuse_brackets(text: str) -> str:
    """Paragraphs nesting ``[`` deeper than :data:`_BRACKET_LIMIT` with their ``[`` escaped.

    markdown-it looks for a link label's end from every ``[``, so thousands of nested or unclosed
    brackets in one paragraph cost quadratic time (seconds for 20k characters, hours for a
    megabyte). Escaped, they are plain text; no real paragraph nests links that deep.
    """
    if text.count("[") <= _BRACKET_LIMIT:
        return text
    parts = text.split("\n\n")
    for i, part in enumerate(parts):
        if part.count("[") > _BRACKET_LIMIT and _bracket_depth(part, "[", "]") > _BRACKET_LIMIT:
            parts[i] = part.replace("\\[", "[").replace("[", "\\[")
    return "\n\n".join(parts)


def _cap_nesting(text: str) -> str:
    """Markdown whose block nesting stays within what the parser handles (see :data:`MAX_MD_CONTAINERS`).

    A line opening more than ``MAX_MD_CONTAINERS`` quotes or list markers keeps the first ones (the
    rest is text of the deepest quote or item); leading whitespace beyond ``MAX_MD_INDENT`` columns
    is cut to that width. Fenced code is left as written. Costs one search when nothing is deep.
    """
    if not (_CONTAINER_RUN.search(text) or _DEEP_INDENT.search(text)):
        return text
    out: list[str] = []
    fence = ""
    for line in text.split("\n"):
        f = _FENCE.match(line)
        if fence:
            if f and f.group(1)[0] == fence[0] and len(f.group(1)) >= len(fence):
                fence = ""
            out.append(line)
            continue
        if f:
            fence = f.group(1)
            out.append(line)
            continue
        m = _CONTAINER_RUN.match(line)
        if m:
            kept = _ONE_CONTAINER.findall(m.group(2))[:MAX_MD_CONTAINERS]
            line = m.group(1) + "".join(kept) + line[m.end() :]
        if _DEEP_INDENT.match(line):
            line = " " * MAX_MD_INDENT + line.lstrip(" \t")
        out.append(line)
    return "\n".join(out)


def _markdown_blocks(text: str, found: _Found | None = None) -> list[Block]:
    found = found if found is not None else _Found()
    tokens = _markdown_parser().parse(_cap_nesting(_defuse_brackets(text)))
    blocks: list[Block] = []
    heading = ""
    list_depth = 0
    item_texts: list[list[tuple[str, bool]]] = []  # per open list: (text, is_only_link)
    row: list[str] = []
    in_row = False
    callout = False  # the next paragraph opens a block quote: it may start with a callout marker
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        t = tok.type
        if t == "heading_open":
            heading = _inline_text(tokens[i + 1], found)
            if heading:
                blocks.append(Block("heading", heading, heading))
                if tok.tag == "h1" and not found.h1:
                    found.h1 = heading
            callout = False
            i += 3
            continue
        if t == "blockquote_open":
            callout = True
        elif t in {"bullet_list_open", "ordered_list_open"}:
            list_depth += 1
            item_texts.append([])
        elif t in {"bullet_list_close", "ordered_list_close"}:
            items = item_texts.pop()
            list_depth -= 1
            if len(items) >= 2 and all(only_link for _, only_link in items):
                blocks.append(Block("menu", " ｜ ".join(txt for txt, _ in items), heading))
            else:
                blocks.extend(Block("item", txt, heading) for txt, _ in items if txt)
        elif t == "inline" and list_depth and not in_row:
            txt = _callout_free(_inline_text(tok, found)) if callout else _inline_text(tok, found)
            callout = False
            children = [c for c in tok.children or [] if c.type not in {"softbreak"}]
            only_link = (
                len(children) >= 3
                and children[0].type == "link_open"
                and children[-1].type == "link_close"
                and all(c.type in {"link_open", "link_close", "text"} for c in children)
            )
            item_texts[-1].append((txt, only_link))
        elif t == "tr_open":
            in_row, row = True, []
        elif t == "inline" and in_row:
            row.append(_inline_text(tok, found))
        elif t == "tr_close":
            in_row = False
            if any(row):
                blocks.append(Block("row", " | ".join(row), heading))
        elif t == "inline":
            blocks.extend(_paragraph_blocks(tok, heading, found, callout))
            callout = False
        elif t in {"fence", "code_block"}:
            code = tok.content.strip("\n")
            if code.strip():
                blocks.append(Block("code", code, heading))
        elif t == "html_block":
            html_blocks, _ = _html_blocks(tok.content)
            blocks.extend(Block(b.kind, b.text, b.heading or heading) for b in html_blocks)
        i += 1
    return blocks


def _callout_free(text: str) -> str:
    return _CALLOUT.sub("", text, count=1)


def _paragraph_blocks(tok: Token, heading: str, found: _Found, callout: bool) -> list[Block]:
    """A paragraph's blocks: usually one; a callout's title line and its text are two, and lines that
    each open with an emoji bullet ("✍️ …" / "📌 …") are list items."""
    children = tok.children or []
    first = children[0].content if children and children[0].type == "text" else ""
    picto = bool(first) and starts_with_pictograph(first)
    if not (callout and first.startswith("[!")) and not picto:
        txt = _inline_text(tok, found)
        return [Block("paragraph", txt, heading)] if txt else []
    texts = [_children_text(line, found) for line in _lines(children)]
    if callout and texts and _CALLOUT.match(texts[0]):
        title = _callout_free(texts[0])
        rest = _squash(" ".join(texts[1:]))
        return [Block("paragraph", t, heading) for t in (title, rest) if t]
    texts = [t for t in texts if t]
    if len(texts) >= 2 and all(starts_with_pictograph(t) for t in texts):
        return [Block("item", t, heading) for t in texts]
    txt = _squash(" ".join(texts))
    return [Block("paragraph", txt, heading)] if txt else []


# -- HTML ----------------------------------------------------------------------------------------

_DROP = {"script", "style", "noscript", "template", "svg", "iframe", "object", "canvas", "nav", "form"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_LEAF_BLOCKS = {"p", "pre", "blockquote", "figcaption", "dt", "dd", "address", "caption", "summary"}
_LISTS = {"ul", "ol", "menu"}


_NESTED_BLOCKS = _LEAF_BLOCKS | _LISTS | {"table", "div"}
_DROP_ALL = _DROP | {"head"}


def _first_tag(node: Tag, names: Collection[str]) -> Tag | None:
    """``node.find(names)`` without building a bs4 filter per call: the first descendant tag so named."""
    for d in node.descendants:
        if isinstance(d, Tag) and d.name in names:
            return d
    return None


def _child_tags(node: Tag, names: Collection[str]) -> list[Tag]:
    """``node.find_all(names, recursive=False)``: the child tags so named, in order."""
    return [c for c in node.children if isinstance(c, Tag) and c.name in names]


def _html_blocks(html: str) -> tuple[list[Block], dict[str, Any]]:
    soup = BeautifulSoup(html, "html.parser")
    # One walk over the tree finds what the separate find/find_all calls would (title, meta
    # tags, the first <time>, the tags to drop), in the same document order.
    title: Tag | None = None
    time_tag: Tag | None = None
    metas: list[Tag] = []
    dropped: list[Tag] = []
    for d in soup.descendants:
        if not isinstance(d, Tag):
            continue
        name = d.name
        if name == "meta":
            metas.append(d)
        elif name == "title" and title is None:
            title = d
        elif name == "time" and time_tag is None:
            time_tag = d
        if name in _DROP_ALL:
            dropped.append(d)
    meta: dict[str, Any] = {}
    if title and title.string:
        meta["title"] = title.string.strip()
    for tag in metas:
        name = str(tag.get("name") or tag.get("property") or "").lower()
        content = str(tag.get("content") or "").strip()
        if not content:
            continue
        if name in {"author", "article:author"}:
            meta["author"] = content
        elif name in {"keywords", "article:tag"}:
            meta["tags"] = content
        elif name in {"date", "article:published_time"}:
            meta["date"] = content
    if "date" not in meta and time_tag is not None:
        meta["date"] = str(time_tag.get("datetime") or time_tag.get_text(strip=True))
    for tag in dropped:
        tag.decompose()
    blocks: list[Block] = []
    state = {"heading": ""}
    root = soup.body or soup
    _walk_html(root, blocks, state)
    return blocks, meta


def _text_of(node: Tag) -> str:
    return _squash(node.get_text(" "))


_INLINE_TAGS = {
    "a", "span", "strong", "em", "b", "i", "code", "small", "sup", "sub", "mark", "abbr", "time",
    "u", "s", "q", "cite", "kbd", "label", "img",
}  # fmt: skip


def _walk_html(node: Tag, blocks: list[Block], state: dict[str, str], depth: int = 0) -> None:
    """Blocks of ``node``'s children. Below :data:`MAX_HTML_DEPTH` nested containers the rest of
    the subtree is one paragraph of its text (hostile or generated pages nest thousands deep)."""
    if depth >= MAX_HTML_DEPTH:
        txt = _text_of(node)
        if txt:
            blocks.append(Block("paragraph", txt, state["heading"]))
        return
    loose: list[str] = []

    def flush() -> None:
        txt = _squash(" ".join(loose))
        loose.clear()
        if txt:
            blocks.append(Block("paragraph", txt, state["heading"]))

    for child in node.children:
        if isinstance(child, NavigableString):
            if type(child) is NavigableString:  # not a Comment / Doctype / CData
                loose.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name.lower()
        if name in _HEADINGS:
            flush()
            txt = _text_of(child)
            if txt:
                state["heading"] = txt
                blocks.append(Block("heading", txt, txt))
        elif name in _LEAF_BLOCKS:
            flush()
            if name == "pre":
                txt = child.get_text().strip("\n")
                if txt.strip():
                    blocks.append(Block("code", txt, state["heading"]))
            elif _first_tag(child, _NESTED_BLOCKS) is not None:
                _walk_html(child, blocks, state, depth + 1)
            else:
                txt = _text_of(child)
                if txt:
                    blocks.append(Block("paragraph", txt, state["heading"]))
        elif name in _LISTS:
            flush()
            items = _child_tags(child, ("li",))
            texts = [_text_of(li) for li in items]
            only_links = len(items) >= 2 and all(
                (a := _first_tag(li, ("a",))) is not None and _text_of(a) == t
                for li, t in zip(items, texts, strict=True)
            )
            if only_links:
                blocks.append(Block("menu", " ｜ ".join(texts), state["heading"]))
            else:
                for li, txt in zip(items, texts, strict=True):
                    if _first_tag(li, _LISTS) is not None:
                        _walk_html(li, blocks, state, depth + 2)
                    elif txt:
                        blocks.append(Block("item", txt, state["heading"]))
        elif name == "tr":
            flush()
            cells = [_text_of(c) for c in _child_tags(child, ("td", "th"))]
            if any(cells):
                blocks.append(Block("row", " | ".join(cells), state["heading"]))
        elif name == "br":
            flush()
        elif name in _INLINE_TAGS:
            loose.append(child.get("alt", "") if name == "img" else child.get_text(" "))  # type: ignore[arg-type]
        else:
            flush()
            _walk_html(child, blocks, state, depth + 1)
    flush()


# -- plain text and PDF pages --------------------------------------------------------------------

_TEXT_HEADING = re.compile(r"^(?:#{1,6}\s+(.+)|【(.+?)】\s*|=+\s*(.+?)\s*=+)$")
_TEXT_ITEM = re.compile(r"^\s*(?:[-*•・‧]|\d+[.)、]|[（(]?[一二三四五六七八九十]+[)）、])\s+")
_SENTENCE_END = ("。", "！", "？", ".", "：", "!", "?", ":", "；", ";", "，", ",")
_CJK = re.compile(f"[{WIDE}]")
MAX_PICTO_HEADING = 30  # an emoji-led line standing alone and at most this long is a heading


def _join_lines(lines: Sequence[str], tight_cjk: bool) -> str:
    """Lines of one paragraph as one line. PDF text breaks lines inside sentences, and a space
    between two Chinese characters is not in the text, so with ``tight_cjk`` none is put there."""
    if not tight_cjk:
        return _squash(" ".join(lines))
    out = ""
    for line in lines:
        if out and not (_CJK.match(out[-1]) and _CJK.match(line[0])):
            out += " "
        out += line
    return _squash(out)


def _text_blocks(text: str, *, paged: bool = False) -> list[Block]:
    """Blocks of plain text; with ``paged`` (PDF text), ``\\f`` separates pages and every block
    records the page it is on (a paragraph never spans a page break)."""
    blocks: list[Block] = []
    heading = ""
    para: list[str] = []
    page = 0

    def flush() -> None:
        if para:
            blocks.append(Block("paragraph", _join_lines(para, paged), heading, page))
            para.clear()

    for page_no, page_text in enumerate(text.split("\f") if paged else [text], start=1):
        page = page_no if paged else 0
        lines = [raw.strip() for raw in page_text.split("\n")]
        for n, line in enumerate(lines):
            if not line:
                flush()
                continue
            if not blocks and not para and len(line) <= 60 and not line.endswith(_SENTENCE_END[:5]):
                heading = line.lstrip("#【 ").rstrip("】 ")
                blocks.append(Block("heading", heading, heading, page))
                continue
            h = _TEXT_HEADING.match(line)
            if h:
                flush()
                heading = next(g for g in h.groups() if g).strip()
                blocks.append(Block("heading", heading, heading, page))
            elif starts_with_pictograph(line):
                flush()
                alone = (n == 0 or not lines[n - 1]) and (n + 1 == len(lines) or not lines[n + 1])
                if alone and len(line) <= MAX_PICTO_HEADING and not line.endswith(_SENTENCE_END):
                    heading = line
                    blocks.append(Block("heading", line, line, page))
                else:
                    blocks.append(Block("item", line, heading, page))
            elif _TEXT_ITEM.match(line):
                flush()
                blocks.append(Block("item", line, heading, page))
            else:
                para.append(line)
        flush()
    return blocks


# -- boilerplate ---------------------------------------------------------------------------------


def block_hash(block: Block) -> str:
    """Identity of a block for repetition counting: whitespace-insensitive, kind-insensitive."""
    return hashlib.sha1(_no_space(block.text).encode("utf-8")).hexdigest()[:20]


def can_be_boilerplate(block: Block) -> bool:
    return block.kind != "heading" and len(_no_space(block.text)) >= MIN_BOILERPLATE_CHARS


def boilerplate_hashes(
    doc_counts: Mapping[str, int], group_size: int, min_docs: int, min_share: float
) -> set[str]:
    """Block hashes that count as boilerplate, given in how many of a group's documents each appears."""
    need = max(min_docs, min_share * group_size)
    return {h for h, n in doc_counts.items() if n >= need}


@dataclass(frozen=True, slots=True)
class Assembled:
    """A document's body and where things are in it (all offsets into ``body``)."""

    body: str
    sections: list[tuple[int, str]]  # (offset, heading) where each section starts
    code: tuple[tuple[int, int], ...]  # spans of code blocks
    pages: tuple[tuple[int, int], ...] = ()  # (offset, page number) where each page starts


@timed("clean.assemble")
def assemble(blocks: Sequence[Block], hashes: Sequence[str], boilerplate: Iterable[str]) -> Assembled:
    """Join the kept blocks into a body, one block per line.

    Section marks let chunks carry their section heading; code spans are where extraction looks
    for no names (code is searchable text, not prose about things); page marks (from blocks
    that know their page, i.e. PDF text) let a chunk or citation say which page it is on.
    """
    drop = set(boilerplate)
    keep = [not (h in drop and can_be_boilerplate(b)) for b, h in zip(blocks, hashes, strict=True)]
    # A heading whose whole section was boilerplate ("## 關於作者") goes with it.
    for i, block in enumerate(blocks):
        if block.kind == "heading":
            j = i + 1
            while j < len(blocks) and blocks[j].kind != "heading":
                j += 1
            if j > i + 1 and not any(keep[i + 1 : j]):
                keep[i] = False
    parts: list[str] = []
    sections: list[tuple[int, str]] = []
    code: list[tuple[int, int]] = []
    pages: list[tuple[int, int]] = []
    pos = 0
    for block, kept in zip(blocks, keep, strict=True):
        if not kept:
            continue
        if block.kind == "heading":
            sections.append((pos, block.text))
        elif block.kind == "code":
            code.append((pos, pos + len(block.text)))
        if block.page and (not pages or pages[-1][1] != block.page):
            pages.append((pos, block.page))
        parts.append(block.text)
        pos += len(block.text) + 1
    return Assembled("\n".join(parts), sections, tuple(code), tuple(pages))


def page_at(pages: Sequence[tuple[int, int]], offset: int) -> int:
    """Page number at ``offset`` of a body with these page marks (see :func:`assemble`); 0 when
    the document has no pages or the offset lies before the first page's text."""
    i = bisect_right(pages, offset, key=lambda p: p[0]) - 1
    return pages[i][1] if i >= 0 else 0
