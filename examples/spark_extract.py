"""A ``spark-submit`` entry point for ``zhkg ingest --engine spark``.

``spark-submit`` wants a Python file, not a console script, so this file is that: it hands its
arguments to ``zhkg ingest --engine spark`` (:mod:`graph.build.spark`), which runs the ingest's
per-document steps (read, redact, parse, chunk, extract) on the executors and writes the
workspace on the driver exactly as a local ingest would. The master, executor count, memory and
GPU resources come from ``spark-submit``; everything after the script name is ``zhkg ingest``'s
own arguments::

    spark-submit --master spark://head:7077 --num-executors 8 examples/spark_extract.py \\
        -w /srv/ws hdfs://nn:8020/corpus --partitions 64 [--to neo4j]

With plain Python it runs the same command in local mode (``local[*]``, or ``--master``).
Executors must be able to import this zhkg (``pip install 'zhkg[spark]'`` on every node, or a
shared virtualenv) and read the inputs: Hadoop URLs through the cluster's connectors, local
paths on a shared or mounted filesystem; see docs/scaling.md.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from graph.cli.main import main as zhkg

    args = list(sys.argv[1:] if argv is None else argv)
    return zhkg(["ingest", "--engine", "spark", *args])


if __name__ == "__main__":
    sys.exit(main())
