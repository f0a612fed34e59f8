"""``zhkg eval``: extraction quality of a workspace against the annotated dev set."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from graph import api
from graph.cli.main import CommandError
from graph.settings import Settings

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
        "--llm",
        action="store_true",
        help="with --qa: also answer with the configured LLM and report the share of supported sentences",
    )
    p.add_argument(
        "--corpora",
        type=Path,
        default=Path("../shared/corpora"),
        help="folder holding the real corpora for --real (default ../shared/corpora)",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    from graph.eval.extraction import format_report, format_scores
    from graph.eval.qa import format_summary

    if args.real and args.qa:
        qa_root: Path = args.gold if args.gold != Path("examples/dev") else Path("examples/gold")
        by_corpus = api.evaluate_qa_real(
            settings, qa_root, args.corpora, args.split, details=bool(args.json), llm=args.llm
        )
        if args.json:
            print(json.dumps(by_corpus, ensure_ascii=False, indent=2))
            return 0
        for name, summary in by_corpus.items():
            print(f"== {name}\n{format_summary(summary)}\n")
        return 0
    if args.real:
        gold_root: Path = args.gold if args.gold != Path("examples/dev") else Path("examples/gold")
        splits = ("tune", "heldout") if args.split == "all" else (args.split,)
        scores = api.evaluate_real(settings, gold_root, args.corpora, splits)
        if args.json:
            print(json.dumps([s.row() for s in scores], ensure_ascii=False, indent=2))
            return 0
        print(format_scores(scores))
        for s in scores if args.details else ():
            print(f"\n== {s.corpus} / {s.split}")
            print(format_report(s.report, details=True))
        return 0
    gold_dir: Path = args.gold
    if not gold_dir.is_dir():
        raise CommandError(f"gold folder {gold_dir} does not exist (use --gold DIR)")
    if args.qa:
        summary = api.evaluate_qa(settings, gold_dir, args.split, details=bool(args.json), llm=args.llm)
        print(json.dumps(summary, ensure_ascii=False, indent=2) if args.json else format_summary(summary))
        return 0
    report = api.evaluate(settings, gold_dir, args.split)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report, details=args.details))
    return 0
