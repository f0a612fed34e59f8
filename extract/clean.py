"""Decoded text → metadata and visible-text blocks → body without boilerplate.

Markup is removed but what a reader sees is kept: link text, table cells,
code, headings (as section context). Text is split into *blocks* (paragraph,
list item, table row, link menu) because that is the unit that repeats across
pages of one site: navigation, "about the author" boxes, footers.

The boilerplate rule (see :func:`boilerplate_hashes`): a non-heading block of
at least ``MIN_BOILERPLATE_CHARS`` characters is boilerplate when it appears
verbatim (after whitespace normalisation) in at least ``min_docs`` documents of
the same folder *and* in at least ``min_share`` of that folder's documents.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import yaml
from bs4 import BeautifulSoup, NavigableString, Tag
from markdown_it import MarkdownIt
from markdown_it.token import Token

from extract.records import Block

log = logging.getLogger(__name__)

MIN_BOILERPLATE_CHARS = 8
# libyaml's safe loader when available: an order of magnitude faster on front matter.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_FRONT_MATTER = re.compile(r"\A(?:\ufeff)?---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


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
}


@dataclass(frozen=True, slots=True)
class Parsed:
    """What cleaning learned about one file."""

    title: str = ""
    date: str = ""
    author: str = ""
    tags: tuple[str, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)
    blocks: tuple[Block, ...] = ()


def parse(text: str, fmt: str) -> Parsed:
    """Split front matter from content and turn the content into blocks."""
    meta: dict[str, Any] = {}
    m = _FRONT_MATTER.match(text)
    if m:
        try:
            loaded = yaml.load(m.group(1), Loader=_YAML_LOADER)
            meta = loaded if isinstance(loaded, dict) else {}
        except yaml.YAMLError as exc:
            log.warning("front matter is not valid YAML, ignored: %s", str(exc).splitlines()[0])
        text = text[m.end() :]
    html_meta: dict[str, Any] = {}
    if fmt == "html":
        blocks, html_meta = _html_blocks(text)
    elif fmt == "markdown":
        blocks = _markdown_blocks(text)
    elif fmt == "mdx":
        blocks = _markdown_blocks(mdx_to_markdown(text))
    else:
        blocks = _text_blocks(text)
    fields = _metadata_fields({**html_meta, **meta})
    title = fields.pop("title", "") or next((b.text for b in blocks if b.kind == "heading"), "")
    tags = _tags(_lookup(meta, "tags") or html_meta.get("tags"))
    fields.pop("tags", None)
    return Parsed(
        title=_clip(title, 300),
        date=fields.pop("date", ""),
        author=fields.pop("author", ""),
        tags=tags,
        metadata=fields,
        blocks=tuple(blocks),
    )


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


def mdx_to_markdown(text: str) -> str:
    """MDX as plain Markdown: imports, exports, template directives and component tags removed.

    Components (``<Tip>``, ``<Youtube id="…"/>``, multi-line ``<Banner notebooks={[…]} />``) are
    capitalised JSX tags: the tags and their attributes go, the text between opening and closing
    tags stays, so a tip box still reads as a paragraph.
    """
    text = _MDX_LINE.sub("", text)
    out: list[str] = []
    pos = 0
    for m in _JSX_OPEN.finditer(text):
        if m.start() < pos:
            continue
        out.append(text[pos : m.start()])
        pos = _jsx_tag_end(text, m.end())
        out.append("\n")
    out.append(text[pos:])
    return "".join(out)


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


# -- markdown ------------------------------------------------------------------------------------


def _inline_text(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or []:
        if child.type in {"text", "code_inline"}:
            parts.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)  # alt text
        elif child.type == "html_inline":
            continue
    return _squash("".join(parts))


@lru_cache(maxsize=1)
def _markdown_parser() -> MarkdownIt:
    """One parser for all documents: building one sets up every rule chain (``parse`` keeps no state)."""
    return MarkdownIt("commonmark").enable("table")


def _markdown_blocks(text: str) -> list[Block]:
    tokens = _markdown_parser().parse(text)
    blocks: list[Block] = []
    heading = ""
    list_depth = 0
    item_texts: list[list[tuple[str, bool]]] = []  # per open list: (text, is_only_link)
    row: list[str] = []
    in_row = False
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        t = tok.type
        if t == "heading_open":
            heading = _inline_text(tokens[i + 1])
            if heading:
                blocks.append(Block("heading", heading, heading))
            i += 3
            continue
        if t in {"bullet_list_open", "ordered_list_open"}:
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
            txt = _inline_text(tok)
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
            row.append(_inline_text(tok))
        elif t == "tr_close":
            in_row = False
            if any(row):
                blocks.append(Block("row", " | ".join(row), heading))
        elif t == "inline":
            txt = _inline_text(tok)
            if txt:
                blocks.append(Block("paragraph", txt, heading))
        elif t in {"fence", "code_block"}:
            code = tok.content.strip("\n")
            if code.strip():
                blocks.append(Block("code", code, heading))
        elif t == "html_block":
            html_blocks, _ = _html_blocks(tok.content)
            blocks.extend(Block(b.kind, b.text, b.heading or heading) for b in html_blocks)
        i += 1
    return blocks


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


def _walk_html(node: Tag, blocks: list[Block], state: dict[str, str]) -> None:
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
                _walk_html(child, blocks, state)
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
                        _walk_html(li, blocks, state)
                    elif txt:
                        blocks.append(Block("item", txt, state["heading"]))
        elif name == "tr":
            flush()
            cells = [_text_of(c) for c in _child_tags(child, ("td", "th"))]
            if any(cells):
                blocks.append(Block("row", " | ".join(cells), state["heading"]))
        elif name == "br":
            flush()
        elif name in {
            "a",
            "span",
            "strong",
            "em",
            "b",
            "i",
            "code",
            "small",
            "sup",
            "sub",
            "mark",
            "abbr",
            "time",
            "u",
            "s",
            "q",
            "cite",
            "kbd",
            "label",
            "img",
        }:
            loose.append(child.get("alt", "") if name == "img" else child.get_text(" "))  # type: ignore[arg-type]
        else:
            flush()
            _walk_html(child, blocks, state)
    flush()


# -- plain text ----------------------------------------------------------------------------------

_TEXT_HEADING = re.compile(r"^(?:#{1,6}\s+(.+)|【(.+?)】\s*|=+\s*(.+?)\s*=+)$")
_TEXT_ITEM = re.compile(r"^\s*(?:[-*•・‧]|\d+[.)、]|[（(]?[一二三四五六七八九十]+[)）、])\s+")


def _text_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    heading = ""
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(Block("paragraph", _squash(" ".join(para)), heading))
            para.clear()

    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            flush()
            continue
        if not blocks and not para and len(line) <= 60 and not line.endswith(("。", "！", "？", ".", "：")):
            heading = line.lstrip("#【 ").rstrip("】 ")
            blocks.append(Block("heading", heading, heading))
            continue
        h = _TEXT_HEADING.match(line)
        if h:
            flush()
            heading = next(g for g in h.groups() if g).strip()
            blocks.append(Block("heading", heading, heading))
        elif _TEXT_ITEM.match(line):
            flush()
            blocks.append(Block("item", line, heading))
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


def assemble(
    blocks: Sequence[Block], hashes: Sequence[str], boilerplate: Iterable[str]
) -> tuple[str, list[tuple[int, str]], tuple[tuple[int, int], ...]]:
    """Join the kept blocks into a body, one block per line.

    Returns the body, ``(offset, heading)`` marks where each section starts, so
    chunks can carry their section heading, and the spans of code blocks, where
    extraction looks for no names (code is searchable text, not prose about things).
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
    pos = 0
    for block, kept in zip(blocks, keep, strict=True):
        if not kept:
            continue
        if block.kind == "heading":
            sections.append((pos, block.text))
        elif block.kind == "code":
            code.append((pos, pos + len(block.text)))
        parts.append(block.text)
        pos += len(block.text) + 1
    return "\n".join(parts), sections, tuple(code)
