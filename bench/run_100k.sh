#!/usr/bin/env bash
# The 100k-document measurement: long (about an hour on 2 cores), so it runs niced, in the
# background, and cleans up after itself (the corpus is ~750 MB, the workspace several GB).
# Only ingest and re-ingest by default: the retrieval index at 100k needs ~10x the 10k one's
# memory (see docs/benchmarks.md); add steps with STEPS=ingest,ask when the machine has room.
#   nohup bench/run_100k.sh > /tmp/zhkg-bench/suite-100000.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
root="${ZHKG_BENCH_ROOT:-/tmp/zhkg-bench}"
steps="${STEPS:-ingest}"
df -h "$root" | tail -1
nice -n 10 .venv/bin/python bench/synth.py --docs 100000 --seed 7 --out "$root/c100000-s7" --jobs 2
nice -n 10 .venv/bin/python bench/run.py suite --docs 100000 --steps "$steps" --nice 10 --cleanup
rm -rf "$root/c100000-s7" "$root/ws-100000"
