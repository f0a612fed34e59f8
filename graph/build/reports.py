"""Community reports: what a group of entities is about, in Traditional Chinese.

Two writers. The extractive writer always works and costs nothing: it ranks
members by weighted degree inside the community, keeps the strongest relations
with their evidence sentences, and fills a fixed Traditional-Chinese template.
The LLM writer rewrites title and summary from that same evidence only; its
output is cached under the community's content hash, so a community whose
members, relations and evidence did not change is never sent to the model again.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from extract.normalize import HAN_RE, to_traditional
from extract.records import Entity, Relation
from extract.timing import timed
from graph.build.centrality import compute_centrality
from graph.records import Report, ReportDocument, ReportEvidence

if TYPE_CHECKING:
    from graph.llm.client import LLMClient
    from graph.store import Store

log = logging.getLogger(__name__)

REPORT_CACHE_PREFIX = "community_report:v1:"
_HAN = HAN_RE
MAX_ENTITIES = 12
MAX_RELATIONS = 8
MAX_SENTENCES = 6
MAX_DOCUMENTS = 10

TYPE_LABELS = {
    "MODEL": "模型",
    "TOOL": "工具",
    "CONCEPT": "概念",
    "ORG": "組織",
    "PERSON": "人物",
    "HARDWARE": "硬體",
    "DATASET": "資料集",
}

_REL_TEMPLATES = {
    "IS_A": "{a} 是一種 {b}",
    "PART_OF": "{a} 屬於 {b}",
    "VARIANT_OF": "{a} 是 {b} 的變體",
    "USES": "{a} 使用 {b}",
    "RUNS_ON": "{a} 執行於 {b}",
    "INTEGRATES": "{a} 整合 {b}",
    "COMPARED_WITH": "{a} 與 {b} 相互比較",
    "DEVELOPED_BY": "{a} 由 {b} 開發",
    "TRAINED_ON": "{a} 以 {b} 訓練",
    "ALTERNATIVE_TO": "{a} 與 {b} 可互相替代",
    "RELATED_TO": "{a} 與 {b} 相關",
}


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=100_000)
def zh_tw(text: str) -> str:
    """Convert to Taiwan Traditional only when ``text`` is written in Simplified.

    Running already-Traditional text through s2twp would still rewrite variants
    (台灣 → 臺灣), which changes names people wrote on purpose.
    """
    if not _HAN.search(text) or _t2s().convert(text) != text:
        return text
    return to_traditional(text)


def relation_phrase(rel_type: str, source: str, target: str) -> str:
    """A relation as a short Traditional-Chinese clause, e.g. ``QLoRA 使用 LoRA``."""
    return _REL_TEMPLATES.get(rel_type, "{a} 與 {b} 相關").format(a=source, b=target)


def content_hash(entity_ids: Sequence[str], relations: Sequence[Relation]) -> str:
    """Hash of everything a report is written from: members, internal relations and their evidence."""
    h = hashlib.sha256()
    for e in sorted(entity_ids):
        h.update(e.encode())
        h.update(b"\x1f")
    for r in sorted(relations, key=lambda r: r.id):
        h.update(f"{r.id}|{r.weight:.4f}".encode())
        for ev in r.evidence:
            h.update(f"|{ev.chunk_id}|{ev.text}".encode())
        h.update(b"\x1e")
    return h.hexdigest()[:32]


def centrality(entity_ids: Sequence[str], relations: Sequence[Relation]) -> dict[str, float]:
    """PageRank inside the community (the graph's one centrality, over its internal relations);
    ties are later broken by mention count and name."""
    ranks = compute_centrality(entity_ids, ((r.source, r.target, r.weight) for r in relations))
    return {eid: pagerank for eid, (_, pagerank) in ranks.items()}


def extractive_report(
    level: int,
    members: Sequence[Entity],
    relations: Sequence[Relation],
    doc_info: Mapping[str, tuple[str, str]],
) -> Report:
    """The report (title, summary, ranked entities, relations, sentences, documents) without an LLM.

    ``relations`` are the community's internal relations; ``doc_info`` maps doc id
    to (path, title).
    """
    ids = [e.id for e in members]
    deg = centrality(ids, relations)
    ranked = sorted(members, key=lambda e: (-deg.get(e.id, 0.0), -e.mention_count, e.name))
    names = {e.id: e.name for e in members}
    top_rel = sorted(relations, key=lambda r: (-r.weight, -r.confidence, r.id))[:MAX_RELATIONS]

    sentences: list[ReportEvidence] = []
    seen_text: set[str] = set()
    for r in top_rel:
        for ev in r.evidence[:2]:
            if ev.text in seen_text:
                continue
            seen_text.add(ev.text)
            sentences.append(ReportEvidence(doc_id=ev.doc_id, chunk_id=ev.chunk_id, text=ev.text))
    sentences = sentences[:MAX_SENTENCES]

    doc_counts: Counter[str] = Counter()
    for e in members:
        doc_counts.update(e.doc_ids)
    documents = [
        ReportDocument(
            doc_id=d, path=doc_info.get(d, ("", ""))[0], title=doc_info.get(d, ("", ""))[1], entities=n
        )
        for d, n in heapq.nsmallest(MAX_DOCUMENTS, doc_counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]

    top_names = [zh_tw(e.name) for e in ranked[:3]]
    title = _join_names(top_names) if top_names else "（空社群）"
    types = Counter(TYPE_LABELS.get(str(e.type), str(e.type)) for e in members)
    type_text = "、".join(t for t, _ in types.most_common(3))
    parts = [f"此社群包含 {len(members)} 個實體（以{type_text}為主），核心為 {_join_names(top_names)}。"]
    if top_rel:
        clauses = [
            relation_phrase(str(r.type), zh_tw(names[r.source]), zh_tw(names[r.target])) for r in top_rel[:4]
        ]
        parts.append("主要關係：" + "；".join(clauses) + "。")
    if documents:
        shown = "、".join(f"《{zh_tw(d['title'] or d['path'])}》" for d in documents[:3])
        parts.append(f"相關內容出現在 {len(doc_counts)} 份文件中，例如 {shown}。")
    return {
        "level": level,
        "title": title,
        "summary": "".join(parts),
        "writer": "extractive",
        "size": len(members),
        "entities": [
            {"id": e.id, "name": e.name, "type": str(e.type), "pagerank": round(deg.get(e.id, 0.0), 4)}
            for e in ranked[:MAX_ENTITIES]
        ],
        "relations": [
            {
                "id": r.id,
                "source": names[r.source],
                "target": names[r.target],
                "type": str(r.type),
                "weight": r.weight,
                "text": relation_phrase(str(r.type), names[r.source], names[r.target]),
                "evidence": [
                    {"doc_id": ev.doc_id, "chunk_id": ev.chunk_id, "text": ev.text} for ev in r.evidence[:2]
                ],
            }
            for r in top_rel
        ],
        "sentences": sentences,
        "documents": documents,
    }


def _join_names(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return "、".join(names[:-1]) + " 與 " + names[-1]


# -- LLM writer -----------------------------------------------------------------------------------


def cached_llm_report(store: Store, chash: str) -> dict[str, str] | None:
    raw = store.cache_get(REPORT_CACHE_PREFIX + chash)
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    if isinstance(value, dict) and value.get("title") and value.get("summary"):
        return {
            "title": str(value["title"]),
            "summary": str(value["summary"]),
            "model": str(value.get("model", "")),
        }
    return None


def llm_report(llm: LLMClient, report: Mapping[str, Any]) -> dict[str, str]:
    """Ask the LLM for a Traditional-Chinese title and summary grounded in the report's evidence."""
    from graph.llm.prompts import parse_report_reply, report_messages

    reply = llm.chat(report_messages(report), max_tokens=400, temperature=0.1)
    title, summary = parse_report_reply(reply)
    if not title or not summary:
        from graph.llm.client import LLMError

        raise LLMError("LLM reply for a community report had no title/summary")
    return {"title": zh_tw(title), "summary": zh_tw(summary), "model": llm.model}


@timed("communities.reports_cache")
def apply_llm_writer(store: Store, report: Report, chash: str, llm: LLMClient | None) -> Report:
    """Use a cached LLM report for ``chash`` if there is one, else write one when ``llm`` is given.

    Without a cache hit and without an LLM the extractive report is returned unchanged;
    an LLM failure is logged and also keeps the extractive report.
    """
    cached = cached_llm_report(store, chash)
    if cached is None and llm is not None:
        from graph.llm.client import LLMError

        try:
            cached = llm_report(llm, report)
        except LLMError as exc:
            log.warning("community report kept extractive: %s", exc)
            return report
        store.cache_put(REPORT_CACHE_PREFIX + chash, json.dumps(cached, ensure_ascii=False))
    if cached is None:
        return report
    out = Report(**report)
    out["extractive_title"] = report["title"]
    out["extractive_summary"] = report["summary"]
    out["title"] = cached["title"]
    out["summary"] = cached["summary"]
    out["writer"] = "llm"
    out["model"] = cached.get("model", "")
    return out


__all__ = [
    "REPORT_CACHE_PREFIX",
    "TYPE_LABELS",
    "apply_llm_writer",
    "cached_llm_report",
    "centrality",
    "content_hash",
    "extractive_report",
    "llm_report",
    "relation_phrase",
    "zh_tw",
]
