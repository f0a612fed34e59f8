"""Question-answering evaluation on ``qa.yaml``, per mode, question kind and split, against BM25.

Every mode (local, global, hybrid, auto) answers without an LLM so the numbers
measure retrieval and the extractive writer, reproducibly. The baseline, ``bm25``,
is plain BM25 over the chunks (no per-document cap, no graph) with the same answer
writer, so retrieval and writing can be compared separately. Measures:

* **doc hit@5** — one of the question's ``answer_docs`` is among the first five
  distinct documents retrieval ranked first;
* **key hit@5** — one of its ``answer_keys`` appears in those first five chunks;
* **key in answer** — one of its ``answer_keys`` appears in the answer text itself;
* **list coverage** — for questions with ``list_items``: the share of those items
  the answer text names;
* **exact docs** — for corpus-wide questions marked ``exact_docs``: the answer lists
  exactly the documents in ``answer_docs`` (every one, none more);
* **supported** — with ``llm`` (an LLM configured): the share of the generated
  answer's sentences that its cited passages support (:func:`graph.query.answer.check_support`).

``tune`` and ``heldout`` are reported separately so the held-back part stays an
honest estimate. A question's *kind* is its ``kind`` field, else what
:func:`graph.query.question.analyse` makes of it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from extract.errors import ZhkgError
from extract.normalize import match_key
from graph.query.answer import ask
from graph.query.index import SearchIndex, get_index
from graph.query.question import KINDS, analyse
from graph.settings import Settings
from graph.store import Store

MODES = ("bm25", "local", "global", "hybrid", "auto")
LLM_MODE = "llm"  # auto routing, answered by the configured LLM
TYPES = ("factual", "relation", "cross_doc", "global")
SPLITS = ("tune", "heldout", "all")
HIT_AT = 5


class QAGoldError(ZhkgError, ValueError):
    """qa.yaml is missing or malformed; the message says where."""


@dataclass(frozen=True)
class Question:
    id: str
    split: str
    type: str
    lang: str
    question: str
    answer_docs: tuple[str, ...]
    answer_keys: tuple[str, ...]
    kind: str = ""
    list_items: tuple[str, ...] = ()
    exact_docs: bool = False


@dataclass
class Outcome:
    question: Question
    mode: str
    used_mode: str
    doc_hit: bool
    key_hit: bool  # key hit@5: in the first five retrieved chunks
    docs: list[str]
    seconds: float
    key_in_answer: bool = False
    list_coverage: float | None = None
    docs_exact: bool | None = None
    supported: float | None = None
    answer: str = ""


@dataclass
class _Tally:
    n: int = 0
    doc: int = 0
    key: int = 0
    ans: int = 0
    lists: list[float] = field(default_factory=list)
    exact: list[bool] = field(default_factory=list)
    supported: list[float] = field(default_factory=list)

    def add(self, o: Outcome) -> None:
        self.n += 1
        self.doc += o.doc_hit
        self.key += o.key_hit
        self.ans += o.key_in_answer
        if o.list_coverage is not None:
            self.lists.append(o.list_coverage)
        if o.docs_exact is not None:
            self.exact.append(o.docs_exact)
        if o.supported is not None:
            self.supported.append(o.supported)

    def to_json(self) -> dict[str, Any]:
        def rate(a: float, n: int) -> float | None:
            return round(a / n, 3) if n else None

        out: dict[str, Any] = {
            "n": self.n,
            "doc_hit@5": rate(self.doc, self.n),
            "key_hit@5": rate(self.key, self.n),
            "key_in_answer": rate(self.ans, self.n),
            "list_coverage": rate(sum(self.lists), len(self.lists)),
            "list_n": len(self.lists),
            "docs_exact": rate(sum(self.exact), len(self.exact)),
            "exact_n": len(self.exact),
        }
        if self.supported:
            out["supported"] = rate(sum(self.supported), len(self.supported))
        return out


@dataclass
class Score:
    total: _Tally = field(default_factory=_Tally)
    by_kind: dict[str, _Tally] = field(default_factory=dict)
    by_type: dict[str, _Tally] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.total.n

    def add(self, o: Outcome) -> None:
        self.total.add(o)
        self.by_kind.setdefault(kind_of(o.question), _Tally()).add(o)
        self.by_type.setdefault(o.question.type, _Tally()).add(o)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.total.to_json(),
            "by_kind": {k: v.to_json() for k, v in sorted(self.by_kind.items())},
            "by_type": {k: v.to_json() for k, v in sorted(self.by_type.items())},
        }


def kind_of(q: Question) -> str:
    return q.kind or analyse(q.question).kind


def load_questions(gold_dir: Path) -> list[Question]:
    path = gold_dir / "qa.yaml"
    if not path.is_file():
        raise QAGoldError(f"{path} does not exist")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise QAGoldError(f"{path} is not valid YAML: {exc}") from None
    items = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise QAGoldError(f"{path} has no 'questions' list")
    out: list[Question] = []
    for i, q in enumerate(items):
        try:
            kind = str(q.get("kind", ""))
            out.append(
                Question(
                    id=str(q["id"]),
                    split=str(q["split"]),
                    type=str(q.get("type") or q["kind"]),
                    lang=str(q.get("lang", "")),
                    question=str(q["question"]),
                    answer_docs=tuple(str(d) for d in q["answer_docs"]),
                    answer_keys=tuple(str(k) for k in q["answer_keys"]),
                    kind=kind,
                    list_items=tuple(str(x) for x in q.get("list_items") or ()),
                    exact_docs=bool(q.get("exact_docs", False)),
                )
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise QAGoldError(f"{path}: question #{i + 1} lacks field {exc}") from None
        if out[-1].split not in ("tune", "heldout"):
            raise QAGoldError(f"{path}: question {out[-1].id} has split {out[-1].split!r} (tune|heldout)")
        if out[-1].kind and out[-1].kind not in KINDS:
            raise QAGoldError(f"{path}: question {out[-1].id} has kind {out[-1].kind!r} ({'|'.join(KINDS)})")
    return out


def _norm(text: str) -> str:
    """Answer keys are compared the way names are matched everywhere: :func:`extract.normalize.match_key`."""
    return match_key(text)


def doc_matches(store_path: str, gold: str) -> bool:
    """Store paths may carry the corpus folder as a prefix; gold paths are relative to it."""
    s = store_path.replace("\\", "/")
    g = gold.replace("\\", "/").lstrip("./")
    return s == g or s.endswith("/" + g)


def key_found(keys: Sequence[str], text: str) -> bool:
    t = _norm(text)
    return any(_norm(k) in t for k in keys if k.strip())


def list_coverage(items: Sequence[str], text: str) -> float:
    """Share of ``items`` that ``text`` names."""
    t = _norm(text)
    return sum(1 for it in items if _norm(it) in t) / len(items) if items else 0.0


def exact_docs(listed: Sequence[str], gold: Sequence[str]) -> bool:
    """``listed`` names every document of ``gold`` and nothing else."""
    if len(set(listed)) != len(set(gold)):
        return False
    return all(any(doc_matches(p, g) for p in listed) for g in gold)


def evaluate_question(
    store: Store, settings: Settings, q: Question, mode: str, positions: dict[str, int] | None = None
) -> Outcome:
    index = get_index(store)
    pos = positions if positions is not None else _positions(index)
    t0 = time.perf_counter()
    use_llm = mode == LLM_MODE
    a = ask(store, settings, q.question, "auto" if use_llm else mode, use_llm=use_llm, top_k=HIT_AT)
    seconds = time.perf_counter() - t0
    chunks = [pos[c] for c in a.retrieved if c in pos]
    paths = [index.doc_paths[int(index.chunk_doc[c])] for c in chunks]
    texts = "\n".join(index.chunk_texts.many(chunks)) if chunks else ""
    docs = list(dict.fromkeys(paths))[:HIT_AT]
    doc_hit = any(doc_matches(d, g) for d in docs for g in q.answer_docs)
    supported = None
    if use_llm and not a.extractive:
        supported = sum(ok for _, ok in a.support) / len(a.support) if a.support else 0.0
    return Outcome(
        q,
        mode,
        a.mode,
        doc_hit,
        key_found(q.answer_keys, texts),
        docs,
        seconds,
        key_in_answer=key_found(q.answer_keys, a.answer),
        list_coverage=list_coverage(q.list_items, a.answer) if q.list_items else None,
        docs_exact=exact_docs(a.documents, q.answer_docs) if q.exact_docs else None,
        supported=supported,
        answer=a.answer,
    )


def _positions(index: SearchIndex) -> dict[str, int]:
    return {str(c): i for i, c in enumerate(index.chunk_ids)}


def evaluate(
    store: Store, settings: Settings, questions: Sequence[Question], modes: Sequence[str] = MODES
) -> list[Outcome]:
    index = get_index(store)  # build once, outside the timings
    pos = _positions(index)
    return [evaluate_question(store, settings, q, m, pos) for q in questions for m in modes]


def summarise(outcomes: Sequence[Outcome], split: str) -> dict[str, Any]:
    splits = ("tune", "heldout", "all") if split == "all" else (split,)
    out: dict[str, Any] = {}
    for sp in splits:
        scores: dict[str, Score] = {m: Score() for m in dict.fromkeys(o.mode for o in outcomes)}
        for o in outcomes:
            if sp == "all" or o.question.split == sp:
                scores[o.mode].add(o)
        out[sp] = {m: s.to_json() for m, s in scores.items() if s.n}
    latency: dict[str, dict[str, float]] = {}
    for m in dict.fromkeys(o.mode for o in outcomes):
        ts = sorted(o.seconds for o in outcomes if o.mode == m)
        if ts:
            latency[m] = {
                "p50_ms": round(1000 * ts[len(ts) // 2], 2),
                "p95_ms": round(1000 * ts[min(len(ts) - 1, int(0.95 * len(ts)))], 2),
            }
    out["latency"] = latency
    return out


def _f(v: float | None) -> str:
    return f"{v:.2f}" if v is not None else "-"


def format_summary(summary: dict[str, Any]) -> str:
    lines: list[str] = []
    for sp, modes in summary.items():
        if sp in ("latency", "questions"):
            continue
        n = next(iter(modes.values()))["n"] if modes else 0
        lines.append(f"split {sp} ({n} questions)")
        lines.append(
            f"  {'mode':<7} {'doc@5':>6} {'key@5':>6} {'key∈ans':>8} {'list cov':>9} {'exact docs':>11}"
            + ("  supported" if any("supported" in s for s in modes.values()) else "")
        )
        for m, s in modes.items():
            lines.append(
                f"  {m:<7} {_f(s['doc_hit@5']):>6} {_f(s['key_hit@5']):>6} {_f(s['key_in_answer']):>8}"
                f" {_f(s['list_coverage']):>9} {_f(s['docs_exact']):>11}"
                + (f"  {_f(s.get('supported'))}" if "supported" in s else "")
            )
        kinds = sorted({k for s in modes.values() for k in s["by_kind"]})
        lines.append("  per kind (doc@5/key@5/key∈ans, list coverage or exact docs where they apply):")
        for k in kinds:
            cells = []
            for m, s in modes.items():
                bk = s["by_kind"].get(k)
                if not bk:
                    continue
                extra = ""
                if bk["list_n"]:
                    extra = f" L{_f(bk['list_coverage'])}"
                elif bk["exact_n"]:
                    extra = f" E{_f(bk['docs_exact'])}"
                cells.append(
                    f"{m} {_f(bk['doc_hit@5'])}/{_f(bk['key_hit@5'])}/{_f(bk['key_in_answer'])}{extra}"
                )
            n_k = next((s["by_kind"][k]["n"] for s in modes.values() if k in s["by_kind"]), 0)
            lines.append(f"    {k:<10} (n={n_k:>2})  " + "  ".join(cells))
        lines.append("")
    lines.append(
        "latency per question (ms): "
        + ", ".join(f"{m} p50 {v['p50_ms']} p95 {v['p95_ms']}" for m, v in summary.get("latency", {}).items())
    )
    return "\n".join(lines)


def qa_outcomes(
    store: Store, settings: Settings, gold_dir: Path, split: str, *, llm: bool = False
) -> list[Outcome]:
    """Every chosen question answered in every mode (and by the LLM with ``llm``).

    Raises :class:`QAGoldError` for an unknown split, an unreadable gold file or an empty split.
    """
    if split not in SPLITS:
        raise QAGoldError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    questions = load_questions(gold_dir)
    chosen = [q for q in questions if split == "all" or q.split == split]
    if not chosen:
        raise QAGoldError(f"no questions in split {split!r}")
    modes = (*MODES, LLM_MODE) if llm else MODES
    return evaluate(store, settings, chosen, modes)


def details_of(outcomes: Sequence[Outcome]) -> list[dict[str, Any]]:
    return [
        {
            "id": o.question.id,
            "kind": kind_of(o.question),
            "mode": o.mode,
            "used_mode": o.used_mode,
            "doc_hit": o.doc_hit,
            "key_hit": o.key_hit,
            "key_in_answer": o.key_in_answer,
            "list_coverage": o.list_coverage,
            "docs_exact": o.docs_exact,
            "supported": o.supported,
            "docs": o.docs,
        }
        for o in outcomes
    ]


def qa_report(
    store: Store, settings: Settings, gold_dir: Path, split: str, *, details: bool, llm: bool = False
) -> dict[str, Any]:
    """``zhkg eval --qa``: the summary of answering the gold questions (per question with ``details``)."""
    outcomes = qa_outcomes(store, settings, gold_dir, split, llm=llm)
    summary = summarise(outcomes, split)
    if details:
        summary["questions"] = details_of(outcomes)
    return summary


__all__ = [
    "LLM_MODE",
    "MODES",
    "QAGoldError",
    "Question",
    "details_of",
    "doc_matches",
    "evaluate",
    "exact_docs",
    "key_found",
    "kind_of",
    "list_coverage",
    "load_questions",
    "qa_outcomes",
    "qa_report",
    "summarise",
]
