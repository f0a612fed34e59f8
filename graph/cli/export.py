"""``zhkg export``: the graph as JSON (stdout), GraphML or CSV."""

from __future__ import annotations

import argparse
from pathlib import Path

from graph import api
from graph.settings import Settings
from graph.store.export import write_atomic

HELP = "export documents, entities, relations and communities as json, graphml or csv"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", "-f", choices=("json", "graphml", "csv"), default="json")
    p.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="PATH",
        help="file to write (json/graphml; default stdout) or folder (csv, required)",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    from graph.cli.main import CommandError

    if args.format == "csv" and args.output is None:
        raise CommandError("--format csv writes several files: give a folder with --output DIR")
    files = api.export(settings, args.format)
    if args.format == "csv":
        for name, text in files.items():
            write_atomic(args.output / name, text)
        print(f"wrote {len(files)} CSV files to {args.output}")
        return 0
    (text,) = files.values()
    if args.output is None:
        print(text)
    else:
        write_atomic(args.output, text if text.endswith("\n") else text + "\n")
    return 0
