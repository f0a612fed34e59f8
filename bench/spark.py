"""Spark engine against the local engine on the same synthetic corpus, same machine, same run.

Each engine ingests the corpus into a fresh workspace in a fresh child process (no index build:
the ingest alone is compared). While a child runs, this parent samples the child's whole process
tree with psutil every 0.2 s and keeps the peak resident memory of:

* the driver (the child's Python: the store writes, resolution, communities),
* the JVM (in ``local[N]`` mode Spark's driver and its one executor share it),
* the workers (forked extraction processes for the local engine; PySpark's Python workers,
  the executors' side, for Spark), summed at each sample.

"Spark overhead" is the Spark run's wall time minus the local engine's, as a share of the Spark
run: JVM start, scheduling, pickling documents to and from the Python workers. Its start-up part
(the SparkSession) is timed on its own. On one small machine Spark is expected to lose: this
script is here to say by how much, not to make it look good.

    .venv/bin/python bench/spark.py --docs 10000 --master 'local[2]'

Prints a table and writes ``bench/out/spark-<docs>.json``. A script that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import BENCH_ROOT, OUT_DIR, ensure_corpus, machine  # noqa: E402

log = logging.getLogger("bench.spark")


def child(args: argparse.Namespace) -> dict[str, Any]:
    """One ingest, timed from inside (the session start apart from the ingest)."""
    from graph import api
    from graph.settings import load_settings

    settings = load_settings(env={}, overrides={"workspace": Path(args.workspace), "neo4j_uri": ""})
    out: dict[str, Any] = {"engine": args.engine}
    if args.engine == "spark":
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        from pyspark.sql import SparkSession

        t = time.perf_counter()
        spark = (
            SparkSession.builder.master(args.master)
            .appName("zhkg-bench")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.memory", args.driver_memory)
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        out["session_start_s"] = round(time.perf_counter() - t, 3)
        out["master"] = args.master
    t = time.perf_counter()
    report = api.ingest(
        [args.corpus],
        settings,
        progress=lambda *_: None,
        index=False,
        engine=args.engine,
        partitions=args.partitions or None,
    )
    out["ingest_s"] = round(time.perf_counter() - t, 3)
    if args.engine == "spark":
        tracker = spark.sparkContext.statusTracker()
        out["spark_jobs"] = len(tracker.getJobIdsForGroup(None))
        spark.stop()
    out |= {"ingested": report.ingested, "skipped": len(report.skipped), "failed": len(report.failed)}
    return out


def _export_hash(workspace: Path) -> str:
    """Hash of the JSON export (taken here, after the child: it would swell the driver's peak):
    equal hashes mean the two engines wrote the same graph."""
    import hashlib

    from graph import api
    from graph.settings import load_settings

    settings = load_settings(env={}, overrides={"workspace": workspace, "neo4j_uri": ""})
    return hashlib.sha256(api.export(settings, "json")["graph.json"].encode()).hexdigest()[:16]


def _groups(root: Any) -> dict[str, int]:
    """Resident bytes of the driver, the JVM and the workers in ``root``'s process tree now."""
    import psutil

    out = {"driver": 0, "jvm": 0, "workers": 0}
    try:
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return out
    for p in procs:
        try:
            rss = p.memory_info().rss
            name = p.name()
        except psutil.Error:
            continue
        key = "driver" if p.pid == root.pid else "jvm" if name.startswith("java") else "workers"
        out[key] += rss
    return out


def measure(engine: str, corpus: Path, args: argparse.Namespace) -> dict[str, Any]:
    import psutil

    ws = BENCH_ROOT / f"ws-spark-bench-{engine}"
    shutil.rmtree(ws, ignore_errors=True)
    out_file = BENCH_ROOT / f".spark-child-{os.getpid()}-{engine}.json"
    argv = [
        sys.executable, str(Path(__file__).resolve()), "child", "--engine", engine, "--corpus", str(corpus),
        "--workspace", str(ws), "--json", str(out_file), "--master", args.master,
        "--partitions", str(args.partitions), "--driver-memory", args.driver_memory,
    ]  # fmt: skip
    load_before = os.getloadavg()[0]  # a shared machine: say how busy it was
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT)
    root = psutil.Process(proc.pid)
    peak = {"driver": 0, "jvm": 0, "workers": 0, "total": 0}
    while proc.poll() is None:
        now = _groups(root)
        for k, v in now.items():
            peak[k] = max(peak[k], v)
        peak["total"] = max(peak["total"], sum(now.values()))
        time.sleep(0.2)
    wall = time.perf_counter() - t0
    result: dict[str, Any] = {"engine": engine, "error": f"exit {proc.returncode}"}
    if proc.returncode == 0 and out_file.exists():
        result = json.loads(out_file.read_text(encoding="utf-8"))
    out_file.unlink(missing_ok=True)
    result["process_wall_s"] = round(wall, 3)
    result["load_avg_1m"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
    result["peak_rss_mb"] = {k: round(v / 2**20, 1) for k, v in peak.items()}
    if "error" not in result:
        result["export_sha"] = _export_hash(ws)
    if args.keep:
        result["workspace"] = str(ws)
    else:
        shutil.rmtree(ws, ignore_errors=True)
    return result


def compare(args: argparse.Namespace) -> dict[str, Any]:
    corpus = ensure_corpus(args.docs, args.seed)
    runs = {engine: measure(engine, corpus, args) for engine in ("local", "spark")}
    local, spark = runs["local"], runs["spark"]
    summary: dict[str, Any] = {
        "docs": args.docs,
        "master": args.master,
        "machine": machine(),
        "taken": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "runs": runs,
    }
    if "error" not in local and "error" not in spark:
        extra = spark["process_wall_s"] - local["process_wall_s"]
        summary |= {
            "same_graph": local["export_sha"] == spark["export_sha"],
            "spark_overhead_s": round(extra, 1),
            "spark_overhead_share": round(extra / spark["process_wall_s"], 3),
            "session_start_share": round(spark.get("session_start_s", 0.0) / spark["process_wall_s"], 3),
        }
    return summary


def print_summary(s: dict[str, Any]) -> None:
    print(f"{s['docs']} synthetic documents; Spark {s['master']}; {s['machine']['cores']} cores")
    print(f"{'engine':<7} {'wall s':>8} {'ingest s':>9} {'docs/s':>7} {'driver MB':>10} {'JVM MB':>8} "
          f"{'workers MB':>11} {'total MB':>9}")  # fmt: skip
    for engine, r in s["runs"].items():
        if "error" in r:
            print(f"{engine:<7} {r['error']}")
            continue
        rss = r["peak_rss_mb"]
        rate = r["ingested"] / r["process_wall_s"] if r["process_wall_s"] else 0.0
        print(
            f"{engine:<7} {r['process_wall_s']:>8.1f} {r['ingest_s']:>9.1f} {rate:>7.1f}"
            f" {rss['driver']:>10.0f} {rss['jvm']:>8.0f} {rss['workers']:>11.0f} {rss['total']:>9.0f}"
            f"   (load {r['load_avg_1m'][0]} → {r['load_avg_1m'][1]})"
        )
    if "same_graph" in s:
        spark = s["runs"]["spark"]
        print(
            f"same graph: {s['same_graph']}; Spark overhead {s['spark_overhead_s']:.1f} s"
            f" = {100 * s['spark_overhead_share']:.0f}% of the Spark run"
            f" (session start {spark.get('session_start_s', 0):.1f} s, {spark.get('spark_jobs', 0)} jobs)"
        )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd")
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", action="store_true", help="keep both workspaces (to compare them)")
    for p in (ap, c := sub.add_parser("child")):
        p.add_argument("--master", default="local[2]")
        p.add_argument("--partitions", type=int, default=0, help="0: the engine's default")
        p.add_argument("--driver-memory", default="2g")
    c.add_argument("--engine", choices=("local", "spark"), required=True)
    c.add_argument("--corpus", required=True)
    c.add_argument("--workspace", required=True)
    c.add_argument("--json", required=True)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.cmd == "child":
        Path(args.json).write_text(json.dumps(child(args)), encoding="utf-8")
        return 0
    summary = compare(args)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / f"spark-{args.docs}.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print_summary(summary)
    return 0 if all("error" not in r for r in summary["runs"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
