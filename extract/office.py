"""PDF and DOCX bytes → text the cleaner already understands.

Both formats are containers rather than text, so they are read from the bytes
:mod:`extract.load` already holds (bounded by the size limit) and never from
the path again. What comes out keeps the structure a citation needs:

- PDF: each page's text, pages separated by a form feed ``\\f`` (page N is the
  text after the (N-1)-th ``\\f``), format ``"pdf"``. A PDF whose pages carry
  almost no text is a scan; without OCR it has nothing to offer and is refused
  with a reason rather than stored as an empty document.
- DOCX: Markdown-like text (``# Heading``, ``- item``, tables as ``| a | b |``
  rows), format ``"markdown"``, so headings become sections like any Markdown
  file's.

Title, author and date from the document properties become YAML front matter,
which :func:`extract.clean.parse` turns into document metadata for every format.

Both parsers are third-party code running on untrusted bytes: any exception
they raise means "this file cannot be read", never "stop the run", so each
entry point turns every failure into :class:`UnusableDocument`.
"""

from __future__ import annotations

import io
import logging
import math
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml

from extract.errors import ZhkgError

log = logging.getLogger(__name__)

PAGE_BREAK = "\f"
NO_TEXT_LAYER = "no text layer (scanned PDF; OCR is not enabled)"

# A page "has text" with at least this many letters (CJK characters count as letters; digits do
# not, so printed page numbers and "Page 3 of 40" footers on a scan do not make it a text PDF).
MIN_LETTERS_PER_PAGE = 10
# ...and a PDF has a text layer when at least this share of its pages (and at least one) has text.
MIN_TEXT_PAGE_SHARE = 0.1

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted Office files and legacy .doc
_HEADING_STYLE = re.compile(r"^heading\s*([1-9])$", re.I)
# Characters that could start Markdown syntax at the start of a line, or inline anywhere.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|&])")
_MD_LINE_START = re.compile(r"^([#>+=~-]|\d+[.)])")


class UnusableDocument(ZhkgError):
    """A PDF or DOCX that yields no usable text; the message is the one-line reason."""


@dataclass(frozen=True, slots=True)
class ContainerText:
    """Text read out of a PDF or DOCX, ready to be a :class:`extract.records.LoadedFile`'s text."""

    text: str
    fmt: str  # "pdf" | "markdown"
    pages: int  # PDF pages; 0 for DOCX (Word paginates at display time)


# -- PDF -----------------------------------------------------------------------------------------


