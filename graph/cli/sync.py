"""``zhkg sync neo4j``: mirror the workspace into the configured Neo4j server.

The workspace is only read; when Neo4j is down the command fails with one line
and nothing is lost — run it again once the server is back.
"""

from __future__ import annotations

import argparse
import json
import sys

from graph import api
from graph.cli.main import CommandError
from graph.settings import Settings

HELP = "mirror the workspace graph into Neo4j (idempotent; mirrors removals)"


def add_neo4j_arguments(p: argparse.ArgumentParser) -> None:
    """Connection flags shared with ``zhkg cypher``; each overrides its ZHKG_NEO4J_* variable."""
    p.add_argument(
        "--neo4j-uri", dest="set_neo4j_uri", metavar="URI", help="bolt://host:port (env ZHKG_NEO4J_URI)"
    )
    p.add_argument("--neo4j-user", dest="set_neo4j_user", metavar="USER", help="env ZHKG_NEO4J_USER")
    p.add_argument(
        "--neo4j-database",
        dest="set_neo4j_database",
        metavar="DB",
        help="env ZHKG_NEO4J_DATABASE (default neo4j)",
    )


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", choices=["neo4j"], help="what to sync to (only neo4j)")
    add_neo4j_arguments(p)
    p.add_argument(
        "--batch-size",
        dest="set_neo4j_batch_size",
        type=int,
        metavar="N",
        help="rows per write batch (default 5000)",
    )
    p.add_argument(
        "--full",
        action="store_true",
        help="compare everything instead of only what the workspace logged as changed since the last sync",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from graph.neo4j.client import Neo4jUnavailable

    if settings.neo4j_batch_size < 1:
        raise CommandError("--batch-size must be at least 1")
    try:
        report = api.sync_neo4j(
            settings, progress=not args.no_progress and sys.stderr.isatty(), full=args.full
        )
    except Neo4jUnavailable as exc:
        raise CommandError(f"{exc}; the workspace is unchanged, run `zhkg sync neo4j` again later") from None
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return 0
    print(report.summary())
    keys = sorted(set(report.written) | set(report.removed))
    for key in keys:
        print(
            f"  {key:<16} written {report.written.get(key, 0):>7}  new {report.created.get(key, 0):>7}"
            f"  removed {report.removed.get(key, 0):>6}"
        )
    return 0
