#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs everything it needs (Python deps incl.
# CKIP/PyTorch and the llama.cpp server, Debian Chromium + CJK fonts, Neo4j 5.26 jars), checks
# lint and types, starts a real Neo4j on a free loopback port for the integration tests, runs
# every test (unit and integration) and stops Neo4j again, however the run ends.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
scripts/setup.sh --all
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy  # extract, graph, ui and app.py (files in pyproject.toml)
neo4j_ws="$(mktemp -d /tmp/zhkg-test-neo4j.XXXXXX)"
export ZHKG_NEO4J_BOLT_PORT="${ZHKG_NEO4J_BOLT_PORT:-$(.venv/bin/python -c \
  'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
export ZHKG_NEO4J_PASSWORD="${ZHKG_TEST_NEO4J_PASSWORD:-zhkg-test-pass}"
export ZHKG_TEST_NEO4J_PASSWORD="$ZHKG_NEO4J_PASSWORD"
cleanup() {
  ZHKG_WORKSPACE="$neo4j_ws" scripts/neo4j.sh stop >/dev/null 2>&1 || true
  rm -rf "$neo4j_ws"
}
trap cleanup EXIT
ZHKG_WORKSPACE="$neo4j_ws" scripts/neo4j.sh start
export ZHKG_TEST_NEO4J_URI="bolt://127.0.0.1:${ZHKG_NEO4J_BOLT_PORT}"
.venv/bin/python -m pytest -m "integration or not integration" "$@"
