"""One local Spark session for the whole test run (a JVM takes seconds to start).

``local[2]``, the UI and console progress off, few partitions: the engine finds it as the active
session and uses it instead of starting its own.
"""

from __future__ import annotations

import atexit
import os
import sys
import warnings
from typing import Any

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
