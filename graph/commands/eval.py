"""``zhkg eval``: extraction quality of a workspace against the annotated dev set."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from graph.cli import CommandError
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


def run(args: argparse.Namespace, settings: Settings) -> int:
    from graph.evaluate import GoldError, format_report, run_eval

    gold_dir: Path = args.gold
    if not gold_dir.is_dir():
        raise CommandError(f"gold folder {gold_dir} does not exist (use --gold DIR)")
    try:
        store = open_store(settings.workspace, readonly=True)
    except StoreError as exc:
        raise CommandError(str(exc)) from None
    with store:
        if args.qa:
            from graph.qa_eval import run_qa_eval

            return int(run_qa_eval(store, settings, gold_dir, args.split, bool(args.json)))
        try:
            report = run_eval(store, gold_dir, args.split)
        except GoldError as exc:
            raise CommandError(str(exc)) from None
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report, details=args.details))
    return 0
