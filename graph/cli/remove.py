"""``zhkg remove PATH...``: forget documents and whatever only they supported."""

from __future__ import annotations

import argparse

from graph import api
from graph.cli.ingest import print_report
from graph.settings import Settings

HELP = "remove documents (a file, or everything under a folder) from the workspace"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS")
    p.add_argument("--no-index", action="store_true", help="do not prepare the search index afterwards")
    p.add_argument("--json", action="store_true")


def run(args: argparse.Namespace, settings: Settings) -> int:
    print_report(api.remove(args.paths, settings, wait_s=args.wait, index=not args.no_index), args.json)
    return 0
