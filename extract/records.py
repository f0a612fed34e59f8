"""Typed records that flow from files to the graph.

Every stage takes and returns these; nothing downstream reaches back into a
stage's internals. Offsets always refer to ``Document.body`` (the cleaned,
redacted text that chunks and evidence are cut from), so a mention or an
evidence sentence can always be shown in its document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class EntityType(StrEnum):
    MODEL = "MODEL"
    TOOL = "TOOL"
    CONCEPT = "CONCEPT"
    ORG = "ORG"
    PERSON = "PERSON"
    HARDWARE = "HARDWARE"
    DATASET = "DATASET"  # data sets and benchmarks (ImageNet, SQuAD, MMLU, TMMLU+)


class RelationType(StrEnum):
    IS_A = "IS_A"
    PART_OF = "PART_OF"
    VARIANT_OF = "VARIANT_OF"
    USES = "USES"
    RUNS_ON = "RUNS_ON"
    INTEGRATES = "INTEGRATES"
    COMPARED_WITH = "COMPARED_WITH"
    DEVELOPED_BY = "DEVELOPED_BY"
    TRAINED_ON = "TRAINED_ON"
    ALTERNATIVE_TO = "ALTERNATIVE_TO"
    RELATED_TO = "RELATED_TO"


@dataclass(frozen=True, slots=True)
class Redaction:
    """Where a secret was removed; the value itself is never kept."""

    kind: str
    line: int


@dataclass(frozen=True, slots=True)
class Block:
    """One unit of a document's visible text (paragraph, list item, table row, link menu).

    Blocks are what cross-document boilerplate detection compares, so they are
    kept separately from the joined body.
    """

    kind: str  # "heading" | "paragraph" | "item" | "row" | "menu" | "code"
    text: str
    heading: str = ""  # nearest heading above, for section context
    page: int = 0  # 1-based page the block starts on (PDF); 0 when the format has no pages


@dataclass(frozen=True, slots=True)
class LoadedFile:
    """A file read from disk and decoded; nothing has been interpreted yet."""

    path: str  # as given to ingest
    raw_hash: str  # sha256 of the bytes: the unchanged-file check
    size_bytes: int
    encoding: str
    text: str
    fmt: str  # "markdown" | "mdx" | "html" | "text" | "pdf" (pages separated by "\f")


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    path: str
    group: str  # documents of one folder share boilerplate statistics
    title: str
    body: str
    raw_hash: str
    encoding: str
    size_bytes: int
    date: str = ""
    author: str = ""
    tags: tuple[str, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)
    redactions: tuple[Redaction, ...] = ()
    code: tuple[tuple[int, int], ...] = ()  # spans of code blocks in ``body`` (no names are looked for there)
    aliases: tuple[str, ...] = ()  # other names of the document (front matter ``aliases:``)
    # Documents this one links to: wikilink targets and relative ``.md`` link targets, without
    # ``#heading`` or ``.md`` (``[[Note#Part|see]]`` → ``Note``, ``[x](../a/b.md)`` → ``../a/b``).
    links: tuple[str, ...] = ()
    # (shown text, note name) of labelled wikilinks ``[[Ollama|本機工具]]``: where the label appears,
    # the note's name is mentioned (extraction counts it when it knows the name).
    link_labels: tuple[tuple[str, str], ...] = ()
    # (offset in ``body`` where a page starts, page number), ascending; () when the format has no
    # pages. :func:`extract.clean.page_at` turns an offset into a page number for citations.
    pages: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Chunk:
    id: str  # content hash: stable across runs and machines
    doc_id: str
    index: int
    text: str
    start: int  # offset in Document.body
    end: int
    section: str = ""


@dataclass(frozen=True, slots=True)
class Mention:
    """One occurrence of a candidate entity in a document."""

    doc_id: str
    chunk_id: str
    start: int  # offset in Document.body
    end: int
    surface: str  # exactly body[start:end]
    key: str  # matching key (normalize.match_key) the resolver groups on
    type: EntityType
    extractor: str  # "lexicon" | "pattern" | "ckip" | ...
    confidence: float
    canonical: str = ""  # lexicon canonical name when the lexicon knows it


@dataclass(frozen=True, slots=True)
class RelationCandidate:
    """A relation as seen in one sentence, before entities are resolved.

    ``source_key``/``target_key`` are mention keys of the same document; the
    store maps them to entity ids after resolution.
    """

    doc_id: str
    chunk_id: str
    source_key: str
    target_key: str
    type: RelationType
    sentence: str
    extractor: str
    confidence: float
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class DocExtraction:
    mentions: tuple[Mention, ...] = ()
    relations: tuple[RelationCandidate, ...] = ()


@dataclass(frozen=True, slots=True)
class SurfaceStat:
    """All mentions of one (key, surface, type, extractor), aggregated over the corpus.

    Resolution works on these rather than on raw mentions so that it scales
    with the vocabulary, not with the corpus.
    """

    key: str
    surface: str
    type: EntityType
    extractor: str
    count: int
    doc_count: int
    confidence: float
    canonical: str = ""


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    name: str
    type: EntityType
    aliases: tuple[str, ...] = ()
    extractors: tuple[str, ...] = ()
    confidence: float = 1.0
    mention_count: int = 0
    doc_ids: tuple[str, ...] = ()
    variant_of: str = ""  # entity id of the family, for model variants
    merges: tuple[str, ...] = ()  # human-readable: which rule merged which surface


@dataclass(frozen=True, slots=True)
class Evidence:
    doc_id: str
    chunk_id: str
    text: str
    extractor: str = ""
    confidence: float = 1.0


@dataclass(frozen=True, slots=True)
class Relation:
    id: str
    source: str  # entity id
    target: str
    type: RelationType
    weight: float
    confidence: float
    extractors: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()


def stable_id(prefix: str, *parts: str) -> str:
    """Short content-derived id: the same inputs give the same id on every machine."""
    import hashlib

    h = hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]
    return f"{prefix}{h}"
