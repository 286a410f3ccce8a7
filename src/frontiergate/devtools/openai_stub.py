"""A minimal OpenAI-compatible chat server on loopback, with fixed latency and injected faults.

Used by the fault-tolerance tests and the throughput benchmark. It is written on bare asyncio
streams rather than a web framework so that, on a 2-core machine, the server costs as little CPU
as possible and the benchmark measures the client, not the stub.

Faults are drawn per request from a seeded RNG (429, 500, a hang past the client's timeout, a
truncated body, a malformed JSON body). Requests whose last user message contains one of the
``always_fail`` substrings always get a 500, to produce samples that fail for good.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

FAULTS = ("429", "500", "hang", "truncated", "malformed")


@dataclass
class StubConfig:
    latency_s: float = 0.0
    fault_rate: float = 0.0
    faults: tuple[str, ...] = FAULTS
    always_fail: tuple[str, ...] = ()
    hang_s: float = 30.0
    reply: str = "I'm sorry, but I can't help with that."
    seed: int = 0


@dataclass
class StubStats:
    requests: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    authorization_headers: list[str] = field(default_factory=list)


def _last_user(body: dict[str, Any]) -> str:
    for m in reversed(body.get("messages", [])):
        if m.get("role") == "user":
            c = m.get("content")
            return c if isinstance(c, str) else json.dumps(c)
    return ""


def _completion(body: dict[str, Any], text: str) -> bytes:
    prompt_tokens = max(1, sum(len(str(m.get("content", ""))) for m in body.get("messages", [])) // 4)
    completion_tokens = max(1, len(text) // 4)
    return json.dumps(
        {
            "id": "chatcmpl-stub",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "stub"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
    ).encode()


class OpenAIStub:
    """Run with ``start()`` in a background thread (tests) or ``serve_forever()`` (CLI)."""

    def __init__(self, config: StubConfig | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.config = config or StubConfig()
        self.host, self.port = host, port
        self.stats = StubStats()
        self._rng = random.Random(self.config.seed)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def _choose(self, body: dict[str, Any]) -> str:
        text = _last_user(body)
        if any(s in text for s in self.config.always_fail):
            return "500"
        if self.config.fault_rate and self._rng.random() < self.config.fault_rate:
            return self._rng.choice(self.config.faults)
        return "ok"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
                body_bytes = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                if "authorization" in headers:
                    self.stats.authorization_headers.append(headers["authorization"])
                if method == "GET" and path.endswith("/stats"):
                    stats = {"requests": self.stats.requests, "outcomes": dict(self.stats.outcomes)}
                    self._send(writer, 200, json.dumps(stats).encode())
                    await writer.drain()
                    continue
                if method == "GET" and path.endswith("/models"):
                    self._send(writer, 200, json.dumps({"object": "list", "data": [{"id": "stub"}]}).encode())
                    await writer.drain()
                    continue
                body = json.loads(body_bytes or b"{}")
                self.stats.requests += 1
                outcome = self._choose(body)
                self.stats.outcomes[outcome] += 1
                if self.config.latency_s:
                    await asyncio.sleep(self.config.latency_s)
                if outcome == "ok":
                    self._send(writer, 200, _completion(body, self.config.reply))
                elif outcome == "429":
                    self._send(
                        writer,
                        429,
                        b'{"error": {"message": "rate limited", "type": "rate_limit"}}',
                        extra="Retry-After: 0\r\n",
                    )
                elif outcome == "500":
                    self._send(writer, 500, b'{"error": {"message": "internal error", "type": "server_error"}}')
                elif outcome == "hang":
                    await asyncio.sleep(self.config.hang_s)
                    writer.close()
                    return
                elif outcome == "truncated":
                    payload = _completion(body, self.config.reply)
                    writer.write(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                        + str(len(payload)).encode()
                        + b"\r\n\r\n"
                        + payload[: len(payload) // 2]
                    )
                    await writer.drain()
                    writer.close()
                    return
                elif outcome == "malformed":
                    self._send(writer, 200, b'{"id": "x", "choices": [ {"message": ')
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.CancelledError, ConnectionError, ValueError):
            pass
        finally:
            if not writer.is_closing():
                writer.close()

    @staticmethod
    def _send(writer: asyncio.StreamWriter, status: int, payload: bytes, extra: str = "") -> None:
        reason = {200: "OK", 429: "Too Many Requests", 500: "Internal Server Error"}[status]
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n{extra}"
            f"Content-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )

    async def _serve(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, self.port, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        async with self._server:
            await self._server.serve_forever()

    def start(self) -> OpenAIStub:
        def run() -> None:
            self._loop = asyncio.new_event_loop()
            try:
                self._loop.run_until_complete(self._serve())
            except (asyncio.CancelledError, RuntimeError):
                pass
            finally:
                self._loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():

            async def shutdown() -> None:
                if self._server is not None:
                    self._server.close()
                for task in asyncio.all_tasks():
                    if task is not asyncio.current_task():
                        task.cancel()

            with contextlib.suppress(RuntimeError, TimeoutError, asyncio.CancelledError, Exception):
                asyncio.run_coroutine_threadsafe(shutdown(), loop).result(timeout=5)
        if self._thread is not None:
            self._thread.join(timeout=10)


def main() -> None:
    ap = argparse.ArgumentParser(description="OpenAI-compatible stub server (loopback only).")
    ap.add_argument("--port", type=int, default=8999)
    ap.add_argument("--latency", type=float, default=0.0)
    ap.add_argument("--fault-rate", type=float, default=0.0)
    args = ap.parse_args()
    stub = OpenAIStub(StubConfig(latency_s=args.latency, fault_rate=args.fault_rate), port=args.port)
    print(f"serving on {stub.base_url}", flush=True)
    asyncio.run(stub._serve())


if __name__ == "__main__":
    main()
