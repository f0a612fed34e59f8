"""One client for OpenAI-compatible chat completions (vLLM, Ollama, llama.cpp server, TGI, hosted APIs).

Every server zhkg talks to speaks ``POST {base}/chat/completions``; keeping one
small client (instead of a vendor SDK) means one place for timeouts, bounded
retries, streaming and the error messages a user can act on. The API key is sent
as a bearer token and never logged or put into an error message.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import httpx

from extract.errors import ZhkgError
from extract.normalize import WIDE
from graph.settings import Settings

log = logging.getLogger(__name__)

Message = dict[str, str]

_CJK = re.compile(f"[{WIDE}]")


class LLMError(ZhkgError, RuntimeError):
    """The LLM endpoint could not produce an answer; the message is one line a user can act on."""


def estimate_tokens(text: str) -> int:
    """Rough token count without a tokenizer: CJK ≈ 1 token per character, other text ≈ 1 per 4 chars.

    Good enough to keep a prompt inside a context window with a safety margin;
    exact counts would need the served model's tokenizer, which we do not have.
    """
    cjk = len(_CJK.findall(text))
    return cjk + (len(text) - cjk + 3) // 4


def messages_tokens(messages: Sequence[Message]) -> int:
    return sum(estimate_tokens(m.get("content", "")) + 4 for m in messages)


def _api_base(base_url: str) -> str:
    """``http://host:8000`` and ``http://host:8000/v1`` both mean the ``/v1`` API root."""
    url = base_url.strip().rstrip("/")
    if url.endswith("/chat/completions"):
        url = url[: -len("/chat/completions")]
    path = httpx.URL(url).path
    if path in ("", "/"):
        url += "/v1"
    return url


