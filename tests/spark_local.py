"""One local Spark session for the whole test run (a JVM takes seconds to start).

``local[2]``, the UI and console progress off, few partitions: the engine finds it as the active
session and uses it instead of starting its own.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import warnings
from pathlib import Path
from typing import Any

from fake_secrets import fake

from graph import api
from graph.build.ingest import IngestReport
from graph.settings import Settings, load_settings

_SESSION: list[Any] = []


def local_spark() -> Any:
    if not _SESSION:
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
        from pyspark.sql import SparkSession

        session = (
            SparkSession.builder.master("local[2]")
            .appName("zhkg-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.default.parallelism", "2")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        _SESSION.append(session)
        atexit.register(session.stop)
    return _SESSION[0]


def jobs_run(session: Any) -> int:
    """How many Spark jobs this session has run (proof that work went through Spark)."""
    return len(session.sparkContext.statusTracker().getJobIdsForGroup(None))


# -- what the Spark engine tests compare ---------------------------------------------------------

CORPUS = Path(__file__).resolve().parents[1] / "examples" / "corpus"
SECRET = fake("sk" + "-", 48)
EDITED = "blog/blog-ollama-local-llm-intro.md"
REMOVED = "vllm-serving-a100.md"


def settings_for(ws: Path) -> Settings:
    return load_settings(env={}, overrides={"workspace": ws, "neo4j_uri": ""})


def export_of(settings: Settings) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(api.export(settings, "json")["graph.json"])
    return data


def outcome(r: IngestReport) -> dict[str, Any]:
    """What an ingest reports about files, without timings."""
    return {
        "ingested": r.ingested,
        "unchanged": r.unchanged,
        "reprocessed": r.reprocessed,
        "skipped": sorted(r.skipped),
        "failed": sorted(r.failed),
        "redactions": sorted(r.redactions),
        "duplicates": sorted(r.duplicates),
    }
