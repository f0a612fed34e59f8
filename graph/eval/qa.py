"""Question-answering evaluation on ``qa.yaml``: doc hit@5 and answer-key hit per mode and question type.

Every mode (local, global, hybrid, auto) answers without an LLM so the numbers
measure retrieval and the extractive writer, reproducibly; plain BM25 chunk
retrieval is the baseline the graph modes must beat. A question counts as a doc
hit when one of its ``answer_docs`` is among the first five distinct documents
cited, and as a key hit when any of its ``answer_keys`` appears in the answer
text or the cited chunks. ``tune`` and ``heldout`` are reported separately so
the held-back part stays an honest estimate.
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
from graph.query.hybrid import bm25_baseline
from graph.query.index import get_index
from graph.settings import Settings
from graph.store import Store

MODES = ("bm25", "local", "global", "hybrid", "auto")
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


@dataclass
class Outcome:
    question: Question
    mode: str
    used_mode: str
    doc_hit: bool
    key_hit: bool
    docs: list[str]
    seconds: float


@dataclass
class Score:
    n: int = 0
    doc_hits: int = 0
    key_hits: int = 0
    by_type: dict[str, list[int]] = field(default_factory=dict)  # type → [n, doc, key]

    def add(self, o: Outcome) -> None:
        self.n += 1
        self.doc_hits += o.doc_hit
        self.key_hits += o.key_hit
        t = self.by_type.setdefault(o.question.type, [0, 0, 0])
        t[0] += 1
        t[1] += o.doc_hit
        t[2] += o.key_hit

    def to_json(self) -> dict[str, Any]:
        def rate(a: int, n: int) -> float | None:
            return round(a / n, 3) if n else None

        return {
            "n": self.n,
            "doc_hit@5": rate(self.doc_hits, self.n),
            "key_hit": rate(self.key_hits, self.n),
            "by_type": {
                t: {"n": v[0], "doc_hit@5": rate(v[1], v[0]), "key_hit": rate(v[2], v[0])}
                for t, v in sorted(self.by_type.items())
            },
        }


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
            out.append(
                Question(
                    id=str(q["id"]),
                    split=str(q["split"]),
                    type=str(q["type"]),
                    lang=str(q.get("lang", "")),
                    question=str(q["question"]),
                    answer_docs=tuple(str(d) for d in q["answer_docs"]),
                    answer_keys=tuple(str(k) for k in q["answer_keys"]),
                )
            )
        except (KeyError, TypeError) as exc:
            raise QAGoldError(f"{path}: question #{i + 1} lacks field {exc}") from None
        if out[-1].split not in ("tune", "heldout"):
            raise QAGoldError(f"{path}: question {out[-1].id} has split {out[-1].split!r} (tune|heldout)")
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


def evaluate_question(store: Store, settings: Settings, q: Question, mode: str) -> Outcome:
    t0 = time.perf_counter()
    if mode == "bm25":
        index = get_index(store)
        r = bm25_baseline(index, q.question, HIT_AT)
        paths = [index.doc_paths[int(index.chunk_doc[c])] for c, _ in r.chunks]
        text = "\n".join(index.chunk_texts[c] for c, _ in r.chunks)
        used = "bm25"
    else:
        a = ask(store, settings, q.question, mode, use_llm=False, top_k=HIT_AT)
        paths = [c.path for c in a.citations]
        text = a.answer + "\n" + "\n".join(c.text for c in a.citations)
        used = a.mode
    seconds = time.perf_counter() - t0
    docs = list(dict.fromkeys(paths))[:HIT_AT]
    doc_hit = any(doc_matches(d, g) for d in docs for g in q.answer_docs)
    return Outcome(q, mode, used, doc_hit, key_found(q.answer_keys, text), docs, seconds)


def evaluate(
    store: Store, settings: Settings, questions: Sequence[Question], modes: Sequence[str] = MODES
) -> list[Outcome]:
    get_index(store)  # build once, outside the timings
    return [evaluate_question(store, settings, q, m) for q in questions for m in modes]


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


def format_summary(summary: dict[str, Any]) -> str:
    lines: list[str] = []
    for sp, modes in summary.items():
        if sp == "latency":
            continue
        n = next(iter(modes.values()))["n"] if modes else 0
        lines.append(f"split {sp} ({n} questions)")
        lines.append(f"  {'mode':<8} {'doc@5':>6} {'key':>6}   " + "  ".join(f"{t:>16}" for t in TYPES))
        for m, s in modes.items():
            per = []
            for t in TYPES:
                bt = s["by_type"].get(t)
                per.append(
                    f"{bt['doc_hit@5']:.2f}/{bt['key_hit']:.2f} (n={bt['n']:>2})" if bt else f"{'-':>16}"
                )
            lines.append(f"  {m:<8} {s['doc_hit@5']:>6.2f} {s['key_hit']:>6.2f}   " + "  ".join(per))
        lines.append("")
    lines.append(
        "per type: doc_hit@5/key_hit; latency per question (ms): "
        + ", ".join(f"{m} p50 {v['p50_ms']} p95 {v['p95_ms']}" for m, v in summary.get("latency", {}).items())
    )
    return "\n".join(lines)


def qa_report(
    store: Store, settings: Settings, gold_dir: Path, split: str, *, details: bool
) -> dict[str, Any]:
    """``zhkg eval --qa``: the summary of answering the gold questions (per question too, with ``details``).

    Raises :class:`QAGoldError` for an unknown split, an unreadable gold file or an empty split.
    """
    if split not in SPLITS:
        raise QAGoldError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    questions = load_questions(gold_dir)
    chosen = [q for q in questions if split == "all" or q.split == split]
    if not chosen:
        raise QAGoldError(f"no questions in split {split!r}")
    outcomes = evaluate(store, settings, chosen)
    summary = summarise(outcomes, split)
    if details:
        summary["questions"] = [
            {
                "id": o.question.id,
                "mode": o.mode,
                "used_mode": o.used_mode,
                "doc_hit": o.doc_hit,
                "key_hit": o.key_hit,
                "docs": o.docs,
            }
            for o in outcomes
        ]
    return summary


__all__ = [
    "MODES",
    "QAGoldError",
    "Question",
    "doc_matches",
    "evaluate",
    "key_found",
    "load_questions",
    "qa_report",
    "summarise",
]
