"""``ask``: question → analysis → retrieval (local / global / hybrid, or routed) → cited answer.

The question is analysed first (:mod:`graph.query.question`): its kind —
definition, list, who, number, when, how, relation, corpus-wide — decides what
evidence the answer is built from (:mod:`graph.query.extractive`).

Without an LLM (or when the endpoint fails) the answer is that evidence, quoted:
it starts with the answer, carries no filler, has the source's own reference
marks removed, and cites exactly the chunks it quotes — every listed citation is
cited in the text and every marker names a listed citation. The record says it is
extractive through ``label`` (a key the CLI and the app render in their language)
instead of a sentence in the text.

With an LLM the same kind-specific evidence leads the prompt's numbered passages,
the model writes (and streams) the answer, citation numbers it invents are
dropped, and every sentence is then checked against the passages it cites
(:func:`check_support`): a sentence without a marker, or whose key terms are not in
its cited passages, is flagged in ``Answer.support``.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from extract.chunk import split_sentences
from extract.clean import page_at
from extract.errors import ZhkgError
from extract.normalize import match_key
from graph.llm.client import LLMClient, LLMError, estimate_tokens
from graph.llm.prompts import Passage, answer_messages, base_tokens, clean_citations
from graph.query.base import Line, Retrieval
from graph.query.extractive import Draft, OutsideSearch, clean_quote, draft_answer, sentences
from graph.query.global_ import asked_type, global_search
from graph.query.hybrid import bm25_baseline, hybrid_search
from graph.query.index import SearchIndex, get_index
from graph.query.local import local_search
from graph.query.outside import tag_mentions
from graph.query.question import QuestionAnalysis, analyse
from graph.query.router import MODES, route
from graph.query.tokenize import tokens
from graph.records import Answer, Citation
from graph.settings import Settings
from graph.store import Store

log = logging.getLogger(__name__)

# How the CLI labels an extractive answer (the app renders the label key in its own language).
EXTRACTIVE_LABEL = "（擷取式回答，未使用語言模型）"
LABELS = {"extractive": EXTRACTIVE_LABEL, "generated": "（由語言模型撰寫）"}
ANSWER_MAX_TOKENS = 512
MAX_SENTENCES = 3
POOL = 10  # chunks retrieved for the writer to choose from (the first top_k are "retrieved")
EVAL_MODES = (*MODES, "bm25")  # bm25: plain BM25 retrieval with the same writer (the baseline)

_MARKER = re.compile(r"\[(\d{1,3})\]")

# What the model is asked to do for each kind of question (appended to the question).
_GUIDE = {
    "definition": "請先用一句話給出定義。",
    "list": "請逐項列出資料中的所有項目，每項一行並標註來源，不要遺漏。",
    "who": "請直接說出開發或提供者（組織或人物）。",
    "number": "請直接給出數字與單位。",
    "when": "請直接給出時間或日期。",
    "how": "請依步驟說明。",
    "relation": "請說明兩者之間的關係或差異，兩邊都要說到。",
    "corpus": "請列出每一份相關文件並各用一句話說明。",
}


class QuestionError(ZhkgError, ValueError):
    """The question or mode cannot be answered as given (empty question, unknown mode)."""


def retrieve(index: SearchIndex, settings: Settings, question: str, mode: str, top_k: int) -> Retrieval:
    """Run one retrieval mode; ``auto`` routes, and falls back to hybrid when its mode finds nothing.

    ``bm25`` (plain BM25 chunks, the evaluation baseline) is accepted too, for ``zhkg eval --qa``.
    """
    if mode not in EVAL_MODES:
        raise QuestionError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    if mode == "bm25":
        return bm25_baseline(index, question, top_k)
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
    qa = analyse(q)
    r = retrieve(index, settings, q, mode, max(top_k, POOL))
    retrieved = [c for c, _ in r.chunks[:top_k]]
    timings["retrieve_s"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    draft = _draft(index, r, qa, top_k, lambda keys, skip: tag_mentions(store, keys, skip))
    timings["write_s"] = time.perf_counter() - t2
    score_of = {c: s for c, s in r.chunks}

    client = (llm if llm is not None else LLMClient.from_settings(settings)) if use_llm else None
    text = ""
    extractive = True
    notice = ""
    support: list[tuple[str, bool]] = []
    chunks: list[int] = []
    if client is not None and r.chunks:
        t3 = time.perf_counter()
        try:
            notes = [ln.text for ln in r.lines if r.mode == "global"][:6]
            text, chunks, support = _generate(client, index, qa, draft, retrieved, notes, on_token)
            extractive = False
        except LLMError as exc:
            log.warning("LLM answer failed, answering extractively: %s", exc)
            notice = str(exc)
        timings["generate_s"] = time.perf_counter() - t3
    if extractive:
        text, chunks = render(draft, qa)
        if on_token is not None:
            on_token(text)
    citations = [_citation(index, c, score_of.get(c, 0.0)) for c in chunks]
    citations = _with_pages(store, _with_sentences(index, r, q, citations, draft))
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
        kind=qa.kind,
        label="extractive" if extractive else "generated",
        notice=notice,
        retrieved=tuple(index.chunk_ids[c] for c in retrieved),
        documents=tuple(draft.documents),
        support=tuple(support),
    )


def _draft(
    index: SearchIndex, r: Retrieval, qa: QuestionAnalysis, top_k: int, outside: OutsideSearch | None = None
) -> Draft:
    """The kind's evidence; corpus overviews (no target named) keep the global search's report lines."""
    if qa.kind == "corpus" and (r.linked or qa.targets):
        draft = draft_answer(index, r, qa, cite_docs=top_k, outside=outside)
        if draft.documents or not (r.mode == "global" and r.lines):
            return draft
    if (
        r.mode == "global"
        and (qa.kind == "corpus" or (qa.kind == "list" and asked_type(qa.question)))
        and r.lines
    ):
        return _global_draft(index, r, qa.question)
    draft = draft_answer(index, r, qa, cite_docs=top_k)
    if not draft.lines and r.mode == "global" and r.lines:
        return _global_draft(index, r, qa.question)
    return draft


def render(draft: Draft, qa: QuestionAnalysis) -> tuple[str, list[int]]:
    """Number the draft's chunks in order of first use: (text, chunk indices cited)."""
    if not draft.lines:
        none = (
            "No passage in this workspace answers the question."
            if qa.english
            else "在這個工作區中找不到與問題相關的內容。"
        )
        return none, []
    number: dict[int, int] = {}
    out: list[str] = []
    for text, chunk in draft.lines:
        if chunk is None:
            out.append(text)
            continue
        n = number.setdefault(chunk, len(number) + 1)
        out.append(f"{text} [{n}]")
    return "\n".join(out), list(number)


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
    index: SearchIndex, r: Retrieval, question: str, citations: list[Citation], draft: Draft
) -> list[Citation]:
    """Point each citation at the sentence the answer quotes from it (else its best-matching one)."""
    quoted = {index.chunk_ids[c]: s for c, s in draft.quoted.items()}
    best: dict[str, str] = {}
    for sent, chunk_id in best_sentences(index, r, question, citations, limit=len(citations) * 4):
        best.setdefault(chunk_id, sent)
    out = []
    for c in citations:
        first = next((c.text[a:b] for a, b in split_sentences(c.text)), c.text)
        q = quoted.get(c.chunk_id, "")
        sent = neutralise_markers(q) if q and q in c.text else best.get(c.chunk_id, neutralise_markers(first))
        out.append(replace(c, sentence=sent))
    return out


