"""``zhkg export``: the graph as JSON (stdout), GraphML or CSV."""

from __future__ import annotations

import argparse
from pathlib import Path

from graph.export import csv_tables, to_graphml, to_json, write_atomic
from graph.settings import Settings
from graph.store import open_store

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
    from graph.cli import CommandError

    with open_store(settings.workspace, readonly=True) as store:
        if args.format == "csv":
            if args.output is None:
                raise CommandError("--format csv writes several files: give a folder with --output DIR")
            tables = csv_tables(store)
            for name, text in tables.items():
                write_atomic(args.output / name, text)
            print(f"wrote {len(tables)} CSV files to {args.output}")
            return 0
        text = to_json(store) if args.format == "json" else to_graphml(store)
    if args.output is None:
        print(text)
    else:
        write_atomic(args.output, text if text.endswith("\n") else text + "\n")
    return 0
