"""``zhkg curate``: the explorer's curation actions from the command line, with the history and undo.

``zhkg curate ignore NAME``, ``retype NAME TYPE``, ``merge NAME INTO``, ``split NAME ALIAS``,
``rename NAME NEW``, ``history``, ``undo STEP``. Entities are named by any of their spellings.
"""

from __future__ import annotations

import argparse
import json

from extract.records import EntityType
from graph import api
from graph.settings import Settings

HELP = "fix the graph: ignore / retype / merge / split / rename an entity, list the history, undo"

_NEEDS_VALUE = {"retype": "TYPE", "merge": "INTO", "split": "ALIAS", "rename": "NEW_NAME"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "action",
        choices=["ignore", "retype", "merge", "split", "rename", "history", "undo"],
        metavar="ACTION",
    )
    p.add_argument("target", nargs="?", default="", help="the entity (any spelling), or the step for undo")
    p.add_argument(
        "value",
        nargs="?",
        default="",
        help=f"retype: one of {', '.join(t.value for t in EntityType)}; merge: the entity to merge into; "
        "split: the alias; rename: the new name",
    )
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS")
    p.add_argument("--json", action="store_true")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from graph.cli.main import CommandError

    if args.action == "history":
        steps = api.curation_history(settings)
        if args.json:
            print(json.dumps([s.to_yaml() for s in steps], ensure_ascii=False, indent=2))
        for s in [] if args.json else steps:
            mark = " (undone)" if s.undone else ""
            extra = f" {s.previous} → {s.value}" if s.previous else f" → {s.value}" if s.value else ""
            print(f"{s.id}\t{s.at}\t{s.action}\t{s.entity}{extra}{mark}")
        return 0
    if args.action == "undo":
        if not args.target.isdigit():
            raise CommandError("usage: zhkg curate undo STEP (a number from `zhkg curate history`)")
        out = api.undo_curation(settings, int(args.target), wait_s=args.wait)
    else:
        if not args.target:
            raise CommandError(
                f"usage: zhkg curate {args.action} NAME {_NEEDS_VALUE.get(args.action, '')}".strip()
            )
        if args.action in _NEEDS_VALUE and not args.value:
            raise CommandError(f"usage: zhkg curate {args.action} NAME {_NEEDS_VALUE[args.action]}")
        entity = api.find_entity(settings, args.target)
        if entity is None:
            raise CommandError(f"no entity is called {args.target!r} in {settings.workspace}")
        value = args.value
        if args.action == "merge":
            into = api.find_entity(settings, value)
            if into is None:
                raise CommandError(f"no entity is called {value!r} in {settings.workspace}")
            value = into
        out = api.curate(settings, args.action, entity, value, wait_s=args.wait)
    result = {
        "step": out.step.id,
        "action": str(out.step.action),
        "entity": out.step.entity,
        "value": out.step.value,
        "undone": out.step.undone,
        "entity_id": out.entity_id,
        "documents": out.documents,
        "seconds": round(out.seconds, 3),
        "neo4j": out.neo4j,
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        verb = "undone" if out.step.undone else "applied"
        print(
            f"step {out.step.id} {verb}: {out.step.action} {out.step.entity}"
            + (f" → {out.step.value}" if out.step.value else "")
            + f" ({out.documents} documents re-extracted, {out.seconds:.1f} s)"
        )
        if out.neo4j:
            print(out.neo4j)
    return 0
