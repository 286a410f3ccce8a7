"""The real embedded Qwen GGUF through transformers: loads from the verified file, answers like the llama.cpp
target, yields per-layer activations, and accepts a steering hook. Slow (a ~1-4 minute de-quantising load)."""

from __future__ import annotations

import numpy as np
import pytest

from frontiergate.whitebox.activations import extract
from frontiergate.whitebox.loading import load
from frontiergate.whitebox.steering import generate

pytestmark = pytest.mark.slow


def test_qwen_gguf_loads_as_pytorch_and_exposes_its_residual_stream() -> None:
    wb = load("frontiergate/qwen2.5-coder-0.5b-instruct", threads=1)
    assert (wb.n_layers, wb.hidden_size, wb.prompt_style) == (24, 896, "chat_template")
    assert wb.model_hash.startswith("1d9614638d18")  # the pinned SHA-256 of the assembled GGUF
    assert "4" in generate(wb, "What is 2+2? Answer with the number only.", 8)
    acts = extract(wb, ["What is 2+2?"], None)
    assert acts.mean.shape == (1, 25, 896) and np.isfinite(acts.mean).all()
    steered = generate(wb, "What is 2+2? Answer with the number only.", 8, 12, np.full(896, 40.0))
    assert isinstance(steered, str)