def pdf_text(data: bytes) -> ContainerText:
    """Every page's text, ``\\f`` between pages, front matter from the PDF's properties first."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            _unlock(reader)
        n_pages = len(reader.pages)
    except UnusableDocument:
        raise
    except (DependencyError, FileNotDecryptedError) as exc:
        raise UnusableDocument(f"encrypted PDF that cannot be opened ({_first_line(exc)})") from None
    except Exception as exc:  # third-party parser on untrusted bytes: anything means "broken"
        raise UnusableDocument(f"broken PDF ({_describe(exc)})") from None
    if n_pages == 0:
        raise UnusableDocument("broken PDF (no pages)")
    read = list(_page_texts(reader, n_pages))
    if all(t is None for t in read):
        raise UnusableDocument("broken PDF (no page could be read)")
    pages = [t or "" for t in read]
    if not has_text_layer(pages):
        raise UnusableDocument(NO_TEXT_LAYER)
    meta = _pdf_metadata(reader)
    return ContainerText(_front_matter(meta) + PAGE_BREAK.join(pages), "pdf", n_pages)


def has_text_layer(pages: list[str]) -> bool:
    """True when enough pages carry real text (see :data:`MIN_LETTERS_PER_PAGE`)."""
    if not pages:
        return False
    texty = sum(1 for p in pages if sum(ch.isalpha() for ch in p) >= MIN_LETTERS_PER_PAGE)
    return texty >= max(1, math.ceil(MIN_TEXT_PAGE_SHARE * len(pages)))


def _unlock(reader: Any) -> None:
    """Open an encrypted PDF with the empty user password (permission-only protection, common in
    exported reports); a real password is something we do not have."""
    from pypdf import PasswordType

    if reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise UnusableDocument("encrypted PDF (needs a password)")


def _page_texts(reader: Any, n_pages: int) -> Iterable[str | None]:
    """One string per page, None for a page that fails to extract (it becomes an empty page, so
    the page numbers after it stay right)."""
    for i in range(n_pages):
        try:
            text = reader.pages[i].extract_text() or ""
        except Exception:  # one odd page (bad font, broken content stream) must not lose the rest
            log.debug("page %d: text extraction failed", i + 1, exc_info=True)
            yield None
            continue
        # The separator is ours alone: a form feed inside a page would shift every later page.
        yield text.replace(PAGE_BREAK, "\n").replace("\r\n", "\n").replace("\r", "\n").strip("\n")


def _pdf_metadata(reader: Any) -> dict[str, str]:
    try:
        info = reader.metadata
        if info is None:
            return {}
        when = info.creation_date
        return {
            "title": str(info.title or ""),
            "author": str(info.author or ""),
            "date": when.date().isoformat() if isinstance(when, datetime) else "",
        }
    except Exception:  # properties are a nicety; a malformed info dictionary costs only them
        log.debug("unreadable PDF properties", exc_info=True)
        return {}


# -- DOCX ----------------------------------------------------------------------------------------


def docx_text(data: bytes, max_unpacked: int) -> ContainerText:
    """Body paragraphs and tables in document order as Markdown-like text.

    ``max_unpacked`` bounds the unzipped size: a DOCX is a zip of XML, and a few
    kilobytes can unpack to gigabytes.
    """
    if data.startswith(_OLE_MAGIC):
        raise UnusableDocument("encrypted or legacy Word file (not a DOCX zip); save it as .docx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            unpacked = sum(i.file_size for i in z.infolist())
    except Exception as exc:
        raise UnusableDocument(f"broken DOCX ({_describe(exc)})") from None
    if "word/document.xml" not in names:
        raise UnusableDocument("not a Word document (zip without word/document.xml)")
    if unpacked > max_unpacked:
        raise UnusableDocument(
            f"DOCX unpacks to {unpacked / 2**20:.1f} MiB (limit {max_unpacked / 2**20:.1f} MiB)"
        )
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
        lines = list(_docx_lines(document))
        meta = _docx_metadata(document)
    except Exception as exc:  # third-party parser on untrusted bytes: anything means "broken"
        raise UnusableDocument(f"broken DOCX ({_describe(exc)})") from None
    body = "\n\n".join(line for line in lines if line.strip())
    if not body.strip():  # properties alone are not a document
        raise UnusableDocument("empty document (no text)")
    return ContainerText(_front_matter(meta) + body, "markdown", 0)


def _docx_lines(document: Any) -> Iterable[str]:
    from docx.table import Table

    for item in document.iter_inner_content():
        if isinstance(item, Table):
            yield "\n".join(_table_rows(item))
        else:
            yield _paragraph(item)


def _paragraph(par: Any) -> str:
    text = par.text.strip()
    if not text:
        return ""
    level = _heading_level(par)
    if level:
        return "#" * level + " " + " ".join(_escape(line) for line in text.splitlines())
    body = "\n".join(_escape(line.strip()) for line in text.splitlines())
    list_level = _list_level(par)
    if list_level is None:
        return body
    marker = "1." if "number" in _style_name(par).lower() else "-"
    indent = "   " * list_level if marker == "1." else "  " * list_level
    return indent + marker + " " + body.replace("\n", "\n" + indent + " " * (len(marker) + 1))


def _style_name(par: Any) -> str:
    try:
        return str(par.style.name or "") if par.style is not None else ""
    except Exception:
        return ""


def _heading_level(par: Any) -> int:
    """Heading level from the style (or the style it is based on: custom heading styles usually
    derive from a built-in one), ``Title`` counting as level 1; 0 for body text."""
    style = par.style
    for _ in range(5):  # a based-on chain is short; a cyclic one must not loop
        if style is None:
            return 0
        name = str(style.name or "")
        if name.lower() == "title":
            return 1
        m = _HEADING_STYLE.match(name)
        if m:
            return int(m.group(1))
        style = style.base_style
    return 0


def _list_level(par: Any) -> int | None:
    """Nesting level of a list paragraph (by list style or direct numbering); None if not a list."""
    ppr = par._p.pPr
    num = ppr.numPr if ppr is not None else None
    if num is not None and num.ilvl is not None and num.ilvl.val is not None:
        return min(int(num.ilvl.val), 8)
    if num is not None or _style_name(par).lower().startswith("list"):
        return 0
    return None


def _table_rows(table: Any) -> Iterable[str]:
    """Rows as Markdown table lines; a merged cell appears once, not once per grid column."""
    first = True
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            # a merged cell spans grid columns: its text once, blanks after, so columns stay aligned
            same = cell._tc is previous
            previous = cell._tc
            cells.append(
                "" if same else " ".join(_escape(t.strip()) for t in cell.text.splitlines() if t.strip())
            )
        if not any(cells):
            continue
        yield "| " + " | ".join(cells) + " |"
        if first:
            yield "|" + " --- |" * len(cells)
            first = False


def _docx_metadata(document: Any) -> dict[str, str]:
    props = document.core_properties
    created = props.created
    return {
        "title": str(props.title or ""),
        "author": str(props.author or ""),
        "date": created.date().isoformat() if isinstance(created, datetime) else "",
    }


def _escape(line: str) -> str:
    """Word text as literal Markdown: what looks like markup (``*``, ``<tag>``, a leading ``#``)
    was typed by the author and must stay text."""
    line = _MD_INLINE.sub(r"\\\1", line)
    return _MD_LINE_START.sub(lambda m: m.group(1)[:-1] + "\\" + m.group(1)[-1], line)


# -- shared --------------------------------------------------------------------------------------


# What generators write when the author set nothing (reportlab, python-docx's template, Word).
_PLACEHOLDERS = frozenset({"untitled", "anonymous", "unknown", "unspecified", "python-docx", "author"})


def _front_matter(meta: dict[str, str]) -> str:
    """YAML front matter for the properties that are really set; empty when none is."""
    squashed = {k: " ".join(v.split()) for k, v in meta.items()}
    kept = {k: v for k, v in squashed.items() if v and v.lower() not in _PLACEHOLDERS}
    if not kept:
        return ""
    return "---\n" + yaml.safe_dump(kept, allow_unicode=True, sort_keys=False) + "---\n"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _describe(exc: BaseException) -> str:
    """``Type: first line`` of an exception, clipped: a reason is one short line."""
    msg = _first_line(exc)
    out = msg if msg == type(exc).__name__ else f"{type(exc).__name__}: {msg}"
    return out[:200]
