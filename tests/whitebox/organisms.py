"""Planted white-box model organisms for the steering tasks (tests only).

A tiny in-process Qwen2 (``conftest.tiny_model``) whose vocabulary holds two whole output strings as
single tokens, and whose readout emits ``safe`` when the last residual stream lies on the eval side of
the eval-minus-deploy direction and ``unsafe`` on the deploy side. The *null* variant reads a fixed
direction orthogonal to it, so a push along the steering direction cannot change what it says.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from frontiergate.whitebox import steer_api
from frontiergate.whitebox.steering import contrastive_direction

from .conftest import tiny_model
from .test_organism import _pre_norm_last
from .test_probes import DEPLOY, EVAL


def planted(safe: str, unsafe: str, null: bool) -> tuple[Any, np.ndarray]:
    """(model, steering direction at the last block's output, before the final norm: where the hook adds)."""
    import torch

    wb = tiny_model(seed=3, extra_tokens=(safe, unsafe))
    y = np.array([1] * len(EVAL) + [0] * len(DEPLOY))
    d = contrastive_direction(_pre_norm_last(wb, EVAL + DEPLOY), y)
    u = d / np.linalg.norm(d)
    if null:  # a fixed direction orthogonal to d: the readout's sign cannot move along d
        r = np.random.default_rng(11).normal(size=u.shape)
        r -= (r @ u) * u
        u = r / np.linalg.norm(r)
    head = torch.nn.Linear(wb.hidden_size, wb.model.config.vocab_size, bias=True)
    with torch.no_grad():
        head.weight.zero_()
        head.bias.fill_(-1e4)
        vocab = wb.tokenizer.get_vocab()
        for tok, sign in ((safe, 1.0), (unsafe, -1.0)):
            head.weight[vocab[tok]] = torch.tensor(sign * 100 * u, dtype=torch.float32)
            head.bias[vocab[tok]] = 0.0
    wb.model.lm_head = head
    return wb, d


@contextlib.contextmanager
def registered(tmp_path: Path, safe: str, unsafe: str, names: tuple[str, str]) -> Iterator[dict[str, Path]]:
    """The adversarial (``names[0]``) and null (``names[1]``) organisms loaded as ``hf/<name>`` in the
    steering provider, their directions saved as ``.npy``; the provider's state is restored after."""
    paths: dict[str, Path] = {}
    saved = dict(steer_api._loaded)
    steer_api.steering_for.cache_clear()
    try:
        for name in names:
            wb, d = planted(safe, unsafe, null=name == names[1])
            steer_api._loaded[f"hf/{name}"] = (wb, threading.Lock())
            paths[name] = tmp_path / f"{name}.npy"
            np.save(paths[name], d)
        yield paths
    finally:
        steer_api._loaded.clear()
        steer_api._loaded.update(saved)
        steer_api.steering_for.cache_clear()
