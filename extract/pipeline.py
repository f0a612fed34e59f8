"""One document's path through ``extract``, callable without a workspace.

``graph.build.ingest`` drives these steps against the store (incrementally, inside a
transaction), in worker processes or on Spark executors (``graph.build.spark``): reading one
file and extracting a batch of documents are the per-document steps; folder boilerplate,
titles and duplicates are decided over the stored documents.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from extract import clean
from extract.chunk import make_chunks
from extract.duplicates import near_boilerplate
from extract.extractor import Extractor
from extract.load import Found, load_file
from extract.records import Block, Chunk, DocExtraction, Document, LoadedFile, stable_id
from extract.redact import redact, redact_name

log = logging.getLogger(__name__)

Sections = list[tuple[int, str]]
Extracted = tuple[Document, list[Chunk], DocExtraction | Exception]


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """A file read, redacted and split into blocks; its body waits for the folder's boilerplate,
    and its title for the folder's site titles (:func:`distinct_titles`)."""

    doc: Document  # metadata only: body is ""
    blocks: tuple[Block, ...]
    hashes: tuple[str, ...]
    meta_title: str = ""  # the front-matter / <title> title, "" when there is none
    fallback_title: str = ""  # first heading, else first line, else the file name: never empty


def document_id(real: Path) -> str:
    """A document is its real location: the same file reached by another relative path is one document."""
    return stable_id("d", str(real))


def parse_loaded(loaded: LoadedFile, found: Found) -> ParsedDocument:
    """Redact first, so no later stage (metadata, blocks, chunks) ever sees a secret.

    The file's name and folder are redacted too (a key pasted into a file name would otherwise be
    stored as the path and shown as the title); the id still comes from the real location.
    """
    text, redactions = redact(loaded.text)
    path, in_name = redact_name(loaded.path)
    parsed = clean.parse(text, loaded.fmt, source=path)
    fallback = parsed.text_title or clean.file_title(redact_name(found.real.name)[0])
    doc = Document(
        id=document_id(found.real),
        path=path,
        group=redact_name(str(found.real.parent))[0],
        title=parsed.meta_title or fallback,
        body="",
        raw_hash=loaded.raw_hash,
        encoding=loaded.encoding,
        size_bytes=loaded.size_bytes,
        date=parsed.date,
        author=parsed.author,
        tags=parsed.tags,
        metadata=parsed.metadata,
        redactions=in_name + redactions,
        aliases=parsed.aliases,
        links=parsed.links,
        link_labels=parsed.link_labels,
    )
    hashes = tuple(clean.block_hash(b) for b in parsed.blocks)
    return ParsedDocument(doc, parsed.blocks, hashes, meta_title=parsed.meta_title, fallback_title=fallback)


def read_document(found: Found, max_bytes: int) -> ParsedDocument:
    """Load and parse one file; raises :class:`extract.load.SkipFile` with the reason."""
    return parse_loaded(load_file(found, max_bytes), found)


def folder_boilerplate(
    docs: Sequence[ParsedDocument], min_docs: int, min_share: float, near_threshold: float = 0.0
) -> set[str]:
    """Boilerplate block hashes among documents of one folder (see :func:`boilerplate_of`)."""
    return boilerplate_of(
        [list(zip(d.blocks, d.hashes, strict=True)) for d in docs], min_docs, min_share, near_threshold
    )


def boilerplate_of(
    blocks_per_doc: Sequence[Sequence[tuple[Block, str]]],
    min_docs: int,
    min_share: float,
    near_threshold: float,
) -> set[str]:
    """The blocks of one folder's documents that are boilerplate, not content.

    A block is boilerplate when it (verbatim) or its near-duplicate family (a disclaimer reworded
    a little on every page, :func:`extract.duplicates.near_boilerplate`, shingle Jaccard ≥
    ``near_threshold``; 0 turns this off) appears in ``min_docs`` documents and ``min_share`` of
    the folder. The one rule of both a partition job and an ingest.
    """
    counts = Counter(h for blocks in blocks_per_doc for h in {h for _, h in blocks})
    found = clean.boilerplate_hashes(counts, len(blocks_per_doc), min_docs, min_share)
    if near_threshold > 0 and len(blocks_per_doc) >= min_docs:
        candidates = [
            [(h, b.text) for b, h in blocks if clean.can_be_boilerplate(b)] for blocks in blocks_per_doc
        ]
        found |= near_boilerplate(candidates, min_docs, min_share, near_threshold)
    return found


def distinct_titles(docs: Sequence[ParsedDocument], min_docs: int, min_share: float) -> list[ParsedDocument]:
    """Documents whose front-matter title names the site rather than the page get their own title.

    A static site or a Notion/PDF export often puts one title (the site's, the template's,
    ``Untitled``) in every file's metadata; among a folder's documents such a title follows the
    boilerplate rule (:func:`extract.clean.site_titles`), and those documents fall back to their
    first heading, first line or file name. Order is kept; other documents are returned as they are.
    """
    groups: dict[str, list[ParsedDocument]] = {}
    for d in docs:
        groups.setdefault(d.doc.group, []).append(d)
    site: dict[str, set[str]] = {
        group: clean.site_titles((d.meta_title for d in members), len(members), min_docs, min_share)
        for group, members in groups.items()
    }
    out = []
    for d in docs:
        title = choose_title(d.meta_title, d.fallback_title, site[d.doc.group])
        out.append(d if title == d.doc.title else replace(d, doc=replace(d.doc, title=title)))
    return out


def choose_title(meta_title: str, fallback_title: str, site_titles: Iterable[str]) -> str:
    """The front-matter title unless it is one of the folder's site titles; else the fallback."""
    if meta_title and (not fallback_title or meta_title not in site_titles):
        return meta_title
    return fallback_title or meta_title


def assemble_document(
    doc: Document, blocks: Sequence[Block], hashes: Sequence[str], boilerplate: Iterable[str]
) -> tuple[Document, Sections]:
    """``doc`` with its body (and code spans and page marks) assembled without the folder's boilerplate.

    The one assembly step of both paths: a partition job (:func:`with_body`) and an ingest that
    re-assembles stored blocks when a folder's boilerplate moved.
    """
    a = clean.assemble(blocks, hashes, boilerplate)
    return replace(doc, body=a.body, code=a.code, pages=a.pages), a.sections


def with_body(parsed: ParsedDocument, boilerplate: Iterable[str]) -> tuple[Document, Sections]:
    """The parsed document with its body assembled without the folder's boilerplate."""
    return assemble_document(parsed.doc, parsed.blocks, parsed.hashes, boilerplate)


def extract_documents(
    docs: Sequence[tuple[Document, Sections]], extractor: Extractor, chunk_size: int, overlap: int
) -> list[Extracted]:
    """Chunk and extract a batch; a document that fails, fails alone (its exception is returned)."""
    items: list[tuple[Document, Sequence[Chunk]]] = [
        (doc, make_chunks(doc.id, doc.body, sections, chunk_size, overlap)) for doc, sections in docs
    ]
    try:
        results: list[DocExtraction | Exception] = list(extractor.extract_many(items))
    except Exception:
        log.debug("batch extraction failed; retrying documents one by one", exc_info=True)
        results = []
        for item in items:
            try:
                results.extend(extractor.extract_many([item]))
            except Exception as exc:
                results.append(exc)
    return [(doc, list(chunks), r) for (doc, chunks), r in zip(items, results, strict=True)]
