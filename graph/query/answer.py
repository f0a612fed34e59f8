"""``ask``: question → retrieval (local / global / hybrid, or routed) → cited answer.

With an LLM configured the retrieved chunks are packed into the context budget
as numbered passages and the model writes (and streams) the answer; citation
numbers it invents are dropped. Without one — or when the endpoint fails — the
answer is extractive: graph facts, report lines and the best-matching evidence
sentences, each followed by the number of the chunk it comes from, under a
label saying no model wrote it.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import replace

from extract.chunk import split_sentences
from extract.clean import page_at
from extract.errors import ZhkgError
from extract.normalize import match_key
from graph.llm.client import LLMClient, LLMError, estimate_tokens
from graph.llm.prompts import Passage, answer_messages, base_tokens, clean_citations
from graph.query.base import Line, Retrieval
from graph.query.global_ import asked_type, global_search
from graph.query.hybrid import hybrid_search
from graph.query.index import SearchIndex, get_index
from graph.query.local import local_search
from graph.query.router import MODES, route
from graph.query.tokenize import tokens
from graph.records import Answer, Citation
from graph.settings import Settings
from graph.store import Store

log = logging.getLogger(__name__)

EXTRACTIVE_LABEL = "（擷取式回答，未使用語言模型）"
ANSWER_MAX_TOKENS = 512
MAX_SENTENCES = 3

_MARKER = re.compile(r"\[(\d{1,3})\]")


class QuestionError(ZhkgError, ValueError):
    """The question or mode cannot be answered as given (empty question, unknown mode)."""


def retrieve(index: SearchIndex, settings: Settings, question: str, mode: str, top_k: int) -> Retrieval:
    """Run one retrieval mode; ``auto`` routes, and falls back to hybrid when its mode finds nothing."""
    if mode not in MODES:
        raise QuestionError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    note = ""
    chosen = mode
    if mode == "auto":
        chosen, note = route(index, question)
    if chosen == "local":
        r = local_search(index, question, top_k)
    elif chosen == "global":
        r = global_search(index, question, top_k)
    else:
        r = hybrid_search(index, question, top_k, embedding_model=settings.embedding_model, device="cpu")
    if mode == "auto" and not r.chunks and chosen != "hybrid":
        r = hybrid_search(index, question, top_k, embedding_model=settings.embedding_model, device="cpu")
        note = f"{chosen} found nothing; fell back to hybrid"
    if note and not r.note:
        r.note = note
    return r


def ask(
    store: Store,
    settings: Settings,
    question: str,
    mode: str = "auto",
    on_token: Callable[[str], None] | None = None,
    llm: LLMClient | None = None,
    *,
    top_k: int = 5,
    use_llm: bool = True,
) -> Answer:
    """Answer ``question`` from the workspace in ``store``; see the module docstring.

    ``llm`` defaults to a client built from ``settings`` when an endpoint is
    configured; ``use_llm=False`` forces the extractive answer.
    """
    q = " ".join(question.split())
    if not q:
        raise QuestionError("the question is empty")
    if top_k < 1:
        raise QuestionError("top_k must be at least 1")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    index = get_index(store)
    timings["index_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    r = retrieve(index, settings, q, mode, top_k)
    citations = [_citation(index, c, s) for c, s in r.chunks[:top_k]]
    timings["retrieve_s"] = time.perf_counter() - t1

    client = (llm if llm is not None else LLMClient.from_settings(settings)) if use_llm else None
    text = ""
    extractive = True
    failure = ""
    if client is not None and citations:
        t2 = time.perf_counter()
        try:
            text, citations = _generate(client, index, r, q, citations, on_token)
            extractive = False
        except LLMError as exc:
            log.warning("LLM answer failed, answering extractively: %s", exc)
            failure = str(exc)
        timings["generate_s"] = time.perf_counter() - t2
    if extractive:
        text = extractive_answer(index, r, q, citations)
        if failure:
            text = f"（語言模型無法使用：{failure}）\n{text}"
        if on_token is not None:
            on_token(text)
    citations = _with_pages(store, _with_sentences(index, r, q, citations))
    timings["total_s"] = time.perf_counter() - t0
    return Answer(
        answer=text,
        mode=r.mode,
        citations=tuple(citations),
        entities=tuple(index.entity_ids[e] for e in r.entities),
        relations=tuple(index.relations[i].id for i in r.relations),
        communities=tuple(index.communities[i].id for i in r.communities),
        extractive=extractive,
        timings=timings,
    )


def _citation(index: SearchIndex, chunk: int, score: float) -> Citation:
    d = int(index.chunk_doc[chunk])
    return Citation(
        index.doc_ids[d], index.doc_paths[d], index.chunk_ids[chunk], index.chunk_texts[chunk], score
    )


def _with_pages(store: Store, citations: list[Citation]) -> list[Citation]:
    """The page of each citation's supporting sentence (else of its chunk's start), for documents that
    have pages (PDF): citations say ``p. 12``."""
    pages = store.document_pages({c.doc_id for c in citations})
    out = []
    for c in citations:
        marks = pages.get(c.doc_id)
        chunk = store.chunk(c.chunk_id) if marks else None
        if not marks or chunk is None:
            out.append(c)
            continue
        at = chunk.text.find(c.sentence) if c.sentence else -1
        out.append(replace(c, page=page_at(marks, chunk.start + max(at, 0))))
    return out


def _with_sentences(
    index: SearchIndex, r: Retrieval, question: str, citations: list[Citation]
) -> list[Citation]:
    """Point each citation at its best supporting sentence (the first sentence when none matches)."""
    best: dict[str, str] = {}
    for sent, chunk_id in best_sentences(index, r, question, citations, limit=len(citations) * 4):
        best.setdefault(chunk_id, sent)
    out = []
    for c in citations:
        first = next((c.text[a:b] for a, b in split_sentences(c.text)), c.text)
        out.append(replace(c, sentence=best.get(c.chunk_id, neutralise_markers(first))))
    return out


# -- with an LLM ----------------------------------------------------------------------------------


def _generate(
    client: LLMClient,
    index: SearchIndex,
    r: Retrieval,
    question: str,
    citations: list[Citation],
    on_token: Callable[[str], None] | None,
) -> tuple[str, list[Citation]]:
    notes = [ln.text for ln in r.lines if r.mode == "global"][:6]
    budget = client.context_tokens - ANSWER_MAX_TOKENS - base_tokens(question) - 64
    budget -= sum(estimate_tokens(n) + 4 for n in notes)
    passages: list[Passage] = []
    kept: list[Citation] = []
    for c in citations:
        source = c.path
        cost = estimate_tokens(c.text) + estimate_tokens(source) + 12
        text = c.text
        if cost > budget:
            if passages or budget < 80:
                break
            text = _truncate(c.text, budget - estimate_tokens(source) - 12)
            cost = budget
        passages.append(Passage(len(passages) + 1, source, text))
        kept.append(c)
        budget -= cost
    if not passages:
        raise LLMError(f"ZHKG_LLM_CONTEXT_TOKENS={client.context_tokens} leaves no room for any passage")
    reply = client.chat(
        answer_messages(question, passages, notes),
        stream=on_token is not None,
        on_token=on_token,
        max_tokens=ANSWER_MAX_TOKENS,
        temperature=0.1,
    )
    text, _cited = clean_citations(reply, len(passages))
    if not text:
        raise LLMError("LLM returned an empty answer")
    return text, kept


def _truncate(text: str, tokens_left: int) -> str:
    out: list[str] = []
    used = 0
    for ch in text:
        used += estimate_tokens(ch) if ord(ch) > 0x2E80 else 1
        if used > tokens_left:
            break
        out.append(ch)
    return "".join(out)


# -- without an LLM -------------------------------------------------------------------------------


def extractive_answer(index: SearchIndex, r: Retrieval, question: str, citations: list[Citation]) -> str:
    """Graph facts and best evidence sentences, each cited by the number of its chunk."""
    number = {c.chunk_id: i + 1 for i, c in enumerate(citations)}
    parts = [EXTRACTIVE_LABEL]
    if not citations:
        parts.append("在這個工作區中找不到與問題相關的內容。")
        return "\n".join(parts)

    def cite(ln: Line) -> int | None:
        return number.get(index.chunk_ids[ln.chunk])

    if r.mode == "global":
        body = _global_body(index, r, question, cite)
        if body:
            parts.extend(body)
            overview = any(ln.kind == "central" for ln in r.lines)
            evidence = [] if overview else best_sentences(index, r, question, citations)
            if evidence:
                parts.append("相關段落：")
                parts.extend(f"- {sent} [{number[chunk_id]}]" for sent, chunk_id in evidence)
            return "\n".join(parts)
    facts = [ln for ln in r.lines if cite(ln)]
    if facts:
        parts.append("知識圖譜中的關係：" + "；".join(f"{ln.text} [{cite(ln)}]" for ln in facts))
    for sent, chunk_id in best_sentences(index, r, question, citations):
        parts.append(f"{sent} [{number[chunk_id]}]")
    return "\n".join(parts)


_TYPE_NAMES = {
    "TOOL": "工具",
    "MODEL": "模型",
    "HARDWARE": "硬體",
    "ORG": "組織",
    "PERSON": "人物",
    "DATASET": "資料集",
}


def _global_body(
    index: SearchIndex, r: Retrieval, question: str, cite: Callable[[Line], int | None]
) -> list[str]:
    """Global answer lines: documents (all of them, cited where a citation backs them), entities, themes."""

    def mark(ln: Line) -> str:
        n = cite(ln)
        return f" [{n}]" if n else ""

    out: list[str] = []
    docs = [ln for ln in r.lines if ln.kind == "doc"]
    if docs:
        names = "、".join(index.entity_names[e] for e in r.linked)
        head = f"提到 {names} 的文件" if names else "相關文件"
        out.append(f"{head}（共 {len(docs)} 份）：")
        out.extend(f"- {ln.text}{mark(ln)}" for ln in docs)
    ents = [ln for ln in r.lines if ln.kind == "entity" and cite(ln)]
    if ents:
        typ = asked_type(question) or ""
        out.append(f"最常被討論的{_TYPE_NAMES.get(typ, '相關項目')}：")
        out.extend(f"- {ln.text}{mark(ln)}" for ln in ents)
    central = [ln for ln in r.lines if ln.kind == "central" and cite(ln)]
    out.extend(f"{ln.text}{mark(ln)}" for ln in central)
    topics = [ln for ln in r.lines if ln.kind in ("report", "") and cite(ln)]
    if topics:
        out.append("主要主題（社群報告）：" if central else "相關主題（社群報告）：")
        out.extend(f"- {ln.text}{mark(ln)}" for ln in topics)
    return out


def neutralise_markers(text: str) -> str:
    """A document's own ``[9]`` must not read as one of our citation numbers."""
    return _MARKER.sub(lambda m: f"［{m.group(1)}］", text)


