"""Residual-stream activations per layer, pooled per text, cached on disk.

Why the residual stream: linear probes for "is this a test?" (Nguyen et al. 2025) and steering
vectors (Hua et al. 2025) both live there. ``hidden_states[0]`` is the embedding output and
``hidden_states[i]`` the residual stream after decoder block ``i``; we keep all ``L + 1``.

Why the chat-formatted prompt: the probe must read what the target itself sees (system header,
template tokens and the open assistant turn), not the bare text. Two poolings are stored for every
text: ``mean`` over the prompt's tokens and ``last`` (the final token, where the model is about to
answer; with a chat template that is the assistant header, which carries the whole prompt).

Why a cache keyed by model hash + formatted-text hash: a CPU forward pass costs ~0.1-1 s a text, and
probes, style-shift checks and run scoring reuse the same texts; a changed model, template or text
changes the key, so a stale activation is never reused. One ``.npz`` per text, float16 (a probe
needs no more precision; halves the disk).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from frontiergate.whitebox.loading import WhiteboxModel, format_prompt

POOLINGS = ("mean", "last")
MAX_TOKENS = 384
"""Prompt tokens kept (the *end*, where the question and the answer slot are): bounds CPU time."""


def text_key(model_hash: str, formatted: str, max_tokens: int = MAX_TOKENS) -> str:
    return hashlib.sha256(f"{model_hash}\0{max_tokens}\0{formatted}".encode()).hexdigest()[:32]


@dataclass
class ActivationBatch:
    """Pooled activations of ``n`` texts: ``mean`` and ``last`` are ``[n, layers + 1, hidden]`` float32."""

    mean: NDArray[np.float32]
    last: NDArray[np.float32]
    n_tokens: list[int]
    seconds: float
    computed: int  # how many texts were not in the cache

    def pooled(self, pooling: str) -> NDArray[np.float32]:
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}")
        return self.mean if pooling == "mean" else self.last


def _forward(wb: WhiteboxModel, formatted: str, max_tokens: int
             ) -> tuple[NDArray[np.float32], NDArray[np.float32], int]:
    import torch

    ids = wb.tokenizer(formatted, return_tensors="pt", add_special_tokens=False)["input_ids"]
    ids = ids[:, -max_tokens:]
    with torch.no_grad():
        out = wb.model(input_ids=ids, output_hidden_states=True, use_cache=False)
    hs = torch.stack([h[0] for h in out.hidden_states])  # [L+1, T, d]
    mean = hs.mean(dim=1).float().numpy()
    last = hs[:, -1, :].float().numpy()
    return mean.astype(np.float32), last.astype(np.float32), int(ids.shape[1])


def default_cache_dir() -> Path:
    """Where activations are cached unless told otherwise (``FRONTIERGATE_WHITEBOX_CACHE``): shared by the
    CLI and the tasks, so a direction computed once is not recomputed by the next run."""
    import os

    return Path(os.environ.get("FRONTIERGATE_WHITEBOX_CACHE",
                               str(Path.home() / ".cache" / "frontiergate" / "whitebox")))


def extract(wb: WhiteboxModel, texts: Sequence[str], cache_dir: Path | None = None, *,
            system: str | None = None, max_tokens: int = MAX_TOKENS, formatted: bool = False) -> ActivationBatch:
    """Pooled per-layer activations of ``texts`` (each one user turn, chat-formatted unless ``formatted``)."""
    start = time.perf_counter()
    means: list[NDArray[np.float32]] = []
    lasts: list[NDArray[np.float32]] = []
    ntok: list[int] = []
    computed = 0
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
    for text in texts:
        prompt = text if formatted else format_prompt(wb, text, system)
        path = cache_dir / f"{text_key(wb.model_hash, prompt, max_tokens)}.npz" if cache_dir is not None else None
        if path is not None and path.is_file():
            with np.load(path) as z:
                means.append(z["mean"].astype(np.float32))
                lasts.append(z["last"].astype(np.float32))
                ntok.append(int(z["n_tokens"]))
            continue
        m, la, n = _forward(wb, prompt, max_tokens)
        computed += 1
        if path is not None:
            tmp = path.with_suffix(".tmp.npz")
            np.savez(tmp, mean=m.astype(np.float16), last=la.astype(np.float16), n_tokens=np.array(n))
            tmp.replace(path)
            m, la = m.astype(np.float16).astype(np.float32), la.astype(np.float16).astype(np.float32)
        means.append(m)
        lasts.append(la)
        ntok.append(n)
    shape = (0, wb.n_layers + 1, wb.hidden_size)
    return ActivationBatch(np.stack(means) if means else np.zeros(shape, np.float32),
                           np.stack(lasts) if lasts else np.zeros(shape, np.float32),
                           ntok, time.perf_counter() - start, computed)
