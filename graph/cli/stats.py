"""``zhkg stats``: what the workspace holds."""

from __future__ import annotations

import argparse
import json

from graph import api
from graph.settings import Settings

HELP = "counts of documents, chunks, entities by type, relations by type, communities"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true")


def run(args: argparse.Namespace, settings: Settings) -> int:
    stats = api.stats(settings)
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, indent=2))
        return 0
    print(f"workspace    {settings.workspace}")
    for key in ("documents", "chunks", "mentions", "entities", "relations", "communities", "redactions"):
        print(f"{key:<12} {stats[key]}")
        breakdown = stats.get(f"{key}_by_type") or stats.get(f"{key}_by_level") or {}
        for name, n in breakdown.items():
            label = f"level {name}" if key == "communities" else name
            print(f"  {label:<16} {n}")
    return 0
