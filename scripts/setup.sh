#!/usr/bin/env bash
# Idempotent set-up: a virtualenv in .venv with zhkg installed.
#   scripts/setup.sh            core only (embedded store, no model, no server)
#   scripts/setup.sh --all      + CKIP (PyTorch), dev/test tools, llama.cpp server, Chromium, Neo4j jars
# Re-running is fast: pip skips what is installed; a stamp file skips pip when pyproject.toml is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
ALL=0
[ "${1:-}" = "--all" ] && ALL=1
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "zhkg needs Python 3.11 or newer ($PY is $("$PY" --version 2>&1))" >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
extras=""
[ $ALL = 1 ] && extras="[ckip,dev,spark]"
stamp=".venv/.zhkg-installed${extras}"
want="$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing Python dependencies${extras:+ $extras} into .venv" >&2
  .venv/bin/python -m pip install -q --upgrade pip
  # llama-cpp-python builds from source (~20 min on 2 cores, then pip's wheel cache reuses it);
  # a portable build, so a cached wheel also runs on another CPU of this architecture.
  CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}" .venv/bin/python -m pip install -q -e ".${extras}"
  echo "$want" > "$stamp"
fi
if [ $ALL = 1 ]; then
  scripts/browser-deps.sh   # Debian chromium + CJK fonts (apt-get), skipped when present
  scripts/neo4j.sh install  # Neo4j 5.26 jars from Maven Central, cached in ~/.cache/zhkg
fi
exit 0