def best_sentences(
    index: SearchIndex, r: Retrieval, question: str, citations: list[Citation], limit: int = MAX_SENTENCES
) -> list[tuple[str, str]]:
    """(sentence, chunk id) pairs that best match the question's words and named entities."""
    q_tokens = set(tokens(question))
    idf = {t: float(index.bm25.idf[j]) for t in q_tokens if (j := index.bm25.vocab.get(t)) is not None}
    total = sum(idf.values()) or 1.0
    keys = [k for e in r.linked for k in index.entity_keys[e]]
    scored: list[tuple[float, int, str, str]] = []
    for rank, c in enumerate(citations):
        for a, b in split_sentences(c.text):
            sent = c.text[a:b]
            if len(sent) < 4:
                continue
            st = set(tokens(sent))
            overlap = sum(w for t, w in idf.items() if t in st) / total
            skey = match_key(sent)
            ents = sum(1 for k in set(keys) if k in skey)
            if overlap <= 0 and ents == 0:
                continue
            score = overlap + 0.5 * ents + 0.2 / (1 + rank)
            scored.append((score, len(scored), neutralise_markers(sent), c.chunk_id))
    scored.sort(key=lambda t: (-t[0], t[1]))
    out: list[tuple[str, str]] = []
    per_chunk: dict[str, int] = {}
    seen: set[str] = set()
    for score, _, sent, chunk_id in scored:
        if score <= 0 or sent in seen or per_chunk.get(chunk_id, 0) >= 2:
            continue
        seen.add(sent)
        per_chunk[chunk_id] = per_chunk.get(chunk_id, 0) + 1
        out.append((sent, chunk_id))
        if len(out) >= limit:
            break
    return out


__all__ = ["EXTRACTIVE_LABEL", "QuestionError", "ask", "best_sentences", "extractive_answer", "retrieve"]
