"""``zhkg eval``: extraction quality of a workspace against the annotated dev set."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from graph.cli.main import CommandError
from graph.settings import Settings
from graph.store import StoreError, open_store

HELP = "entity/relation precision, recall and F1 against gold annotations (--qa: answer quality)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--gold",
        type=Path,
        default=Path("examples/dev"),
        help="folder with entities.yaml, relations.yaml, qa.yaml",
    )
    p.add_argument("--split", choices=("tune", "heldout", "all"), default="all")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--details", action="store_true", help="list false positives, misses and type errors")
    p.add_argument("--qa", action="store_true", help="evaluate question answering on qa.yaml instead")
    p.add_argument(
        "--real",
        action="store_true",
        help="ingest each annotated real corpus (examples/gold/NAME ↔ CORPORA/NAME), and the sample"
        " corpus for comparison, into fresh workspaces and score them, tune and heldout separately",
    )
    p.add_argument(
        "--corpora",
        type=Path,
        default=Path("../shared/corpora"),
        help="folder holding the real corpora for --real (default ../shared/corpora)",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    from graph.eval.extraction import GoldError, format_report, run_eval

    if args.real:
        return _run_real(args, settings)
    gold_dir: Path = args.gold
    if not gold_dir.is_dir():
        raise CommandError(f"gold folder {gold_dir} does not exist (use --gold DIR)")
    try:
        store = open_store(settings.workspace, readonly=True)
    except StoreError as exc:
        raise CommandError(str(exc)) from None
    with store:
        if args.qa:
            from graph.eval.qa import format_summary, qa_report

            summary = qa_report(store, settings, gold_dir, args.split, details=bool(args.json))
            print(json.dumps(summary, ensure_ascii=False, indent=2) if args.json else format_summary(summary))
            return 0
        try:
            report = run_eval(store, gold_dir, args.split)
        except GoldError as exc:
            raise CommandError(str(exc)) from None
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report, details=args.details))
    return 0


def _run_real(args: argparse.Namespace, settings: Settings) -> int:
    """Each real corpus into a temporary workspace (extraction always runs with the current code)."""
    import tempfile

    from graph.build.ingest import ingest_paths
    from graph.eval.extraction import GoldError, format_report, format_scores, real_gold_dirs, score_corpus

    gold_root: Path = args.gold if args.gold != Path("examples/dev") else Path("examples/gold")
    splits = ("tune", "heldout") if args.split == "all" else (args.split,)
    try:
        corpora = real_gold_dirs(gold_root, args.corpora)
        sample_gold, sample_corpus = Path("examples/dev"), Path("examples/corpus")
        if (sample_gold / "entities.yaml").is_file() and sample_corpus.is_dir():
            corpora.append(("sample (ours)", sample_gold, sample_corpus))  # for comparison, last
        scores = []
        for name, gold_dir, corpus in corpora:
            with tempfile.TemporaryDirectory(prefix="zhkg-eval-") as tmp:
                ws = settings.replace(workspace=Path(tmp), neo4j_uri="")
                report = ingest_paths([corpus], ws, progress=lambda *_: None)
                if report.failed:
                    raise CommandError(f"{name}: {len(report.failed)} files failed to ingest")
                with open_store(ws.workspace, readonly=True) as store:
                    scores.extend(score_corpus(store, name, gold_dir, splits))
    except GoldError as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        print(json.dumps([s.row() for s in scores], ensure_ascii=False, indent=2))
    else:
        print(format_scores(scores))
        if args.details:
            for s in scores:
                print(f"\n== {s.corpus} / {s.split}")
                print(format_report(s.report, details=True))
    return 0
