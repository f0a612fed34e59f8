"""Records produced by the graph stages (communities, answers).

Extraction records live in :mod:`extract.records`; these build on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict

from extract.records import RelationType

# Relation types whose direction carries no meaning: stored source < target, drawn without arrows.
SYMMETRIC = frozenset({RelationType.COMPARED_WITH, RelationType.RELATED_TO, RelationType.ALTERNATIVE_TO})


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """A document's row in the workspace (its body only when asked for one document)."""

    id: str
    path: str
    group: str  # the folder whose boilerplate statistics the document shares
    title: str
    date: str
    author: str
    tags: tuple[str, ...]
    metadata: dict[str, Any]
    encoding: str
    size_bytes: int
    raw_hash: str
    aliases: tuple[str, ...] = ()  # front-matter aliases (Obsidian)
    links: tuple[str, ...] = ()  # link targets as written ([[note]], relative .md links), normalised
    link_labels: tuple[tuple[str, str], ...] = ()  # (shown text, note) of [[note|label]] links
    pages: tuple[tuple[int, int], ...] = ()  # (body offset, page) where each page starts (PDF)
    duplicate_of: str = ""  # id of the document this one repeats (then it is not indexed)
    similarity: float = 0.0  # with that document: 1.0 exact, else the shingle Jaccard
    body: str = ""


class ReportEntity(TypedDict):
    id: str
    name: str
    type: str
    pagerank: float  # inside the community


class ReportEvidence(TypedDict):
    doc_id: str
    chunk_id: str
    text: str


class ReportRelation(TypedDict):
    id: str
    source: str  # names, as shown
    target: str
    type: str
    weight: float
    text: str  # the relation in words (Traditional Chinese)
    evidence: list[ReportEvidence]


class ReportDocument(TypedDict):
    doc_id: str
    path: str
    title: str
    entities: int  # members the document mentions


class Report(TypedDict, total=False):
    """A community report as stored (JSON): what :func:`graph.build.reports.extractive_report`
    writes, plus the LLM writer's fields when one rewrote title and summary."""

    level: int
    title: str
    summary: str
    writer: str  # "extractive" | "llm"
    size: int
    entities: list[ReportEntity]
    relations: list[ReportRelation]
    sentences: list[ReportEvidence]
    documents: list[ReportDocument]
    extractive_title: str
    extractive_summary: str
    model: str


@dataclass(frozen=True, slots=True)
class Community:
    id: str
    level: int  # 0 = finest
    parent: str  # id of the enclosing community one level up, "" at the top
    entity_ids: tuple[str, ...]
    title: str = ""
    summary: str = ""
    report: Report = field(default_factory=lambda: Report())
    rank: float = 0.0
    content_hash: str = ""


@dataclass(frozen=True, slots=True)
class Citation:
    doc_id: str
    path: str
    chunk_id: str
    text: str  # the whole chunk
    score: float
    sentence: str = ""  # the sentence of the chunk that best supports the answer
    page: int = 0  # the page the chunk starts on (PDF); 0 when the document has no pages

    @property
    def where(self) -> str:
        """The path, with the page when there is one: ``slides.pdf, p. 12``."""
        return f"{self.path}, p. {self.page}" if self.page else self.path


@dataclass(frozen=True, slots=True)
class Answer:
    answer: str
    mode: str  # the mode actually used: local | global | hybrid
    citations: tuple[Citation, ...] = ()
    entities: tuple[str, ...] = ()  # entity ids the answer drew on
    relations: tuple[str, ...] = ()  # relation ids the answer drew on
    communities: tuple[str, ...] = ()
    extractive: bool = True  # True when no LLM wrote the text
    timings: dict[str, float] = field(default_factory=dict)
    # What kind of answer the question asked for (graph.query.question.KINDS).
    kind: str = ""
    # Language-neutral label key the front ends render in their language: "extractive" | "generated".
    label: str = ""
    notice: str = ""  # why the LLM was not used although configured (its error), else ""
    retrieved: tuple[str, ...] = ()  # chunk ids retrieval ranked first (before the writer chose)
    documents: tuple[str, ...] = ()  # corpus-wide answers: every document path the answer lists
    # LLM answers: (sentence, supported by its cited passages) for each sentence written.
    support: tuple[tuple[str, bool], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "mode": self.mode,
            "extractive": self.extractive,
            "kind": self.kind,
            "label": self.label,
            **({"notice": self.notice} if self.notice else {}),
            **({"documents": list(self.documents)} if self.documents else {}),
            **(
                {"support": [{"sentence": s, "supported": ok} for s, ok in self.support]}
                if self.support
                else {}
            ),
            "citations": [
                {
                    "doc_id": c.doc_id,
                    "path": c.path,
                    "chunk_id": c.chunk_id,
                    "text": c.text,
                    "sentence": c.sentence,
                    "score": round(c.score, 4),
                    **({"page": c.page} if c.page else {}),
                }
                for c in self.citations
            ],
            "entities": list(self.entities),
            "relations": list(self.relations),
            "communities": list(self.communities),
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }
