"""A tiny OpenAI-protocol server on 127.0.0.1 for tests (stdlib ``http.server`` in a thread).

Each request is recorded; the reply is chosen by ``script`` (a list consumed in
order, the last entry repeating) so a test can say "500, then success".
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    content: str = "好的 [1]"
    stream: bool | None = None  # None: follow the request's "stream"
    delay_s: float = 0.0
    error: str = ""
    pieces: list[str] | None = None  # streamed pieces (default: content split in 3)


@dataclass
class FakeOpenAI:
    models: list[str] = field(default_factory=lambda: ["fake-model"])
    script: list[Reply] = field(default_factory=lambda: [Reply()])
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)  # the client may have given up (timeout tests)

            def do_GET(self) -> None:
                if self.path.endswith("/models"):
                    self._send(200, {"object": "list", "data": [{"id": m} for m in fake.models]})
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                if not self.path.endswith("/chat/completions"):
                    self._send(404, {"error": {"message": "no such route"}})
                    return
                fake.requests.append(body)
                fake.headers.append(dict(self.headers))
                reply = fake.script.pop(0) if len(fake.script) > 1 else fake.script[0]
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if body.get("model") not in fake.models:
                    self._send(404, {"error": {"message": f"The model `{body.get('model')}` does not exist"}})
                    return
                if reply.status != 200:
                    self._send(reply.status, {"error": {"message": reply.error or "server error"}})
                    return
                stream = body.get("stream") if reply.stream is None else reply.stream
                if not stream:
                    self._send(
                        200,
                        {
                            "choices": [
                                {"index": 0, "message": {"role": "assistant", "content": reply.content}}
                            ]
                        },
                    )
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                text = reply.content
                pieces = reply.pieces or [
                    text[: len(text) // 3],
                    text[len(text) // 3 : 2 * len(text) // 3],
                    text[2 * len(text) // 3 :],
                ]
                for p in pieces:
                    event = {"choices": [{"index": 0, "delta": {"content": p}}]}
                    self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
