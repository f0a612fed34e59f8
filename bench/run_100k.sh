#!/usr/bin/env bash
# The 100k-document measurement: long (about an hour on 2 cores: ingest, retrieval, a full and an
# unchanged Neo4j sync of ~16 M rows, the app), so it runs niced, in the background, and cleans up
# after itself (the corpus is ~750 MB, the workspace ~10 GB).
#   nohup bench/run_100k.sh > /tmp/zhkg-bench/suite-100000.log 2>&1 &
# STEPS=ingest runs only ingest and re-ingest; KEEP=1 keeps the corpus and workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
root="${ZHKG_BENCH_ROOT:-/tmp/zhkg-bench}"
steps="${STEPS:-ingest,ask,neo4j,app}"
df -h "$root" | tail -1
# the suite generates the corpus first if it is missing (seeded: the same files every time)
nice -n 10 .venv/bin/python bench/run.py suite --docs 100000 --steps "$steps" --nice 10
if [[ -z "${KEEP:-}" ]]; then
  rm -rf "$root/c100000-s7" "$root/ws-100000"
fi
