"""Benchmarks for zhkg: ingest (rule and CKIP paths), re-ingest, retrieval latency, Neo4j sync, app pages.

Why one script with subcommands: every measurement runs in a *fresh child
process* (so peak RSS is that measurement's alone, read from ``os.wait4``'s
rusage, and no cache from an earlier step helps a later one), while ``suite``
drives the children for one corpus size, prints the table and writes
``bench/out/suite-<docs>.json``.

Stage shares come from the timers the code itself names (:mod:`extract.timing`:
``load_file``, ``redact``, ``clean.parse``/``assemble``, ``make_chunks``, the
extractor's candidates and mentions, ``resolve``, ``Store`` writes,
``communities.refresh``); the child process listens and reads them back, and a
stage it expects that reported nothing fails the run. Timers record *self* time
(a nested stage is subtracted from its caller), so the shares add up to the
measured wall time; what no timer covers (hashing, commit, bookkeeping) is "other".

These are scripts that print figures, not tests with timed assertions.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the children import the project from the checkout

from bench import edit as edit_step  # noqa: E402  (after the path insert above)

log = logging.getLogger("bench.run")

OUT_DIR = ROOT / "bench" / "out"
BENCH_ROOT = Path(os.environ.get("ZHKG_BENCH_ROOT", "/tmp/zhkg-bench"))
NEO4J_PORT = int(os.environ.get("ZHKG_BENCH_NEO4J_PORT", "7697"))  # not 7687: others may run theirs

# fine timer name → stage in the printed table
STAGES = (
    "load", "redact", "clean", "chunk", "ner", "ckip", "relations", "extract", "resolve", "store",
    "communities",
    "other",
)  # fmt: skip
# "extract" is time in graph.build.ingest's extraction loop not covered by a finer timer, "load" the
# same for reading+parsing: with worker processes (settings.workers != 1, >= 128 documents) they
# are the parent's wait for the pool, while the finer stages (load_file, parse, chunk, ner,
# relations) run in the workers unseen; use --workers 1 for stage shares.


# -- stage timers --------------------------------------------------------------------------------
#
# The code names its stages (extract/timing.py: ``@timed`` and ``stage``); a child process listens
# and reads them back. A stage the benchmark expects that reported nothing fails the run: a timer was
# renamed or removed, and silently printing zero for it would be wrong.

EXPECTED_ALWAYS = ("load.discover", "store.known_files")
EXPECTED_WHEN_CHANGED = (
    "load.pool", "extract.workers", "store.put_document", "store.replace_extractions", "resolve.resolve",
    "store.replace_graph", "relations.derive_relations_sql", "communities.refresh",
)  # fmt: skip
# with one extraction process the finer stages run in the parent and are seen too
EXPECTED_IN_PROCESS = (
    "load.load_file", "redact.redact", "clean.parse", "clean.assemble", "chunk.make_chunks",
    "ner.candidates", "ner.mentions", "relations.sentence_relations",
)  # fmt: skip


def check_stages(clock: Any, expected: Sequence[str]) -> None:
    missing = [name for name in expected if not clock.calls.get(name)]
    if missing:
        raise SystemExit(
            f"bench: these stages reported no timing: {', '.join(missing)} (timer renamed or removed?)"
        )


def stage_table(timer: Any, total_s: float) -> dict[str, float]:
    """Seconds per coarse stage; "other" is what no wrapper covered."""
    out = dict.fromkeys(STAGES, 0.0)
    for name, s in timer.self_s.items():
        stage = name.split(".", 1)[0]
        out[stage] = out.get(stage, 0.0) + s
    out["other"] = max(0.0, total_s - sum(v for k, v in out.items() if k != "other"))
    return out


# -- children ------------------------------------------------------------------------------------


def _settings(workspace: Path, **overrides: Any) -> Any:
    from graph.settings import load_settings

    return load_settings(env={}, overrides={"workspace": workspace, **overrides})


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def corpus_paths(corpus: Path, limit: int | None) -> list[Path]:
    """The corpus folder, or its first ``limit`` documents' site folders (subsets keep boilerplate intact)."""
    sites = sorted(p for p in corpus.iterdir() if p.is_dir())
    if not limit:
        return [corpus]
    from bench.synth import SITE_SIZE

    return sites[: max(1, (limit + SITE_SIZE - 1) // SITE_SIZE)]


def child_ingest(args: argparse.Namespace) -> dict[str, Any]:
    """Ingest (or re-ingest) a corpus with stage timers; CKIP path when --ckip-models is given."""
    from graph.build.ingest import ingest_paths
    from graph.store import open_store

    overrides: dict[str, Any] = {"workers": args.workers} if args.workers >= 0 else {}
    if args.ckip_models:
        m = Path(args.ckip_models)
        overrides |= {
            "ckip": True,
            "ckip_ws_model": str(m / "ws"),
            "ckip_pos_model": str(m / "pos"),
            "ckip_ner_model": str(m / "ner"),
            "device": args.device,
            "batch_size": args.batch_size,
        }
    settings = _settings(Path(args.workspace), **overrides)
    paths = corpus_paths(Path(args.corpus), args.limit)
    input_bytes = sum(
        p.stat().st_size for d in paths for p in d.rglob("*") if p.suffix in (".md", ".html", ".txt")
    )
    from extract import timing

    timer = timing.listen()
    t0 = time.perf_counter()
    report = ingest_paths(paths, settings, progress=lambda *_: None)
    total = time.perf_counter() - t0
    timing.stop()
    expected = list(EXPECTED_ALWAYS)
    if report.ingested:
        expected += EXPECTED_WHEN_CHANGED
        if settings.workers == 1:
            expected += EXPECTED_IN_PROCESS
    check_stages(timer, expected)
    with open_store(settings.workspace, readonly=True) as store:
        stats = store.stats()
    docs = report.ingested + report.unchanged
    return {
        "kind": "ingest",
        "path": "ckip" if args.ckip_models else "rule",
        "docs": docs,
        "ingested": report.ingested,
        "unchanged": report.unchanged,
        "failed": len(report.failed),
        "failures": report.failed[:3],
        "skipped": len(report.skipped),
        "ckip_status": report.ckip_status,
        "input_bytes": input_bytes,
        "seconds": round(total, 3),
        "docs_per_s": round(docs / total, 1) if total else 0.0,
        "mb_per_s": round(input_bytes / 1e6 / total, 3) if total else 0.0,
        "stages_s": {k: round(v, 3) for k, v in stage_table(timer, total).items()},
        "functions_s": {k: round(v, 3) for k, v in sorted(timer.self_s.items(), key=lambda kv: -kv[1])},
        "calls": dict(timer.calls),
        "workspace_bytes": dir_bytes(settings.workspace),
        "store": stats,
    }


def _pct(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def child_ask(args: argparse.Namespace) -> dict[str, Any]:
    """Retrieval latency per mode, no LLM: index build once (cold), then every question."""
    from graph.query.answer import ask
    from graph.query.index import clear_cache, get_index
    from graph.store import open_store

    questions: dict[str, list[str]] = json.loads(Path(args.questions).read_text(encoding="utf-8"))
    settings = _settings(Path(args.workspace))
    out: dict[str, Any] = {"kind": "ask", "modes": {}}
    with open_store(settings.workspace, readonly=True) as store:
        clear_cache()
        t0 = time.perf_counter()
        idx = get_index(store)
        out["index_build_s"] = round(time.perf_counter() - t0, 3)
        out["chunks"] = len(idx.chunk_ids)
        out["entities"] = len(idx.entity_ids)
        for mode in ("local", "global", "hybrid"):
            retrieve: list[float] = []
            total: list[float] = []
            found = 0
            for q in questions[mode]:
                t = time.perf_counter()
                a = ask(store, settings, q, mode=mode, use_llm=False)
                total.append(time.perf_counter() - t)
                retrieve.append(a.timings.get("retrieve_s", 0.0))
                found += bool(a.citations)
            out["modes"][mode] = {
                "n": len(retrieve),
                "answered": found,
                "retrieve_p50_ms": round(1000 * statistics.median(retrieve), 1),
                "retrieve_p95_ms": round(1000 * _pct(retrieve, 0.95), 1),
                "total_p50_ms": round(1000 * statistics.median(total), 1),
                "total_p95_ms": round(1000 * _pct(total, 0.95), 1),
                "max_ms": round(1000 * max(total), 1),
            }
    return out


def child_neo4j(args: argparse.Namespace) -> dict[str, Any]:
    """Sync into an emptied Neo4j (full write), then again (nothing changed)."""
    from graph.neo4j.client import connect
    from graph.neo4j.sync import sync_workspace
    from graph.store import open_store

    settings = _settings(
        Path(args.workspace),
        neo4j_uri=f"bolt://127.0.0.1:{args.port}",
        neo4j_password=os.environ["ZHKG_NEO4J_PASSWORD"],
    )
    # CALL ... IN TRANSACTIONS needs an auto-commit transaction, hence session.run.
    with connect(settings) as driver, driver.session(database=settings.neo4j_database) as session:
        session.run("CALL { MATCH (n) DETACH DELETE n } IN TRANSACTIONS OF 20000 ROWS").consume()
    out: dict[str, Any] = {"kind": "neo4j", "batch_size": settings.neo4j_batch_size}
    per_query = _time_neo4j_writes()
    with open_store(settings.workspace, readonly=True) as store:
        for run in ("full", "unchanged"):
            per_query.clear()
            t = time.perf_counter()
            wanted = __import__("graph.neo4j.sync", fromlist=["wanted_graph"]).wanted_graph(store)
            build_s = time.perf_counter() - t
            del wanted
            rep = sync_workspace(store, settings, progress=False)
            top = sorted(per_query.items(), key=lambda kv: -kv[1])[:8]
            out[run] = rep.to_json() | {"rows": rep.rows, "wanted_graph_s": round(build_s, 3),
                                         "write_s_by_query": {k: round(v, 3) for k, v in top}}  # fmt: skip
    return out


def _time_neo4j_writes() -> dict[str, float]:
    """Seconds per write query (first words of the Cypher), by wrapping the driver's managed transactions."""
    import neo4j

    totals: dict[str, float] = defaultdict(float)
    current: list[str] = [""]
    run, execute_write = neo4j.ManagedTransaction.run, neo4j.Session.execute_write

    def tx_run(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        current[0] = " ".join(str(query).split()[:9])[:90]
        return run(self, query, *args, **kwargs)

    def timed_write(self: Any, *args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return execute_write(self, *args, **kwargs)
        finally:
            totals[current[0]] += time.perf_counter() - t

    neo4j.ManagedTransaction.run = tx_run  # type: ignore[method-assign]
    neo4j.Session.execute_write = timed_write  # type: ignore[method-assign]
    return totals


def child_app(args: argparse.Namespace) -> dict[str, Any]:
    """First render of each page with Streamlit's AppTest (no browser): the server-side work a visit costs."""
    from streamlit.testing.v1 import AppTest

    pages = ("graph", "communities", "entity", "ask", "cypher", "ingest")
    out: dict[str, Any] = {"kind": "app", "pages": {}}
    for page in pages:
        at = AppTest.from_function(
            _render_page, args=(page, str(args.workspace)), default_timeout=args.timeout
        )
        t = time.perf_counter()
        try:
            at.run()
            err = "; ".join(str(e.value)[:200] for e in at.exception)
        except Exception as exc:  # a timeout is a result too
            err = f"{type(exc).__name__}: {exc}"[:300]
        out["pages"][page] = {"seconds": round(time.perf_counter() - t, 3), "error": err}
    return out


def _render_page(page: str, workspace: str) -> None:
    """AppTest script (runs in Streamlit's script runner): render one ui page against ``workspace``."""
    import importlib

    from graph.settings import load_settings
    from ui import PageContext

    settings = load_settings(env={}, overrides={"workspace": workspace})
    importlib.import_module(f"ui.{page}_page").render(PageContext(settings=settings, lang="zh"))


CHILDREN = {"ingest": child_ingest, "ask": child_ask, "neo4j": child_neo4j, "app": child_app}
CHILDREN |= {"edit": edit_step.child_edit, "edit_check": edit_step.child_edit_check}


# -- the suite (parent) --------------------------------------------------------------------------


def run_child(cmd: str, extra: Sequence[str], nice: int = 0, timeout: float | None = None) -> dict[str, Any]:
    """Run one child measurement; add its wall time and peak RSS (from the kernel's rusage)."""
    out_file = BENCH_ROOT / f".child-{os.getpid()}-{cmd}.json"
    argv = [sys.executable, str(Path(__file__).resolve()), cmd, "--json", str(out_file), *extra]
    if nice:
        argv = ["nice", "-n", str(nice), *argv]
    log.info("$ %s", " ".join(argv))
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT)
    deadline = None if timeout is None else t0 + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if deadline is not None and time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    result: dict[str, Any] = {"kind": cmd, "error": f"exit {proc.returncode}"}
    if proc.returncode == 0 and out_file.exists():
        result = json.loads(out_file.read_text(encoding="utf-8"))
    out_file.unlink(missing_ok=True)
    # ru_maxrss is in KiB on Linux; `nice` execs the child, so this is the child itself.
    result["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)
    result["process_wall_s"] = round(wall, 3)
    result["taken"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())  # steps of one file may differ
    return result


def ensure_corpus(docs: int, seed: int) -> Path:
    corpus = BENCH_ROOT / f"c{docs}-s{seed}"
    if not (corpus / "manifest.json").exists():
        from bench.synth import generate

        t = time.perf_counter()
        generate(docs, seed, corpus, jobs=2)
        log.info("generated %s in %.1fs", corpus, time.perf_counter() - t)
    return corpus


def ensure_ckip_models() -> Path:
    root = BENCH_ROOT / "ckip-tiny"
    if not (root / "ner" / "config.json").exists():
        from bench.ckip_models import build_all

        build_all(root)
    return root


def neo4j_server(action: str, password: str) -> None:
    env = os.environ | {
        "ZHKG_WORKSPACE": str(BENCH_ROOT / "neo4j-ws"),
        "ZHKG_NEO4J_PASSWORD": password,
        "ZHKG_NEO4J_BOLT_PORT": str(NEO4J_PORT),
        "ZHKG_NEO4J_HEAP": "2g",
    }
    subprocess.run([str(ROOT / "scripts" / "neo4j.sh"), action], env=env, check=action == "start")


def suite(args: argparse.Namespace) -> dict[str, Any]:
    corpus = ensure_corpus(args.docs, args.seed)
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    ws = BENCH_ROOT / f"ws-{args.docs}"
    result: dict[str, Any] = {"docs": args.docs, "seed": args.seed, "corpus": manifest, "machine": machine(),
                              "workers": args.workers}  # fmt: skip
    steps = set(args.steps.split(","))
    fixes = ["--workers", str(args.workers)] if args.workers >= 0 else []  # rides along to every ingest child
    if "ingest" in steps:
        shutil.rmtree(ws, ignore_errors=True)
        result["ingest"] = run_child(
            "ingest", ["--corpus", str(corpus), "--workspace", str(ws), *fixes], args.nice
        )
        result["reingest"] = run_child(
            "ingest", ["--corpus", str(corpus), "--workspace", str(ws), *fixes], args.nice
        )
    if "ask" in steps:
        shutil.rmtree(ws / "cache", ignore_errors=True)  # the first process builds the index and caches it
        for key in ("ask", "ask_cached"):  # ... the second loads that cache, as every later process does
            result[key] = run_child(
                "ask", ["--workspace", str(ws), "--questions", str(corpus / "questions.json")], args.nice
            )
    if "ckip" in steps:
        models = ensure_ckip_models()
        ckws = BENCH_ROOT / f"ws-ckip-{args.docs}"
        shutil.rmtree(ckws, ignore_errors=True)
        extra = [
            "--corpus",
            str(corpus),
            "--workspace",
            str(ckws),
            "--ckip-models",
            str(models),
            "--batch-size",
            str(args.batch_size),
            "--device",
            args.device,
            *fixes,
        ]
        if args.ckip_limit:
            extra += ["--limit", str(args.ckip_limit)]
        result["ckip"] = run_child("ingest", extra, args.nice)
        shutil.rmtree(ckws, ignore_errors=True)
    if "neo4j" in steps:
        password = secrets.token_urlsafe(12)
        shutil.rmtree(BENCH_ROOT / "neo4j-ws", ignore_errors=True)
        neo4j_server("start", password)
        try:
            os.environ["ZHKG_NEO4J_PASSWORD"] = password
            result["neo4j"] = run_child(
                "neo4j", ["--workspace", str(ws), "--port", str(NEO4J_PORT)], args.nice
            )
        finally:
            neo4j_server("stop", password)
            shutil.rmtree(BENCH_ROOT / "neo4j-ws", ignore_errors=True)
    if "app" in steps:
        result["app"] = run_child("app", ["--workspace", str(ws), "--timeout", "600"], args.nice)
    if "edit" in steps:  # last: it changes the workspace (bench/edit.py)
        password = secrets.token_urlsafe(12)
        shutil.rmtree(BENCH_ROOT / "neo4j-ws", ignore_errors=True)
        neo4j_server("start", password)
        backup, plan = BENCH_ROOT / f"edit-backup-{args.docs}", BENCH_ROOT / f"edit-plan-{args.docs}.json"
        try:
            os.environ["ZHKG_NEO4J_PASSWORD"] = password
            port = ["--port", str(NEO4J_PORT)]
            extra = [
                "--corpus",
                str(corpus),
                "--seed",
                str(args.seed),
                "--backup",
                str(backup),
                "--plan",
                str(plan),
            ]
            result["edit"] = run_child("edit", ["--workspace", str(ws), *port, *extra], args.nice)
            questions = ["--questions", str(corpus / "questions.json")]
            result["edit_check"] = run_child("edit_check", ["--workspace", str(ws), *questions], args.nice)
        finally:
            neo4j_server("stop", password)
            shutil.rmtree(BENCH_ROOT / "neo4j-ws", ignore_errors=True)
            if plan.exists():
                edit_step.restore(corpus, backup, json.loads(plan.read_text(encoding="utf-8")))
                plan.unlink()
    if args.cleanup:
        shutil.rmtree(ws, ignore_errors=True)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    name = OUT_DIR / f"suite-{args.docs}{'-' + args.tag if args.tag else ''}.json"
    previous = json.loads(name.read_text(encoding="utf-8")) if name.exists() else {}
    previous.pop("proposed_fixes", None)  # from an older harness; those fixes are in the product now
    merged = previous | result  # a partial re-run (--steps) keeps the other steps' figures
    name.write_text(json.dumps(merged, ensure_ascii=False, indent=2), encoding="utf-8")
    print_suite(merged)
    print(f"\nwrote {name}")
    return merged


def machine() -> dict[str, Any]:
    import platform

    import psutil

    cpu = ""
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
        cpu = next(ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
    }


# -- printing ------------------------------------------------------------------------------------


def print_suite(r: dict[str, Any]) -> None:
    """The result table (stdout: it is the script's output)."""
    c = r.get("corpus", {})
    print(
        f"\n== {r['docs']} documents, seed {r['seed']}: {c.get('bytes', 0) / 1e6:.1f} MB, "
        f"{c.get('chars', 0) / 1e6:.2f} M chars, {c.get('sites')} sites"
    )
    for key in ("ingest", "reingest", "ckip"):
        i = r.get(key)
        if not i:
            continue
        if "seconds" not in i:
            print(f"{key:9} FAILED {i.get('error')}")
            continue
        print(
            f"{key:9} {i['seconds']:8.2f} s  {i['docs_per_s']:8.1f} docs/s  {i['mb_per_s']:6.2f} MB/s  "
            f"peak RSS {i['peak_rss_mb']:7.0f} MB  workspace {i['workspace_bytes'] / 1e6:7.1f} MB  "
            f"(ingested {i['ingested']}, unchanged {i['unchanged']}, failed {i['failed']})"
        )
        tot = i["seconds"] or 1.0
        shares = "  ".join(f"{k} {100 * v / tot:.0f}%" for k, v in i["stages_s"].items() if v >= 0.005 * tot)
        print(f"{'':9} stages: {shares}")
    a = r.get("ask")
    if a and "modes" in a:
        print(
            f"ask       index build (cold, no cache) {a['index_build_s']:.2f} s, "
            f"{a['chunks']} chunks, {a['entities']} entities, peak RSS {a['peak_rss_mb']:.0f} MB"
        )
        cached = r.get("ask_cached")
        if cached and "modes" in cached:
            print(
                f"{'':9} index load (cached, every later process) {cached['index_build_s']:.2f} s, "
                f"peak RSS {cached['peak_rss_mb']:.0f} MB"
            )
        for mode, m in a["modes"].items():
            print(
                f"{'':9} {mode:7} retrieve p50 {m['retrieve_p50_ms']:7.1f} ms"
                f"  p95 {m['retrieve_p95_ms']:7.1f} ms"
                f"   with extractive answer p50 {m['total_p50_ms']:7.1f} p95 {m['total_p95_ms']:7.1f} ms"
                f"  ({m['answered']}/{m['n']} answered)"
            )
    n = r.get("neo4j")
    if n and "full" in n:
        for run in ("full", "unchanged"):
            x = n[run]
            rate = f"{x['rows_per_s']:9.0f} rows/s"
            print(f"neo4j     {run:9} {x['rows']:9d} rows in {x['elapsed_s']:7.2f} s = {rate}")
    elif n:
        print(f"neo4j     FAILED {n.get('error')}")
    edit_step.print_edit(r)
    ap = r.get("app")
    if ap and "pages" in ap:
        print(
            "app       "
            + "  ".join(
                f"{p} {v['seconds']:.2f}s{' (ERROR)' if v['error'] else ''}" for p, v in ap["pages"].items()
            )
        )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="zhkg benchmarks (see docs/benchmarks.md)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("suite", help="all measurements for one corpus size")
    s.add_argument("--docs", type=int, required=True)
    s.add_argument("--seed", type=int, default=7)
    s.add_argument("--steps", default="ingest,ask,ckip,neo4j,app")
    s.add_argument("--ckip-limit", type=int, default=0, help="CKIP path on the first N documents only")
    s.add_argument("--batch-size", type=int, default=16)
    s.add_argument("--device", default="cpu", help="CKIP device for the ckip step (cuda on a GPU machine)")
    s.add_argument("--nice", type=int, default=0)
    s.add_argument("--tag", default="")
    s.add_argument(
        "--workers", type=int, default=-1, help="extraction processes for ingest (1 = exact stage shares)"
    )
    s.add_argument("--cleanup", action="store_true", help="delete the workspace afterwards")
    for name in CHILDREN:
        c = sub.add_parser(name, help=f"child: {name} (used by suite)")
        c.add_argument("--json", required=True)
        c.add_argument("--workspace", required=True)
        if name == "ingest":
            c.add_argument("--corpus", required=True)
            c.add_argument("--limit", type=int, default=0)
            c.add_argument("--ckip-models", default="")
            c.add_argument("--batch-size", type=int, default=16)
            c.add_argument("--device", default="cpu", help="CKIP device: cpu, cuda, cuda:N")
            c.add_argument(
                "--workers", type=int, default=-1, help="extraction processes (default: the setting's)"
            )
        if name == "ask":
            c.add_argument("--questions", required=True)
        if name == "neo4j":
            c.add_argument("--port", type=int, default=NEO4J_PORT)
        if name == "app":
            c.add_argument("--timeout", type=float, default=600)
        if name in ("edit", "edit_check"):
            edit_step.add_child_arguments(name, c)
    p = sub.add_parser("print", help="print the tables of bench/out/suite-*.json")
    p.add_argument("files", nargs="*")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    BENCH_ROOT.mkdir(parents=True, exist_ok=True)
    if args.cmd == "suite":
        suite(args)
    elif args.cmd == "print":
        for f in args.files or sorted(OUT_DIR.glob("suite-*.json")):
            print_suite(json.loads(Path(f).read_text(encoding="utf-8")))
    else:
        result = CHILDREN[args.cmd](args)
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