# -- with an LLM ----------------------------------------------------------------------------------


def _generate(
    client: LLMClient,
    index: SearchIndex,
    qa: QuestionAnalysis,
    draft: Draft,
    retrieved: list[int],
    notes: list[str],
    on_token: Callable[[str], None] | None,
) -> tuple[str, list[int], list[tuple[str, bool]]]:
    """(answer text, chunks cited in marker order, per-sentence support) from the model.

    The passages are the kind's evidence chunks (what the extractive answer quotes) first,
    then the retrieved ones, and the instruction names the kind and those first passages.
    """
    guide = _GUIDE.get(qa.kind, "")
    lead = len(draft.chunks)
    if lead:
        guide += f"最直接相關的是段落 [1]{f'–[{lead}]' if lead > 1 else ''}。"
    budget = client.context_tokens - ANSWER_MAX_TOKENS - base_tokens(qa.question + guide) - 64
    budget -= sum(estimate_tokens(n) + 4 for n in notes)
    passages: list[Passage] = []
    kept: list[int] = []
    for c in dict.fromkeys([*draft.chunks, *retrieved]):
        source = index.doc_paths[int(index.chunk_doc[c])]
        text = clean_quote_block(index.chunk_texts[c])
        cost = estimate_tokens(text) + estimate_tokens(source) + 12
        if cost > budget:
            if passages or budget < 80:
                break
            text = _truncate(text, budget - estimate_tokens(source) - 12)
            cost = budget
        passages.append(Passage(len(passages) + 1, source, text))
        kept.append(c)
        budget -= cost
    if not passages:
        raise LLMError(f"ZHKG_LLM_CONTEXT_TOKENS={client.context_tokens} leaves no room for any passage")
    reply = client.chat(
        answer_messages(qa.question, passages, notes, guide=guide),
        stream=on_token is not None,
        on_token=on_token,
        max_tokens=ANSWER_MAX_TOKENS,
        temperature=0.1,
    )
    text, cited = clean_citations(reply, len(passages))
    if not text:
        raise LLMError("LLM returned an empty answer")
    support = check_support(text, {p.number: p.text for p in passages})
    text = renumber(text, cited)
    return text, [kept[n - 1] for n in cited], support


