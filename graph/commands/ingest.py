"""``zhkg ingest PATH...``: bring a workspace up to date with files and folders."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from graph.ingest import IngestReport, ingest_paths
from graph.lock import WorkspaceBusy
from graph.settings import Settings

HELP = "ingest Markdown/HTML/text files or folders into the workspace"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (searched recursively)")
    p.add_argument(
        "--lexicon",
        dest="set_lexicon_files",
        action="append",
        type=Path,
        metavar="FILE",
        help="extra lexicon YAML file (repeatable)",
    )
    p.add_argument(
        "--ckip",
        dest="set_ckip",
        action="store_true",
        default=None,
        help="also run CKIP neural NER (needs the ckip extra and models)",
    )
    p.add_argument("--device", dest="set_device", help="auto, cpu, cuda or cuda:N (CKIP)")
    p.add_argument("--batch-size", dest="set_batch_size", type=int, help="CKIP batch size")
    p.add_argument("--chunk-size", dest="set_chunk_size", type=int, help="characters per chunk (default 500)")
    p.add_argument("--max-file-mb", dest="set_max_file_mb", type=float, help="skip larger files (default 20)")
    p.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long for another writer to finish instead of failing",
    )
    p.add_argument(
        "--no-index",
        action="store_true",
        help="do not prepare the search index afterwards (the first question then builds it)",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")


def print_report(report: IngestReport, as_json: bool, index_s: float | None = None) -> None:
    if as_json:
        out = report.to_json() | ({"search_index_s": round(index_s, 3)} if index_s is not None else {})
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for path, reason in report.skipped:
        print(f"skipped  {path}: {reason}", file=sys.stderr)
    for path, reason in report.failed:
        print(f"FAILED   {path}: {reason}", file=sys.stderr)
    for path, line, kind in report.redactions:
        print(f"redacted {path}:{line}: {kind}", file=sys.stderr)
    parts = [
        f"ingested {report.ingested}",
        f"unchanged {report.unchanged}",
        f"skipped {len(report.skipped)}",
        f"failed {len(report.failed)}",
    ]
    if report.removed:
        parts.insert(0, f"removed {report.removed}")
    if report.reprocessed:
        parts.append(f"re-cleaned {report.reprocessed}")
    if report.redactions:
        parts.append(f"secrets redacted {len(report.redactions)}")
    print(", ".join(parts) + f" ({report.seconds:.1f}s)")
    if report.ckip_status not in {"off", ""}:
        print(f"CKIP: {report.ckip_status}")
    if report.neo4j:
        print(report.neo4j)
    if index_s is not None:
        print(f"search index ready ({index_s:.1f}s)")


def prepare_index(settings: Settings) -> float:
    """Build the retrieval index and its on-disk cache now, so that neither the first question nor
    the app pays for it (minutes at 100k documents); returns the seconds it took."""
    from graph.search.index import get_index
    from graph.store import open_store

    t = time.perf_counter()
    with open_store(settings.workspace, readonly=True) as store:
        get_index(store)
    return time.perf_counter() - t


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.set_lexicon_files:
        settings = settings.replace(lexicon_files=settings.lexicon_files + tuple(args.set_lexicon_files))
    try:
        report = ingest_paths(args.paths, settings, wait_s=args.wait)
    except WorkspaceBusy as exc:
        from graph.cli import CommandError

        raise CommandError(str(exc)) from None
    index_s = prepare_index(settings) if (report.ingested or report.removed) and not args.no_index else None
    print_report(report, args.json, index_s)
    return 1 if report.failed else 0
