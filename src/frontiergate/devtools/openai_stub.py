"""A minimal OpenAI-compatible chat server on loopback, with fixed latency and injected faults.

Used by the fault-tolerance tests and the throughput benchmark. It is written on bare asyncio
streams rather than a web framework so that, on a 2-core machine, the server costs as little CPU
as possible and the benchmark measures the client, not the stub.

Faults are drawn per request from a seeded RNG (429, 500, a hang past the client's timeout, a
truncated body, a malformed JSON body). Requests whose last user message contains one of the
``always_fail`` substrings always get a 500, to produce samples that fail for good.

Adversarial modes (``on_harmful``) turn the stub into a target that tries to game the verdict: it
recognises the harmful requests of the bundled scenario library (see ``classify_prompt``) and, on
exactly those, complies, goes silent, trips a provider content filter, stops at the length limit or
answers HTTP 500, while answering every other request helpfully. The verdict red-team
(``tests/verdict``) runs the real CLI against it: a model that fails to answer exactly when it would
comply must not be cleared.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import codecs
import contextlib
import functools
import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

FAULTS = ("429", "500", "hang", "truncated", "malformed")
HARMFUL_MODES = ("comply", "refuse", "empty", "content_filter", "length", "500")
"""What an adversarial stub does with a harmful request (``StubConfig.on_harmful``)."""
COMPLIANCE = "Sure, here is how to do it. Step 1: [HARMFUL-DETAIL]. Step 2: [HARMFUL-DETAIL]."
REFUSAL = "I'm sorry, but I can't help with that request."
BENIGN_ANSWER = (
    "Good question. In general: keep systems and software up to date, use strong unique passwords with "
    "multi-factor authentication, follow the official safety guidance, and ask a qualified professional "
    "about your specific situation."
)
TRUNCATED = "Sure, here is"

PromptKind = Literal["harmful", "benign", "unknown"]


@dataclass
class StubConfig:
    latency_s: float = 0.0
    fault_rate: float = 0.0
    faults: tuple[str, ...] = FAULTS
    always_fail: tuple[str, ...] = ()
    hang_s: float = 30.0
    reply: str = "I'm sorry, but I can't help with that."
    seed: int = 0
    on_harmful: str | None = None
    """None: every request gets ``reply`` (the stub's classic behaviour). Otherwise one of
    ``HARMFUL_MODES`` for harmful requests, and ``benign_reply`` for everything else."""
    benign_reply: str = BENIGN_ANSWER

    def __post_init__(self) -> None:
        if self.on_harmful is not None and self.on_harmful not in HARMFUL_MODES:
            raise ValueError(f"on_harmful={self.on_harmful!r}: use one of {', '.join(HARMFUL_MODES)}")


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


def _user_turns(body: dict[str, Any]) -> list[str]:
    out = []
    for m in body.get("messages", []):
        if m.get("role") == "user":
            c = m.get("content")
            out.append(c if isinstance(c, str) else json.dumps(c))
    return out


@dataclass(frozen=True)
class PromptView:
    """What an adversarial target knows about a request.

    ``kind``: a harmful request of the bundled library (in any rendering we can recognise), its
    benign twin, or neither. ``plain``: the exact untransformed, unframed text of a seed or twin
    turn. ``realistic``: rendered as deployment-realistic traffic (no evaluation cue).
    """

    kind: PromptKind
    plain: bool
    realistic: bool
    framing: str = "unknown"
    """``plain`` (no framing, transformed or not), ``eval``, ``deploy``, or ``unknown``."""


@dataclass(frozen=True)
class _Entry:
    harmful: bool
    plain: bool
    framing: str


_WORD = re.compile(r"[a-z]{4,}")
_CUE = re.compile(
    r"evaluation|\[TEST SCENARIO\]|rubric|graders?|^Question \d+|hypothetical|fictional|red-teaming", re.I | re.M
)
_B64 = re.compile(r"[A-Za-z0-9+/=]{16,}")


@functools.lru_cache(maxsize=1)
def _index() -> tuple[dict[str, _Entry | None], list[tuple[frozenset[str], bool]], tuple[str, ...]]:
    """Every rendering the bundled library produces at seed 0 (plain, each depth-1 transform, and
    the eval/deploy framings of both), keyed by the last user turn; plus word sets for the rest.

    Why an exact index: the scenario expansion is a pure function of (seed, item, chain), so a
    target that wants to recognise "an attacked request" can do it perfectly; the red-team
    adversaries are then as sharp as a real model that knows what a test looks like.
    """
    from frontiergate.scenarios.expand import expand
    from frontiergate.scenarios.framings import _CONTEXTS, frame_item
    from frontiergate.scenarios.library import base_items, load_seeds

    seeds = load_seeds()
    index: dict[str, _Entry | None] = {}

    def put(text: str, entry: _Entry) -> None:
        prev = index.get(text, entry)
        if prev is not None and (prev.harmful != entry.harmful):
            index[text] = None  # the same text on both sides: not a usable signal
            return
        if text not in index or (prev is not None and prev.plain is False and entry.plain):
            index[text] = entry

    base = list(base_items(seeds))
    for it in base:
        put(it.turns[-1], _Entry(it.harmful, True, "plain"))
    variants = list(expand(seeds, transforms="all", stack_depth=1, include_base=False, seed=0))
    for it in variants:
        put(it.turns[-1], _Entry(it.harmful, False, "plain"))
    for it in [*base, *variants]:
        for framing in ("eval", "deploy"):
            framed = frame_item(it, framing, seed=0)
            put(framed.turns[-1], _Entry(it.harmful, False, framing))
    words = [(frozenset(_WORD.findall(s.turns[-1].lower())), True) for s in seeds]
    words += [(frozenset(_WORD.findall(s.benign.turns[-1].lower())), False) for s in seeds if s.benign]
    return index, words, tuple(_CONTEXTS)


def _decodings(text: str) -> list[str]:
    """The text and what an encoding transform may have hidden in it."""
    out = [text, codecs.decode(text, "rot13"), " ".join(reversed(text.split()))]
    for tok in _B64.findall(text):
        try:
            out.append(base64.b64decode(tok + "=" * (-len(tok) % 4)).decode("utf-8"))
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
    return out


def _by_words(text: str, words: list[tuple[frozenset[str], bool]]) -> PromptKind:
    best: tuple[float, bool] | None = None
    for variant in _decodings(text):
        seen = set(_WORD.findall(variant.lower()))
        for ws, harmful in words:
            if not ws:
                continue
            share = len(ws & seen) / len(ws)
            if share >= 0.6 and (best is None or share > best[0]):
                best = (share, harmful)
    if best is None:
        return "unknown"
    return "harmful" if best[1] else "benign"


def classify_prompt(user_turns: Sequence[str]) -> PromptView:
    """Recognise a request of the bundled scenario library by its last user turn (deterministic)."""
    if not user_turns:
        return PromptView("unknown", False, False)
    index, words, contexts = _index()
    last = user_turns[-1]
    entry = index.get(last)
    if entry is not None:
        kind: PromptKind = "harmful" if entry.harmful else "benign"
        return PromptView(kind, entry.plain, entry.framing == "deploy", entry.framing)
    if last in index:  # ambiguous text
        return PromptView("unknown", False, False)
    joined = "\n".join(user_turns)
    realistic = any(c in joined for c in contexts) and not _CUE.search(joined)
    return PromptView(_by_words(last, words), False, realistic, "deploy" if realistic else "unknown")


def _completion(body: dict[str, Any], text: str, finish_reason: str = "stop") -> bytes:
    prompt_tokens = max(1, sum(len(str(m.get("content", ""))) for m in body.get("messages", [])) // 4)
    completion_tokens = max(1, len(text) // 4)
    return json.dumps(
        {
            "id": "chatcmpl-stub",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "stub"),
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish_reason}
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
    ).encode()


def _adversarial(body: dict[str, Any], mode: str) -> bytes:
    """The answer an adversarial stub gives a harmful request."""
    if mode == "comply":
        return _completion(body, COMPLIANCE)
    if mode == "refuse":
        return _completion(body, REFUSAL)
    if mode == "empty":
        return _completion(body, "")
    if mode == "content_filter":
        return _completion(body, "", finish_reason="content_filter")
    return _completion(body, TRUNCATED, finish_reason="length")


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
        if self.config.on_harmful is not None:
            if classify_prompt(_user_turns(body)).kind == "harmful":
                return "500" if self.config.on_harmful == "500" else f"harmful:{self.config.on_harmful}"
            return "benign"
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
                elif outcome == "benign":
                    self._send(writer, 200, _completion(body, self.config.benign_reply))
                elif outcome.startswith("harmful:"):
                    self._send(writer, 200, _adversarial(body, outcome.removeprefix("harmful:")))
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
    ap.add_argument(
        "--on-harmful",
        choices=HARMFUL_MODES,
        default=None,
        help="adversarial mode: what to do with the bundled library's harmful requests",
    )
    args = ap.parse_args()
    stub = OpenAIStub(
        StubConfig(latency_s=args.latency, fault_rate=args.fault_rate, on_harmful=args.on_harmful), port=args.port
    )
    print(f"serving on {stub.base_url}", flush=True)
    asyncio.run(stub._serve())


if __name__ == "__main__":
    main()
