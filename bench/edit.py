"""The edit step of the benchmark: a small change to a big workspace, end to end.

In an ingested workspace (with its search index cached and, when a Neo4j port is given, its
Neo4j mirror complete) 50 documents are edited, 25 added and 10 removed; then ``zhkg remove``
and ``zhkg ingest`` run as the CLI runs them (:func:`graph.api.remove` / :func:`graph.api.ingest`:
store, communities, Neo4j sync and search index), each timed by part. A second fresh process
asks the first questions (what a user's next ``zhkg ask`` pays), then checks the result against
a rebuild from scratch: every benchmark question answered from the patched index and from a full
rebuild, and the modularity of the updated communities against a full recompute.

The corpus files are restored afterwards (the workspace is not: the suite rebuilds it).
Figures are printed, nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import time
from pathlib import Path
from typing import Any

EDITED, ADDED, REMOVED = 50, 25, 10


def _documents(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*") if p.suffix in (".md", ".html", ".txt") and p.is_file())


def apply_edits(corpus: Path, seed: int, backup: Path) -> dict[str, list[str]]:
    """Edit, add and remove documents in ``corpus`` (originals copied under ``backup``)."""
    from bench.synth import DocWriter, load_vocab, make_document

    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    docs = _documents(corpus)
    rng = random.Random(f"{seed}:edit")
    picked = rng.sample(docs, EDITED + REMOVED)
    edited, removed = picked[:EDITED], picked[EDITED:]
    vocab = load_vocab(seed)
    backup.mkdir(parents=True, exist_ok=True)
    for p in picked:
        dst = backup / p.relative_to(corpus)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(p, dst)
    for i, p in enumerate(edited):
        extra = DocWriter(vocab, random.Random(f"{seed}:edit:{i}")).paragraph()
        text = p.read_text(encoding="utf-8")
        if p.suffix == ".html" and "</body>" in text:
            text = text.replace("</body>", f"<p>{extra}</p>\n</body>", 1)
        else:
            text += f"\n\n{extra}\n"
        p.write_text(text, encoding="utf-8")
    added = []
    for k in range(ADDED):  # the next documents the generator would write (a new site folder)
        rel, text, _ = make_document(vocab, seed, int(manifest["docs"]) + k)
        dst = corpus / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_text(text, encoding="utf-8")
        added.append(str(dst))
    for p in removed:
        p.unlink()
    return {"edited": [str(p) for p in edited], "added": added, "removed": [str(p) for p in removed]}


def restore(corpus: Path, backup: Path, plan: dict[str, list[str]]) -> None:
    for p in plan.get("added", []):
        Path(p).unlink(missing_ok=True)
    for src in backup.rglob("*"):
        if src.is_file():
            dst = corpus / src.relative_to(backup)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    shutil.rmtree(backup, ignore_errors=True)
    for d in sorted((p for p in corpus.iterdir() if p.is_dir()), reverse=True):
        if not any(d.iterdir()):
            d.rmdir()


def _settings(args: argparse.Namespace) -> Any:
    import os

    from graph.settings import load_settings

    overrides: dict[str, Any] = {"workspace": Path(args.workspace)}
    if args.port:
        overrides |= {
            "neo4j_uri": f"bolt://127.0.0.1:{args.port}",
            "neo4j_password": os.environ["ZHKG_NEO4J_PASSWORD"],
        }
    return load_settings(env={}, overrides=overrides)


def child_edit(args: argparse.Namespace) -> dict[str, Any]:
    """Bring the mirror up to date, edit the corpus, then time ``zhkg remove`` and ``zhkg ingest``."""
    from extract import timing
    from graph import api
    from graph.build.ingest import ingest_paths, remove_paths
    from graph.neo4j.sync import sync_workspace
    from graph.query.index import clear_cache
    from graph.store import open_store

    settings = _settings(args)
    corpus = Path(args.corpus)
    out: dict[str, Any] = {"kind": "edit"}
    if settings.neo4j_configured:  # the mirror as a user has it before the change
        with open_store(settings.workspace, readonly=True) as store:
            t = time.perf_counter()
            pre = sync_workspace(store, settings, progress=False)
            out["presync"] = {"rows": pre.rows, "seconds": round(time.perf_counter() - t, 3)}
    api.prepare_index(settings)  # the index cache of the state before the change
    plan = apply_edits(corpus, args.seed, Path(args.backup))
    Path(args.plan).write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    clear_cache()
    timer = timing.listen()
    # What api.remove / api.ingest run, part by part (the same calls in the same order).
    for step, run in (
        ("remove", lambda: remove_paths(plan["removed"], settings, None)),
        ("ingest", lambda: ingest_paths([corpus], settings, None)),
    ):
        t0 = time.perf_counter()
        report = run()
        t1 = time.perf_counter()
        neo = api.sync_after_change(settings) if settings.neo4j_configured else ""
        t2 = time.perf_counter()
        status = api.prepare_index(settings)
        t3 = time.perf_counter()
        out[step] = {
            "ingested": report.ingested,
            "removed": report.removed,
            "unchanged": report.unchanged,
            "failed": len(report.failed),
            "store_s": round(t1 - t0, 3),
            "neo4j_s": round(t2 - t1, 3),
            "neo4j": neo,
            "index_s": round(t3 - t2, 3),
            "index": status.how,
            "total_s": round(t3 - t0, 3),
        }
    timing.stop()
    out["communities_s"] = round(
        timer.self_s.get("communities.refresh", 0.0) + timer.self_s.get("communities.build", 0.0), 3
    )
    out["total_s"] = round(out["remove"]["total_s"] + out["ingest"]["total_s"], 3)
    out["llm_calls"] = 0 if not settings.llm_configured else None  # no endpoint: nothing can call one
    return out


def child_edit_check(args: argparse.Namespace) -> dict[str, Any]:
    """The first questions after the change (fresh process), then equality with a full rebuild."""
    from graph.build.communities import build, modularity
    from graph.query.answer import ask
    from graph.query.index import build_index, clear_cache, get_index
    from graph.store import open_store

    settings = _settings(args)
    questions: dict[str, list[str]] = json.loads(Path(args.questions).read_text(encoding="utf-8"))
    out: dict[str, Any] = {"kind": "edit_check"}
    with open_store(settings.workspace, readonly=True) as store:
        t = time.perf_counter()
        first = ask(store, settings, questions["local"][0], mode="local", use_llm=False)
        out["first_ask_s"] = round(time.perf_counter() - t, 3)
        out["first_ask_index"] = get_index(store).how
        out["first_ask_cited"] = len(first.citations)

        def answers() -> list[tuple[str, tuple[str, ...]]]:
            return [
                (a.answer, tuple(c.chunk_id for c in a.citations))
                for mode in ("local", "global", "hybrid")
                for a in (ask(store, settings, q, mode=mode, use_llm=False) for q in questions[mode])
            ]

        patched = answers()
        clear_cache()
        t = time.perf_counter()
        full = build_index(store, full=True)
        out["full_rebuild_s"] = round(time.perf_counter() - t, 3)
        clear_cache()
        rebuilt = answers()
        out["questions"] = len(patched)
        out["answers_equal"] = sum(a == b for a, b in zip(patched, rebuilt, strict=True))
        out["chunks"] = len(full.chunk_ids)
        entities, relations = store.entities(), store.relations()
        stored = store.communities()
        doc_info = {d.id: (d.path, d.title) for d in store.documents()}
        t = time.perf_counter()
        recomputed = [c for c, _ in build(entities, relations, doc_info, settings).communities]
        out["communities_full_s"] = round(time.perf_counter() - t, 3)
        q_inc, q_full = modularity(stored, relations), modularity(recomputed, relations)
        same = {c.id for c in stored} & {c.id for c in recomputed}
        out["communities"] = {
            "updated": len(stored),
            "recomputed": len(recomputed),
            "same_ids": len(same),
            "modularity_updated": round(q_inc, 5),
            "modularity_recomputed": round(q_full, 5),
            "modularity_ratio": round(q_inc / q_full, 4) if q_full else None,
        }
    return out


def add_child_arguments(name: str, c: argparse.ArgumentParser) -> None:
    c.add_argument("--port", type=int, default=0, help="Neo4j bolt port (0: no Neo4j)")
    if name == "edit":
        c.add_argument("--corpus", required=True)
        c.add_argument("--seed", type=int, default=7)
        c.add_argument("--backup", required=True)
        c.add_argument("--plan", required=True)
    else:
        c.add_argument("--questions", required=True)


def print_edit(r: dict[str, Any]) -> None:
    e, c = r.get("edit"), r.get("edit_check")
    if not e:
        return
    if "total_s" not in e:
        print(f"edit      FAILED {e.get('error')}")
        return
    for step in ("remove", "ingest"):
        x = e[step]
        print(
            f"edit      {step:7} {x['total_s']:7.2f} s  (store {x['store_s']:.2f}, Neo4j {x['neo4j_s']:.2f},"
            f" index {x['index_s']:.2f} {x['index']})  ingested {x['ingested']} removed {x['removed']}"
        )
    print(
        f"{'':9} total {e['total_s']:.2f} s, communities {e['communities_s']:.2f} s,"
        f" LLM calls {e['llm_calls']}, peak RSS {e['peak_rss_mb']:.0f} MB"
    )
    if c and "first_ask_s" in c:
        m = c["communities"]
        print(
            f"{'':9} first ask {c['first_ask_s']:.2f} s ({c['first_ask_index']} index); answers equal to"
            f" a full rebuild {c['answers_equal']}/{c['questions']} (rebuild {c['full_rebuild_s']:.1f} s)"
        )
        print(
            f"{'':9} communities: modularity updated {m['modularity_updated']:.4f} vs recomputed"
            f" {m['modularity_recomputed']:.4f} (ratio {m['modularity_ratio']}), ids shared {m['same_ids']}"
            f" of {m['updated']} / {m['recomputed']}"
        )