class LLMClient:
    """Chat completions with streaming, timeouts, bounded retries with backoff, and clear errors."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str = "",
        timeout_s: float = 60.0,
        max_retries: int = 2,
        context_tokens: int = 6000,
        backoff_s: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not base_url or not model:
            raise LLMError("LLM not configured: set ZHKG_LLM_BASE_URL and ZHKG_LLM_MODEL")
        self.base_url = _api_base(base_url)
        self.model = model
        self._api_key = api_key
        self.timeout_s = float(timeout_s)
        self.max_retries = max(0, int(max_retries))
        self.context_tokens = int(context_tokens)
        self.backoff_s = backoff_s
        self._sleep = sleep

    def __repr__(self) -> str:  # never show the key
        return f"LLMClient(base_url={self.base_url!r}, model={self.model!r})"

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMClient | None:
        """A client when ``llm_base_url`` and ``llm_model`` are set, else ``None``."""
        if not settings.llm_configured:
            return None
        return cls(
            settings.llm_base_url,
            settings.llm_model,
            api_key=settings.llm_api_key,
            timeout_s=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
            context_tokens=settings.llm_context_tokens,
        )

    # -- HTTP ------------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        if self._api_key:
            h["Authorization"] = f"Bearer {self._api_key}"
        return h

    def _timeout(self) -> httpx.Timeout:
        return httpx.Timeout(self.timeout_s, connect=min(self.timeout_s, 10.0))

    def list_models(self) -> list[str]:
        """Model ids the endpoint serves (``GET /models``); empty when it cannot say."""
        try:
            r = httpx.get(f"{self.base_url}/models", headers=self._headers(), timeout=self._timeout())
            if r.status_code != 200:
                return []
            data = r.json().get("data", [])
            return [str(m.get("id")) for m in data if isinstance(m, dict) and m.get("id")]
        except (httpx.HTTPError, ValueError, AttributeError):
            return []

    def chat(
        self,
        messages: Sequence[Message],
        *,
        stream: bool = False,
        on_token: Callable[[str], None] | None = None,
        max_tokens: int = 512,
        temperature: float = 0.2,
    ) -> str:
        """Send ``messages``; return the whole reply. With ``stream`` each piece also goes to ``on_token``.

        Transient failures (connection refused, timeouts, HTTP 429/5xx) are
        retried ``max_retries`` times with exponential backoff, but never after
        part of a streamed answer has been emitted; 4xx errors are not retried.
        """
        prompt_tokens = messages_tokens(messages)
        if prompt_tokens + max_tokens > self.context_tokens:
            raise LLMError(
                f"prompt of about {prompt_tokens} tokens plus {max_tokens} for the answer exceeds"
                f" ZHKG_LLM_CONTEXT_TOKENS={self.context_tokens}"
            )
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": list(messages),
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": bool(stream),
        }
        emitted = [False]

        def emit(piece: str) -> None:
            emitted[0] = True
            if on_token is not None:
                on_token(piece)

        last: LLMError | None = None
        for attempt in range(self.max_retries + 1):
            try:
                return self._once(payload, emit if stream else None)
            except _Retryable as exc:
                last = LLMError(str(exc))
                if emitted[0] or attempt == self.max_retries:
                    break
                delay = exc.retry_after if exc.retry_after is not None else self.backoff_s * (2**attempt)
                log.info("LLM request failed (%s); retry %d in %.1fs", exc, attempt + 1, delay)
                self._sleep(min(delay, 30.0))
        assert last is not None
        raise last

    def _once(self, payload: dict[str, Any], emit: Callable[[str], None] | None) -> str:
        url = f"{self.base_url}/chat/completions"
        try:
            with (
                httpx.Client(timeout=self._timeout()) as client,
                client.stream("POST", url, headers=self._headers(), json=payload) as resp,
            ):
                if resp.status_code != 200:
                    resp.read()
                    self._raise_for_status(resp)
                if emit is not None:
                    return self._read_stream(resp, emit)
                resp.read()
                return _content_of(resp)
        except httpx.ConnectError:
            raise _Retryable(
                f"LLM endpoint {self.base_url} is not reachable (connection refused or DNS failure);"
                " is the server running and ZHKG_LLM_BASE_URL right?"
            ) from None
        except httpx.TimeoutException:
            raise _Retryable(
                f"LLM endpoint {self.base_url} timed out after {self.timeout_s:g}s"
                " (raise ZHKG_LLM_TIMEOUT_S or use a smaller model)"
            ) from None
        except httpx.HTTPError as exc:
            raise _Retryable(f"LLM request to {self.base_url} failed: {type(exc).__name__}") from None

    def _raise_for_status(self, resp: httpx.Response) -> None:
        code = resp.status_code
        detail = _error_detail(resp)
        if code == 429 or code >= 500:
            retry_after = _retry_after(resp)
            raise _Retryable(f"LLM endpoint {self.base_url} answered HTTP {code}: {detail}", retry_after)
        if code in (401, 403):
            raise LLMError(
                f"LLM endpoint {self.base_url} rejected the request (HTTP {code}); check ZHKG_LLM_API_KEY"
            )
        if code == 404:
            models = self.list_models()
            if models and self.model not in models:
                raise LLMError(
                    f"model {self.model!r} not found at {self.base_url}; it serves: {', '.join(models[:10])}"
                    " (set ZHKG_LLM_MODEL)"
                )
            if "model" in detail.lower():
                raise LLMError(f"model {self.model!r} not found at {self.base_url}: {detail}")
            raise LLMError(
                f"{self.base_url}/chat/completions not found (HTTP 404);"
                " ZHKG_LLM_BASE_URL usually ends in /v1"
            )
        raise LLMError(f"LLM endpoint {self.base_url} rejected the request (HTTP {code}): {detail}")

    def _read_stream(self, resp: httpx.Response, emit: Callable[[str], None]) -> str:
        ctype = resp.headers.get("content-type", "")
        if "text/event-stream" not in ctype:
            # Some servers ignore "stream": answer whole; still hand it on.
            resp.read()
            text = _content_of(resp)
            if text:
                emit(text)
            return text
        parts: list[str] = []
        for data in _sse_data(resp.iter_lines()):
            if data == "[DONE]":
                break
            try:
                obj = json.loads(data)
            except ValueError:
                raise LLMError(f"LLM endpoint {self.base_url} sent a malformed stream event") from None
            if isinstance(obj, dict) and obj.get("error"):
                raise LLMError(f"LLM endpoint {self.base_url} reported an error: {_short(obj['error'])}")
            piece = _delta_of(obj)
            if piece:
                parts.append(piece)
                emit(piece)
        return "".join(parts)


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _short(value: Any, limit: int = 200) -> str:
    text = value.get("message", value) if isinstance(value, dict) else value
    return " ".join(str(text).split())[:limit]


def _error_detail(resp: httpx.Response) -> str:
    try:
        obj = resp.json()
    except ValueError:
        return _short(resp.text) or resp.reason_phrase
    if isinstance(obj, dict):
        if "error" in obj:
            return _short(obj["error"])
        if "detail" in obj:
            return _short(obj["detail"])
    return _short(obj)


def _retry_after(resp: httpx.Response) -> float | None:
    raw = resp.headers.get("retry-after")
    try:
        return None if raw is None else max(0.0, float(raw))
    except ValueError:
        return None


def _content_of(resp: httpx.Response) -> str:
    try:
        obj = resp.json()
        content = obj["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise LLMError("LLM endpoint sent a response without choices[0].message.content") from None
    return "" if content is None else str(content)


def _delta_of(obj: Any) -> str:
    try:
        choice = obj["choices"][0]
    except (KeyError, IndexError, TypeError):
        return ""
    delta = choice.get("delta") or choice.get("message") or {}
    content = delta.get("content") if isinstance(delta, dict) else None
    return "" if content is None else str(content)


def _sse_data(lines: Iterator[str]) -> Iterator[str]:
    """``data:`` payloads of a server-sent-events stream (multi-line events joined)."""
    buf: list[str] = []
    for line in lines:
        if not line.strip():
            if buf:
                yield "\n".join(buf)
                buf = []
            continue
        if line.startswith(":"):
            continue
        if line.startswith("data:"):
            buf.append(line[5:].lstrip())
    if buf:
        yield "\n".join(buf)


__all__ = ["LLMClient", "LLMError", "Message", "estimate_tokens", "messages_tokens"]
