"""``zhkg ingest PATH...``: bring a workspace up to date with files and folders."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from graph import api
from graph.build.ingest import IngestReport
from graph.settings import Settings

HELP = "ingest Markdown/HTML/text files or folders into the workspace"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="files or folders (searched recursively); with --engine spark also Hadoop URLs"
        " (file://, hdfs://, s3a://... that this Spark can read)",
    )
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
    p.add_argument(
        "--chunk-size",
        dest="set_chunk_size",
        type=int,
        help=f"characters per chunk (default {Settings.chunk_size})",
    )
    p.add_argument(
        "--max-file-mb",
        dest="set_max_file_mb",
        type=float,
        help=f"skip larger files, in MiB (default {Settings.max_file_mb:g})",
    )
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
    p.add_argument(
        "--reindex",
        action="store_true",
        help="build the search index from scratch instead of patching it with what changed",
    )
    p.add_argument(
        "--recluster",
        action="store_true",
        help="recompute the communities from scratch instead of updating them with what changed",
    )
    p.add_argument(
        "--rehash",
        action="store_true",
        help="read and hash every file, even those whose size, time and inode say unchanged",
    )
    p.add_argument(
        "--engine",
        choices=("local", "spark"),
        default="local",
        help="where the per-document work runs: here (default) or on Spark (needs the spark extra)",
    )
    p.add_argument(
        "--master",
        metavar="URL",
        help="Spark master for --engine spark (default: spark-submit's, else local[*])",
    )
    p.add_argument(
        "--partitions",
        type=int,
        metavar="N",
        help="Spark partitions per job (default: twice the cluster's parallelism)",
    )
    p.add_argument(
        "--to",
        choices=("workspace", "neo4j"),
        default="workspace",
        help="neo4j: also write the graph to the configured Neo4j, failing if it cannot"
        " (with --engine spark the executors write it)",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")


def print_report(report: IngestReport, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return
    for path, reason in report.skipped:
        print(f"skipped  {path}: {reason}", file=sys.stderr)
    for path, reason in report.failed:
        print(f"FAILED   {path}: {reason}", file=sys.stderr)
    for path, other, sim in report.duplicates:
        print(f"duplicate {path}: repeats {other} (similarity {sim:.2f}); indexed once", file=sys.stderr)
    for path, line, kind in report.redactions:
        print(f"redacted {path}:{line or 'name'}: {kind}", file=sys.stderr)
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
    if report.duplicates:
        parts.append(f"duplicates {len(report.duplicates)}")
    if report.redactions:
        parts.append(f"secrets redacted {len(report.redactions)}")
    print(", ".join(parts) + f" ({report.seconds:.1f}s)")
    if report.ckip_status not in {"off", ""}:
        print(f"CKIP: {report.ckip_status}")
    if report.neo4j:
        print(report.neo4j)
    if report.index_s is not None:
        if report.index_on_disk:
            print(f"search index ready ({report.index_s:.1f}s)")
        else:
            print(f"search index built in memory only ({report.index_s:.1f}s): cache file not written")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.set_lexicon_files:
        settings = settings.replace(lexicon_files=settings.lexicon_files + tuple(args.set_lexicon_files))
    report = api.ingest(
        args.paths,
        settings,
        wait_s=args.wait,
        index=not args.no_index,
        rehash=args.rehash,
        reindex=args.reindex,
        recluster=args.recluster,
        engine=args.engine,
        master=args.master,
        partitions=args.partitions,
        to=args.to,
    )
    print_report(report, args.json)
    return 1 if report.failed else 0
