"""``zhkg remove PATH...``: forget documents and whatever only they supported."""

from __future__ import annotations

import argparse

from graph.commands.ingest import prepare_index, print_report
from graph.ingest import remove_paths
from graph.lock import WorkspaceBusy
from graph.settings import Settings

HELP = "remove documents (a file, or everything under a folder) from the workspace"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS")
    p.add_argument("--no-index", action="store_true", help="do not prepare the search index afterwards")
    p.add_argument("--json", action="store_true")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from graph.cli import CommandError

    try:
        report = remove_paths(args.paths, settings, wait_s=args.wait)
    except WorkspaceBusy as exc:
        raise CommandError(str(exc)) from None
    if not report.removed:
        raise CommandError("no document in the workspace matches " + ", ".join(args.paths))
    print_report(report, args.json, None if args.no_index else prepare_index(settings))
    return 0
