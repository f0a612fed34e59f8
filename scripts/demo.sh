#!/usr/bin/env bash
# The main job on a fresh machine: set up, ingest the bundled sample corpus into the
# embedded workspace, print its summary, and open the explorer on http://127.0.0.1:8501.
# Extra arguments go to `zhkg app` (e.g. --port 8600). ZHKG_NO_APP=1 stops after the summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export ZHKG_WORKSPACE="${ZHKG_WORKSPACE:-.zhkg}"
.venv/bin/zhkg ingest examples/corpus
.venv/bin/zhkg stats
[ "${ZHKG_NO_APP:-0}" = "1" ] && exit 0
exec .venv/bin/zhkg app "$@"
