"""LLMClient against a local OpenAI-protocol server: success, streaming and every failure path."""

from __future__ import annotations

import socket

import pytest
from fake_openai import FakeOpenAI, Reply

from graph.llm.client import LLMClient, LLMError, estimate_tokens
from graph.settings import load_settings

MSG = [{"role": "user", "content": "你好"}]


def client(url: str, **kw: object) -> LLMClient:
    kw.setdefault("sleep", lambda s: None)
    return LLMClient(url, "fake-model", **kw)  # type: ignore[arg-type]


def test_non_streaming_reply_and_payload(fake_openai: tuple[FakeOpenAI, str]) -> None:
    server, url = fake_openai
    server.script = [Reply(content="繁體中文答案 [1]")]
    out = client(url).chat(MSG, max_tokens=64, temperature=0.0)
    assert out == "繁體中文答案 [1]"
    req = server.requests[-1]
    assert req["model"] == "fake-model" and req["stream"] is False and req["max_tokens"] == 64
    assert req["messages"] == MSG


def test_streaming_calls_on_token_per_piece(fake_openai: tuple[FakeOpenAI, str]) -> None:
    server, url = fake_openai
    server.script = [Reply(pieces=["甲", "乙", "丙 [2]"], content="")]
    pieces: list[str] = []
    out = client(url).chat(MSG, stream=True, on_token=pieces.append)
    assert pieces == ["甲", "乙", "丙 [2]"]
    assert out == "甲乙丙 [2]"
    assert server.requests[-1]["stream"] is True


def test_base_url_without_v1_is_accepted(fake_openai: tuple[FakeOpenAI, str]) -> None:
    _, url = fake_openai
    assert client(url.removesuffix("/v1")).chat(MSG)


def test_wrong_model_names_served_models(fake_openai: tuple[FakeOpenAI, str]) -> None:
    server, url = fake_openai
    server.models = ["gemma-3", "breeze"]
    with pytest.raises(LLMError, match=r"model 'fake-model' not found.*gemma-3, breeze"):
        client(url).chat(MSG)
    assert len(server.requests) == 1  # 4xx is not retried


def test_server_error_is_retried_then_succeeds(fake_openai: tuple[FakeOpenAI, str]) -> None:
    server, url = fake_openai
    server.script = [Reply(status=500), Reply(status=503), Reply(content="好")]
    slept: list[float] = []
    out = LLMClient(url, "fake-model", max_retries=2, backoff_s=0.1, sleep=slept.append).chat(MSG)
    assert out == "好"
    assert len(server.requests) == 3
    assert slept == [0.1, 0.2]  # exponential backoff


def test_retries_are_bounded(fake_openai: tuple[FakeOpenAI, str]) -> None:
    server, url = fake_openai
    server.script = [Reply(status=500, error="boom")]
    with pytest.raises(LLMError, match="HTTP 500: boom"):
        client(url, max_retries=1).chat(MSG)
    assert len(server.requests) == 2


def test_bad_request_is_not_retried(fake_openai: tuple[FakeOpenAI, str]) -> None:
    server, url = fake_openai
    server.script = [Reply(status=400, error="context length exceeded")]
    with pytest.raises(LLMError, match=r"HTTP 400.*context length exceeded"):
        client(url, max_retries=3).chat(MSG)
    assert len(server.requests) == 1


def test_timeout_is_a_clear_error(fake_openai: tuple[FakeOpenAI, str]) -> None:
    server, url = fake_openai
    server.script = [Reply(delay_s=1.0)]
    with pytest.raises(LLMError, match=r"timed out after 0.2s"):
        client(url, timeout_s=0.2, max_retries=0).chat(MSG)


def test_connection_refused_is_a_clear_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(LLMError, match="not reachable"):
        client(f"http://127.0.0.1:{port}/v1", max_retries=1).chat(MSG)


def test_api_key_is_sent_but_never_shown(fake_openai: tuple[FakeOpenAI, str]) -> None:
    server, url = fake_openai
    secret = "sk-test-SECRET-123"
    server.script = [Reply(status=401)]
    c = client(url, api_key=secret)
    with pytest.raises(LLMError) as err:
        c.chat(MSG)
    assert server.headers[-1]["Authorization"] == f"Bearer {secret}"
    assert secret not in str(err.value) and secret not in repr(c)


def test_prompt_over_budget_is_refused_before_sending(fake_openai: tuple[FakeOpenAI, str]) -> None:
    server, url = fake_openai
    with pytest.raises(LLMError, match="exceeds"):
        client(url, context_tokens=100).chat([{"role": "user", "content": "字" * 200}], max_tokens=10)
    assert server.requests == []


def test_malformed_response_is_reported(fake_openai: tuple[FakeOpenAI, str]) -> None:
    server, _url = fake_openai
    server.models = ["fake-model"]
    server.script = [Reply(content="x")]
    import graph.llm.client as llm_mod

    with pytest.raises(LLMError, match="choices"):
        llm_mod._content_of(__import__("httpx").Response(200, json={"nothing": 1}))


def test_estimate_tokens_counts_cjk_per_char_and_latin_per_four() -> None:
    assert estimate_tokens("繁體中文") == 4
    assert estimate_tokens("abcdefgh") == 2
    assert estimate_tokens("LoRA 微調") == 2 + 2


def test_from_settings_needs_url_and_model() -> None:
    assert LLMClient.from_settings(load_settings(env={})) is None
    c = LLMClient.from_settings(
        load_settings(
            env={"ZHKG_LLM_BASE_URL": "http://h:1/v1", "ZHKG_LLM_MODEL": "m", "ZHKG_LLM_TIMEOUT_S": "3"}
        )
    )
    assert c is not None and c.model == "m" and c.timeout_s == 3.0 and c.base_url == "http://h:1/v1"