def clean_quote_block(text: str) -> str:
    """A passage for the prompt with the source's own reference marks removed, line by line."""
    return "\n".join(clean_quote(ln) for ln in text.split("\n"))


def renumber(text: str, cited: Sequence[int]) -> str:
    """Markers renumbered 1..n in order of first use, so they match the cited passages listed."""
    new = {old: i + 1 for i, old in enumerate(cited)}
    return _MARKER.sub(lambda m: f"[{new[int(m.group(1))]}]" if int(m.group(1)) in new else "", text)


_KEY_LATIN = re.compile(r"[a-z][a-z0-9.+#-]*[a-z0-9+#]|\d+(?:\.\d+)?")


def check_support(text: str, passages: dict[int, str]) -> list[tuple[str, bool]]:
    """(sentence, supported) for each sentence of an LLM answer.

    A sentence is supported when it cites at least one existing passage and its key
    terms are found in the passages it cites: every Latin name and number (at least
    80% of them) and at least half of its Chinese character bigrams. Headings that
    only introduce a list (ending in 「：」) are not claims and are not checked.
    """
    out: list[tuple[str, bool]] = []
    for line in text.split("\n"):
        for a, b in split_sentences(line):
            s = line[a:b]
            bare = _MARKER.sub("", s).strip(" -*•")
            if len(bare) < 4 or re.search(r"[：:]$", bare):
                continue
            nums = [int(n) for n in _MARKER.findall(s)]
            cited = [passages[n] for n in nums if n in passages]
            if not cited:
                out.append((bare, False))
                continue
            evidence = match_key(" ".join(cited))
            folded = match_key(bare)
            latin = [t for t in _KEY_LATIN.findall(folded) if len(t) >= 2 or t.isdigit()]
            han = [t for t in tokens(bare) if len(t) == 2 and not t.isascii()]
            ok_latin = not latin or sum(t in evidence for t in latin) >= 0.8 * len(latin)
            ok_han = not han or sum(t in evidence for t in han) >= 0.5 * len(han)
            out.append((bare, ok_latin and ok_han))
    return out


def _truncate(text: str, tokens_left: int) -> str:
    out: list[str] = []
    used = 0
    for ch in text:
        used += estimate_tokens(ch) if ord(ch) > 0x2E80 else 1
        if used > tokens_left:
            break
        out.append(ch)
    return "".join(out)


# -- corpus overviews (global search) --------------------------------------------------------------


_TYPE_NAMES = {
    "TOOL": "工具",
    "MODEL": "模型",
    "HARDWARE": "硬體",
    "ORG": "組織",
    "PERSON": "人物",
    "DATASET": "資料集",
}


def _global_draft(index: SearchIndex, r: Retrieval, question: str) -> Draft:
    """Global answer lines: documents (all of them), entities of the asked type, central entities, themes."""
    draft = Draft()
    cited = {c for c, _ in r.chunks}

    def add(ln: Line, text: str) -> None:
        draft.add(clean_quote(text), ln.chunk if ln.chunk in cited else None)

    docs = [ln for ln in r.lines if ln.kind == "doc"]
    if docs:
        names = "、".join(index.entity_names[e] for e in r.linked)
        head = f"提到 {names} 的文件" if names else "相關文件"
        draft.add(f"{head}（共 {len(docs)} 份）：", None)
        for ln in docs:
            add(ln, f"- {ln.text}")
            draft.documents.append(index.doc_paths[int(index.chunk_doc[ln.chunk])])
    ents = [ln for ln in r.lines if ln.kind == "entity"]
    if ents:
        typ = asked_type(question) or ""
        draft.add(f"最常被討論的{_TYPE_NAMES.get(typ, '相關項目')}：", None)
        for ln in ents:
            add(ln, f"- {ln.text}")
    for ln in (ln for ln in r.lines if ln.kind == "central"):
        add(ln, ln.text)
    topics = [ln for ln in r.lines if ln.kind in ("report", "")]
    if topics:
        central = any(ln.kind == "central" for ln in r.lines)
        draft.add("主要主題（社群報告）：" if central else "相關主題（社群報告）：", None)
        for ln in topics:
            add(ln, f"- {ln.text}")
    return draft


# -- sentence matching (citations' supporting sentences) ------------------------------------------


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
        for sent in sentences(c.text):
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


__all__ = [
    "EVAL_MODES",
    "EXTRACTIVE_LABEL",
    "LABELS",
    "QuestionError",
    "ask",
    "best_sentences",
    "check_support",
    "render",
    "renumber",
    "retrieve",
]
