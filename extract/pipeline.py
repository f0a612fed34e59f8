"""One document's path through ``extract``, callable without a workspace.

``graph.ingest`` drives these steps against the store (incrementally, inside a
transaction); a batch job on Spark or Ray calls the same functions per
partition (:func:`extract_partition`, one folder per partition so boilerplate
statistics stay local) and ships the records wherever it likes.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from extract import clean
from extract.chunk import make_chunks
from extract.extractor import Extractor
from extract.load import Found, SkipFile, load_file
from extract.records import Block, Chunk, DocExtraction, Document, LoadedFile, stable_id
from extract.redact import redact

log = logging.getLogger(__name__)

Sections = list[tuple[int, str]]
Extracted = tuple[Document, list[Chunk], DocExtraction | Exception]


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """A file read, redacted and split into blocks; its body waits for the folder's boilerplate."""

    doc: Document  # metadata only: body is ""
    blocks: tuple[Block, ...]
    hashes: tuple[str, ...]


def document_id(real: Path) -> str:
    """A document is its real location: the same file reached by another relative path is one document."""
    return stable_id("d", str(real))


def parse_loaded(loaded: LoadedFile, found: Found) -> ParsedDocument:
    """Redact first, so no later stage (metadata, blocks, chunks) ever sees a secret."""
    text, redactions = redact(loaded.text)
    parsed = clean.parse(text, loaded.fmt)
    doc = Document(
        id=document_id(found.real),
        path=loaded.path,
        group=str(found.real.parent),
        title=parsed.title or found.real.stem,
        body="",
        raw_hash=loaded.raw_hash,
        encoding=loaded.encoding,
        size_bytes=loaded.size_bytes,
        date=parsed.date,
        author=parsed.author,
        tags=parsed.tags,
        metadata=parsed.metadata,
        redactions=redactions,
    )
    return ParsedDocument(doc, parsed.blocks, tuple(clean.block_hash(b) for b in parsed.blocks))


def read_document(found: Found, max_bytes: int) -> ParsedDocument:
    """Load and parse one file; raises :class:`extract.load.SkipFile` with the reason."""
    return parse_loaded(load_file(found, max_bytes), found)


def folder_boilerplate(docs: Sequence[ParsedDocument], min_docs: int, min_share: float) -> set[str]:
    """Boilerplate block hashes among documents of one folder (see :mod:`extract.clean`)."""
    counts = Counter(h for d in docs for h in set(d.hashes))
    return clean.boilerplate_hashes(counts, len(docs), min_docs, min_share)


def with_body(parsed: ParsedDocument, boilerplate: Iterable[str]) -> tuple[Document, Sections]:
    body, sections, code = clean.assemble(parsed.blocks, parsed.hashes, boilerplate)
    return replace(parsed.doc, body=body, code=code), sections


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


def extract_partition(
    paths: Iterable[str],
    extractor: Extractor,
    *,
    max_bytes: int = 20 * 1024 * 1024,
    chunk_size: int = 500,
    overlap: int = 1,
    min_docs: int = 3,
    min_share: float = 0.3,
) -> tuple[list[Extracted], list[tuple[str, str]]]:
    """Everything ``extract`` does for one folder's files: (extracted documents, [(path, skip reason)])."""
    parsed: list[ParsedDocument] = []
    skipped: list[tuple[str, str]] = []
    for p in paths:
        try:
            parsed.append(read_document(Found(p, Path(p).resolve()), max_bytes))
        except SkipFile as exc:
            skipped.append((p, str(exc)))
    boiler = folder_boilerplate(parsed, min_docs, min_share)
    docs = [with_body(p, boiler) for p in parsed]
    return extract_documents(docs, extractor, chunk_size, overlap), skipped
