"""zhkg extraction as a Spark batch job (local mode here; the same code runs on a cluster).

Why this shape (see docs/scaling.md): every extraction stage is a pure
function of one document except boilerplate detection, which needs block
statistics over a whole folder ("site"). So the job partitions by folder:

1. driver: list files, key them by folder;
2. ``groupByKey(folder)`` → per folder, on a worker,
   ``extract.pipeline.extract_partition`` (``load_file`` → ``redact`` →
   ``clean.parse`` → the folder's block-frequency pass → ``clean.assemble`` →
   ``make_chunks`` → ``Extractor.extract_many``), with one Extractor — and, with
   CKIP, one model — per worker process, built lazily;
3. mentions and relation candidates come back as rows; surface statistics are
   a Spark aggregation, and ``extract.resolve.resolve`` runs on the driver over
   those (it scales with the vocabulary, not the corpus).

The output is JSON lines (documents, mentions, relation candidates, entities)
that a loader can write to the workspace store or straight to Neo4j.

Run: ``.venv/bin/python examples/spark_extract.py CORPUS_DIR OUT_DIR [--partitions N]``
(needs ``pip install pyspark`` and Java 17).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

log = logging.getLogger("spark_extract")

_EXTRACTOR: Any = None  # one per Python worker process: the lexicon (and a CKIP model) load once


def _extractor() -> Any:
    global _EXTRACTOR
    if _EXTRACTOR is None:
        from extract.extractor import Extractor, ExtractorConfig

        _EXTRACTOR = Extractor(ExtractorConfig())  # use_ckip=True, device="cuda" on GPU workers
    return _EXTRACTOR


def extract_folder(folder: str, paths: Iterable[str], chunk_size: int = 500) -> Iterator[dict[str, Any]]:
    """One folder through ``extract.pipeline.extract_partition``; JSON-ready rows tagged by ``kind``."""
    from extract.pipeline import extract_partition

    extracted, skipped = extract_partition(sorted(paths), _extractor(), chunk_size=chunk_size)
    for path, reason in skipped:
        yield {"kind": "skipped", "path": path, "reason": reason}
    for doc, chunks, result in extracted:
        if isinstance(result, Exception):
            yield {"kind": "failed", "path": doc.path, "reason": f"{type(result).__name__}: {result}"}
            continue
        yield {
            "kind": "document", "id": doc.id, "path": doc.path, "folder": folder, "title": doc.title,
            "chunks": len(chunks), "body_chars": len(doc.body), "redactions": len(doc.redactions),
        }  # fmt: skip
        for m in result.mentions:
            yield {
                "kind": "mention", "doc_id": m.doc_id, "chunk_id": m.chunk_id, "key": m.key,
                "surface": m.surface, "type": str(m.type), "extractor": m.extractor,
                "confidence": m.confidence, "canonical": m.canonical,
            }  # fmt: skip
        for r in result.relations:
            yield {
                "kind": "relation", "doc_id": r.doc_id, "source_key": r.source_key,
                "target_key": r.target_key, "type": str(r.type), "confidence": r.confidence,
            }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--master", default="local[2]")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    # Workers must run this interpreter (with zhkg's dependencies) and import the checkout.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    from pyspark.sql import SparkSession

    from extract.lexicon import Lexicon
    from extract.load import discover
    from extract.records import EntityType, SurfaceStat
    from extract.resolve import resolve

    t0 = time.perf_counter()
    spark = (
        SparkSession.builder.master(args.master)
        .appName("zhkg-extract")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("WARN")
    found, _ = discover([args.corpus])
    by_folder = [(str(f.real.parent), str(f.real)) for f in found]
    rows = (
        spark.sparkContext.parallelize(by_folder, args.partitions)
        .groupByKey(args.partitions)
        .flatMap(lambda kv: extract_folder(kv[0], kv[1]))
        .map(lambda r: json.dumps(r, ensure_ascii=False))
    )
    df = spark.read.json(rows)
    df.cache()
    args.out.mkdir(parents=True, exist_ok=True)
    counts = {r["kind"]: r["count"] for r in df.groupBy("kind").count().collect()}
    mentions = df.filter(df.kind == "mention")
    # Surface statistics (what the store's surface_stats() computes), aggregated by Spark.
    from pyspark.sql import functions as F

    stats_rows = (
        mentions.groupBy("key", "surface", "type", "extractor")
        .agg(
            F.count("*").alias("n"),
            F.countDistinct("doc_id").alias("docs"),
            F.max("confidence").alias("conf"),
            F.max("canonical").alias("canonical"),
        )
        .collect()
    )
    stats = [
        SurfaceStat(
            r["key"],
            r["surface"],
            EntityType(r["type"]),
            r["extractor"],
            r["n"],
            r["docs"],
            r["conf"],
            r["canonical"] or "",
        )
        for r in stats_rows
    ]
    resolution = resolve(stats, Lexicon.load())
    for kind in ("document", "mention", "relation"):
        df.filter(df.kind == kind).drop("kind").write.mode("overwrite").json(str(args.out / kind))
    with (args.out / "entities.jsonl").open("w", encoding="utf-8") as fh:
        for e in resolution.entities:
            fh.write(json.dumps({"id": e.id, "name": e.name, "type": str(e.type)}, ensure_ascii=False) + "\n")
    spark.stop()
    elapsed = time.perf_counter() - t0
    summary = {**counts, "entities": len(resolution.entities), "seconds": round(elapsed, 1)}
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
