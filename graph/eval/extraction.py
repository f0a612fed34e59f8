"""Extraction quality against a hand-annotated dev set.

Gold entities are annotated per document (``entities.yaml``); a predicted
entity "is in" a document when one of its mentions there came from a real
extractor (family placeholders added for VARIANT_OF do not count). Predicted and
gold entities match when any of their names/aliases share a matching key, which
makes alias-merge errors visible: a gold entity matched by two nodes was split,
a node matched by two gold entities merged two things.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from extract.errors import ZhkgError
from extract.junk import junk_reason
from extract.normalize import match_key
from extract.records import Entity, EntityType, RelationType
from graph.records import SYMMETRIC
from graph.store import Store, readers


class GoldError(ZhkgError, ValueError):
    """The gold files are missing or malformed; the message names the file and entry."""


@dataclass(frozen=True)
class GoldEntity:
    name: str
    type: EntityType
    aliases: tuple[str, ...] = ()
    variant_of: str = ""
    core: bool = True  # borderline entities (core: false) count for precision, not for recall

    def key_set(self) -> set[str]:
        return {match_key(s) for s in (self.name, *self.aliases)} - {""}


@dataclass(frozen=True)
class GoldDoc:
    path: str
    split: str
    entities: tuple[GoldEntity, ...]


@dataclass(frozen=True)
class GoldRelation:
    doc: str
    source: str
    target: str
    type: RelationType
    evidence: str = ""
    split: str = ""


@dataclass(frozen=True)
class PredEntity:
    id: str
    name: str
    type: EntityType
    keys: frozenset[str]


@dataclass
class PRF:
    tp_pred: int = 0
    n_pred: int = 0
    tp_gold: int = 0
    n_gold: int = 0

    @property
    def precision(self) -> float:
        return self.tp_pred / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp_gold / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "predicted": self.n_pred,
            "gold": self.n_gold,
        }


@dataclass
class EvalReport:
    split: str
    documents: int = 0
    missing_documents: list[str] = field(default_factory=list)
    entities: PRF = field(default_factory=PRF)
    by_type: dict[str, PRF] = field(default_factory=dict)
    type_correct: int = 0
    type_total: int = 0
    borderline_missed: int = 0  # borderline gold entities nothing matched (not counted in recall)
    splits: list[dict[str, Any]] = field(default_factory=list)  # one gold entity, several nodes
    merges: list[dict[str, Any]] = field(default_factory=list)  # one node, several gold entities
    junk: list[dict[str, str]] = field(default_factory=list)
    false_positives: list[dict[str, str]] = field(default_factory=list)
    missed: list[dict[str, str]] = field(default_factory=list)
    type_errors: list[dict[str, str]] = field(default_factory=list)
    relations: PRF = field(default_factory=PRF)
    relations_untyped_recall: float = 0.0
    relations_missed: list[dict[str, str]] = field(default_factory=list)
    relations_by_type: dict[str, PRF] = field(default_factory=dict)

    @property
    def type_accuracy(self) -> float:
        return self.type_correct / self.type_total if self.type_total else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "split": self.split,
            "documents": self.documents,
            "missing_documents": self.missing_documents,
            "entities": self.entities.as_dict(),
            "entities_by_type": {k: v.as_dict() for k, v in sorted(self.by_type.items())},
            "borderline_missed": self.borderline_missed,
            "type_accuracy": round(self.type_accuracy, 4),
            "alias_merge_errors": {
                "split": len(self.splits),
                "merged": len(self.merges),
                "split_entities": self.splits,
                "merged_entities": self.merges,
            },
            "junk_entities": self.junk,
            "relations": {
                **self.relations.as_dict(),
                "untyped_recall": round(self.relations_untyped_recall, 4),
                "by_type": {k: v.as_dict() for k, v in sorted(self.relations_by_type.items())},
            },
            "false_positives": self.false_positives,
            "missed": self.missed,
            "type_errors": self.type_errors,
            "relations_missed": self.relations_missed,
        }


# -- gold ------------------------------------------------------------------------------------------


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GoldError(f"gold file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise GoldError(f"cannot read gold file {path}: {exc}") from None


def _etype(value: Any, where: str) -> EntityType:
    try:
        return EntityType(str(value).upper())
    except ValueError:
        raise GoldError(f"{where}: unknown entity type {value!r}") from None


def load_gold_entities(path: Path) -> list[GoldDoc]:
    data = _load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("documents"), list):
        raise GoldError(f"{path}: expected a mapping with a 'documents' list")
    docs = []
    for i, d in enumerate(data["documents"]):
        where = f"{path.name}: document {i + 1}"
        if not isinstance(d, dict) or not d.get("path"):
            raise GoldError(f"{where}: needs a 'path'")
        ents = []
        for j, e in enumerate(d.get("entities") or []):
            if not isinstance(e, dict) or not e.get("name"):
                raise GoldError(f"{where} ({d['path']}): entity {j + 1} needs a 'name'")
            ents.append(
                GoldEntity(
                    name=str(e["name"]),
                    type=_etype(e.get("type"), f"{where} ({e['name']})"),
                    aliases=tuple(str(a) for a in (e.get("aliases") or [])),
                    variant_of=str(e.get("variant_of") or ""),
                    core=bool(e.get("core", True)),
                )
            )
        docs.append(GoldDoc(str(d["path"]), str(d.get("split") or "tune"), tuple(ents)))
    return docs


def load_gold_relations(path: Path) -> list[GoldRelation]:
    if not path.exists():
        return []
    data = _load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("relations"), list):
        raise GoldError(f"{path}: expected a mapping with a 'relations' list")
    out = []
    for i, r in enumerate(data["relations"]):
        where = f"{path.name}: relation {i + 1}"
        if not isinstance(r, dict) or not all(r.get(k) for k in ("doc", "source", "target", "type")):
            raise GoldError(f"{where}: needs doc, source, target and type")
        try:
            rtype = RelationType(str(r["type"]).upper())
        except ValueError:
            raise GoldError(f"{where}: unknown relation type {r['type']!r}") from None
        out.append(
            GoldRelation(
                str(r["doc"]),
                str(r["source"]),
                str(r["target"]),
                rtype,
                str(r.get("evidence") or ""),
                str(r.get("split") or ""),
            )
        )
    return out


# -- predictions -----------------------------------------------------------------------------------


def match_doc_path(gold_path: str, paths: Iterable[str]) -> str | None:
    """The workspace path whose suffix is the gold path (ingest may have used any prefix)."""
    g = gold_path.replace("\\", "/").lstrip("./")
    best = None
    for p in paths:
        q = p.replace("\\", "/")
        if (q == g or q.endswith("/" + g)) and (best is None or len(q) < len(best)):
            best = q if q == p else p
    return best


def _pred_entities(store: Store, doc_id: str, entities: dict[str, Entity]) -> list[PredEntity]:
    rows = readers.document_entity_keys(store, doc_id)
    keys: dict[str, set[str]] = defaultdict(set)
    for eid, key in rows:
        keys[eid].add(key)
    out = []
    for eid, ks in keys.items():
        e = entities.get(eid)
        if e is None:
            continue
        all_keys = ks | {match_key(e.name)} | {match_key(a) for a in e.aliases}
        out.append(PredEntity(eid, e.name, e.type, frozenset(all_keys - {""})))
    return out


def _pred_relations(store: Store, doc_id: str) -> set[tuple[str, str, str]]:
    rows = readers.document_relation_candidates(store, doc_id)
    out = set()
    for s, t, ty in rows:
        if RelationType(ty) in SYMMETRIC and s > t:
            s, t = t, s
        out.add((s, t, ty))
    return out


# -- metrics ---------------------------------------------------------------------------------------


_CODEISH = re.compile(r"[(){}<>=;]|^\.|\.$|_[a-z]|^[a-z]+\.[a-z]+$")


def looks_junk(name: str) -> str:
    """Why a predicted entity name is junk, judged independently of its extractor."""
    reason = junk_reason(name)
    if reason:
        return reason
    if _CODEISH.search(name):
        return "code fragment"
    return ""


def evaluate(
    store: Store,
    gold_docs: Sequence[GoldDoc],
    gold_relations: Sequence[GoldRelation] = (),
    split: str = "all",
) -> EvalReport:
    """Compare the workspace graph with gold annotations of the documents in ``split``."""
    report = EvalReport(split=split)
    entities = {e.id: e for e in store.entities()}
    paths = {d.path: d.id for d in store.documents()}
    chosen = [d for d in gold_docs if split == "all" or d.split == split]
    doc_preds: dict[str, list[PredEntity]] = {}
    doc_golds: dict[str, GoldDoc] = {}
    doc_ids: dict[str, str] = {}
    junk_seen: set[str] = set()
    for gd in chosen:
        wpath = match_doc_path(gd.path, paths)
        if wpath is None:
            report.missing_documents.append(gd.path)
            continue
        report.documents += 1
        doc_id = paths[wpath]
        preds = _pred_entities(store, doc_id, entities)
        doc_preds[gd.path], doc_golds[gd.path], doc_ids[gd.path] = preds, gd, doc_id
        _score_doc(report, gd, preds, junk_seen)
    _score_relations(report, store, gold_relations, doc_golds, doc_preds, doc_ids)
    return report


def _score_doc(report: EvalReport, gd: GoldDoc, preds: Sequence[PredEntity], junk_seen: set[str]) -> None:
    gold_of_pred: dict[str, list[GoldEntity]] = defaultdict(list)
    preds_of_gold: dict[int, list[PredEntity]] = defaultdict(list)
    for gi, g in enumerate(gd.entities):
        gkeys = g.key_set()
        for p in preds:
            if gkeys & p.keys:
                gold_of_pred[p.id].append(g)
                preds_of_gold[gi].append(p)
    for t in EntityType:
        report.by_type.setdefault(t.value, PRF())
    for gi, g in enumerate(gd.entities):
        matched = preds_of_gold.get(gi, [])
        if g.core:
            report.entities.n_gold += 1
            bt = report.by_type[g.type.value]
            bt.n_gold += 1
            if not matched:
                report.missed.append({"doc": gd.path, "name": g.name, "type": g.type.value})
                continue
            report.entities.tp_gold += 1
            bt.tp_gold += 1
        elif not matched:
            report.borderline_missed += 1
            continue
        # The node named like the gold entity is its match; the others are splits.
        best = min(matched, key=lambda p: (match_key(p.name) != match_key(g.name), p.name))
        report.type_total += 1
        if best.type == g.type:
            report.type_correct += 1
        else:
            report.type_errors.append(
                {"doc": gd.path, "name": g.name, "gold": g.type.value, "predicted": best.type.value}
            )
        if len(matched) > 1:
            report.splits.append({"doc": gd.path, "gold": g.name, "nodes": sorted(p.name for p in matched)})
    for p in preds:
        report.entities.n_pred += 1
        bt = report.by_type[p.type.value]
        bt.n_pred += 1
        golds = gold_of_pred.get(p.id, [])
        if golds:
            report.entities.tp_pred += 1
            bt.tp_pred += 1
            if len({g.name for g in golds}) > 1:
                report.merges.append(
                    {"doc": gd.path, "node": p.name, "gold": sorted({g.name for g in golds})}
                )
        else:
            report.false_positives.append({"doc": gd.path, "name": p.name, "type": p.type.value})
            reason = looks_junk(p.name)
            if reason and p.id not in junk_seen:
                junk_seen.add(p.id)
                report.junk.append({"name": p.name, "reason": reason})


def _score_relations(
    report: EvalReport,
    store: Store,
    gold_relations: Sequence[GoldRelation],
    doc_golds: dict[str, GoldDoc],
    doc_preds: dict[str, list[PredEntity]],
    doc_ids: dict[str, str],
) -> None:
    untyped_hits = 0
    n_gold = 0
    for path, gd in doc_golds.items():
        preds = doc_preds[path]
        rels = [r for r in gold_relations if r.doc.replace("\\", "/").lstrip("./") == path]

        def ids_for(name: str, gd: GoldDoc = gd, preds: Sequence[PredEntity] = preds) -> set[str]:
            k = match_key(name)
            g = next((g for g in gd.entities if k in g.key_set()), None)
            keys = g.key_set() if g is not None else {k}
            return {p.id for p in preds if keys & p.keys}

        predicted = _pred_relations(store, doc_ids[path])
        typed = {r for r in predicted if r[2] != RelationType.RELATED_TO.value}
        linked = {(s, t) for s, t, _ in predicted} | {(t, s) for s, t, _ in predicted}
        matched_pred: set[tuple[str, str, str]] = set()
        for r in rels:
            n_gold += 1
            bt = report.relations_by_type.setdefault(r.type.value, PRF())
            bt.n_gold += 1
            report.relations.n_gold += 1
            src, tgt = ids_for(r.source), ids_for(r.target)
            hit = None
            for s in src:
                for t in tgt:
                    for cand in ((s, t, r.type.value), (t, s, r.type.value)):
                        if cand in typed and (cand[0] == s or r.type in SYMMETRIC):
                            hit = cand
            if hit is not None:
                matched_pred.add(hit)
                report.relations.tp_gold += 1
                bt.tp_gold += 1
            else:
                report.relations_missed.append(
                    {
                        "doc": path,
                        "source": r.source,
                        "target": r.target,
                        "type": r.type.value,
                        "evidence": r.evidence,
                    }
                )
            if any((s, t) in linked for s in src for t in tgt):
                untyped_hits += 1
        for cand in typed:
            report.relations.n_pred += 1
            bt = report.relations_by_type.setdefault(cand[2], PRF())
            bt.n_pred += 1
            if cand in matched_pred:
                report.relations.tp_pred += 1
                bt.tp_pred += 1
    report.relations_untyped_recall = untyped_hits / n_gold if n_gold else 0.0


def run_eval(store: Store, gold_dir: Path, split: str = "all") -> EvalReport:
    """Load the gold files of ``gold_dir`` and evaluate ``store`` on ``split``."""
    if split not in ("tune", "heldout", "all"):
        raise GoldError(f"unknown split {split!r} (tune, heldout or all)")
    gold_docs = load_gold_entities(gold_dir / "entities.yaml")
    gold_rels = load_gold_relations(gold_dir / "relations.yaml")
    return evaluate(store, gold_docs, gold_rels, split)


def format_report(report: EvalReport, *, details: bool = False) -> str:
    """Human-readable summary (the JSON form carries the full lists)."""
    e = report.entities
    lines = [
        f"split {report.split}: {report.documents} documents"
        + (
            f" ({len(report.missing_documents)} gold documents not in workspace)"
            if report.missing_documents
            else ""
        ),
        f"entities   P {e.precision:.3f}  R {e.recall:.3f}  F1 {e.f1:.3f}"
        f"  (predicted {e.n_pred}, gold {e.n_gold})",
    ]
    for t, prf in sorted(report.by_type.items()):
        if prf.n_gold or prf.n_pred:
            lines.append(
                f"  {t:<9} P {prf.precision:.3f}  R {prf.recall:.3f}  F1 {prf.f1:.3f}"
                f"  (predicted {prf.n_pred}, gold {prf.n_gold})"
            )
    lines.append(f"type accuracy {report.type_accuracy:.3f} ({report.type_correct}/{report.type_total})")
    lines.append(f"alias-merge errors: split {len(report.splits)}, merged {len(report.merges)}")
    for s in report.splits:
        lines.append(f"  split  {s['doc']}: {s['gold']} → {', '.join(s['nodes'])}")
    for m in report.merges:
        lines.append(f"  merged {m['doc']}: {m['node']} ← {', '.join(m['gold'])}")
    lines.append(
        f"junk entities {len(report.junk)}" + "".join(f"\n  {j['name']} ({j['reason']})" for j in report.junk)
    )
    r = report.relations
    lines.append(
        f"relations  P {r.precision:.3f}  R {r.recall:.3f}  F1 {r.f1:.3f}  (typed predicted {r.n_pred},"
        f" gold {r.n_gold}; any-link recall {report.relations_untyped_recall:.3f})"
    )
    if details:
        lines.append("false positives:")
        lines += [f"  {x['doc']}: {x['name']} [{x['type']}]" for x in report.false_positives]
        lines.append("missed:")
        lines += [f"  {x['doc']}: {x['name']} [{x['type']}]" for x in report.missed]
        lines.append("type errors:")
        lines += [
            f"  {x['doc']}: {x['name']} gold {x['gold']} predicted {x['predicted']}"
            for x in report.type_errors
        ]
        lines.append("relations missed:")
        lines += [
            f"  {x['doc']}: {x['source']} -{x['type']}-> {x['target']}  「{x['evidence']}」"
            for x in report.relations_missed
        ]
    return "\n".join(lines)


# -- real corpora ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CorpusScore:
    """One real corpus and split: what ``zhkg eval --real`` prints a row of."""

    corpus: str
    split: str
    report: EvalReport

    def row(self) -> dict[str, Any]:
        r = self.report
        person = r.by_type.get(EntityType.PERSON.value, PRF())
        return {
            "corpus": self.corpus,
            "split": self.split,
            "documents": r.documents,
            "core_recall": round(r.entities.recall, 4),
            "precision": round(r.entities.precision, 4),
            "type_accuracy": round(r.type_accuracy, 4),
            "person_recall": round(person.recall, 4) if person.n_gold else None,
            "splits": len(r.splits),
            "merges": len(r.merges),
            "relations_precision": round(r.relations.precision, 4),
            "relations_recall": round(r.relations.recall, 4),
            "gold_core": r.entities.n_gold,
            "gold_relations": r.relations.n_gold,
        }


def real_gold_dirs(
    gold_root: Path, corpora_root: Path, marker: str = "entities.yaml"
) -> list[tuple[str, Path, Path]]:
    """(name, gold folder, corpus folder) for each real corpus annotated with a ``marker`` file
    (``entities.yaml`` for extraction, ``qa.yaml`` for questions); every such corpus must be present."""
    if not gold_root.is_dir():
        raise GoldError(f"gold folder {gold_root} does not exist")
    out = []
    for gold in sorted(p for p in gold_root.iterdir() if (p / marker).is_file()):
        corpus = corpora_root / gold.name
        if not corpus.is_dir():
            raise GoldError(f"corpus {corpus} for gold {gold} does not exist (use --corpora DIR)")
        out.append((gold.name, gold, corpus))
    if not out:
        raise GoldError(f"no annotated corpora (*/{marker}) under {gold_root}")
    return out


def score_corpus(store: Store, name: str, gold_dir: Path, splits: Sequence[str]) -> list[CorpusScore]:
    """Evaluate one ingested real corpus on each of ``splits``."""
    gold_docs = load_gold_entities(gold_dir / "entities.yaml")
    gold_rels = load_gold_relations(gold_dir / "relations.yaml")
    return [CorpusScore(name, split, evaluate(store, gold_docs, gold_rels, split)) for split in splits]


def format_scores(scores: Sequence[CorpusScore]) -> str:
    """The real-corpus table: one line per corpus and split."""
    head = (
        f"{'corpus':<22} {'split':<8} {'docs':>4} {'coreR':>6} {'prec':>6} {'typeA':>6} {'persR':>6}"
        f" {'splits':>6} {'merges':>6} {'relP':>6} {'relR':>6}"
    )
    lines = [head]
    for s in scores:
        r = s.row()
        pr = "   -  " if r["person_recall"] is None else f"{r['person_recall']:6.3f}"
        lines.append(
            f"{r['corpus']:<22} {r['split']:<8} {r['documents']:>4} {r['core_recall']:6.3f}"
            f" {r['precision']:6.3f} {r['type_accuracy']:6.3f} {pr} {r['splits']:>6} {r['merges']:>6}"
            f" {r['relations_precision']:6.3f} {r['relations_recall']:6.3f}"
        )
    return "\n".join(lines)
