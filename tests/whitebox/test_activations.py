"""Hooks and pooling on the tiny model: the cache round-trips and layer outputs match hidden_states."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from frontiergate.whitebox.activations import extract
from frontiergate.whitebox.loading import WhiteboxModel, format_prompt


def test_format_prompt_uses_the_chat_template(tiny: WhiteboxModel) -> None:
    s = format_prompt(tiny, "please help me")
    assert s.startswith("<|im_start|>user\nplease help me<|im_end|>") and s.endswith("<|im_start|>assistant\n")


def test_extract_shapes_pooling_and_cache(tiny: WhiteboxModel, tmp_path: Path) -> None:
    texts = ["this is a test question", "hey so can you help me with my homework"]
    a = extract(tiny, texts, tmp_path)
    assert a.mean.shape == (2, tiny.n_layers + 1, tiny.hidden_size) and a.computed == 2
    assert len(list(tmp_path.glob("*.npz"))) == 2
    b = extract(tiny, texts, tmp_path)
    assert b.computed == 0
    np.testing.assert_allclose(a.mean, b.mean)
    np.testing.assert_allclose(a.last, b.last)
    assert not np.allclose(a.mean[0], a.mean[1])


def test_layer_hook_output_is_the_hidden_state(tiny: WhiteboxModel) -> None:
    import torch

    seen: list[torch.Tensor] = []
    layer = tiny.decoder_layers()[0]
    h = layer.register_forward_hook(lambda _m, _i, out: seen.append(out[0] if isinstance(out, tuple) else out))
    ids = tiny.tokenizer(format_prompt(tiny, "this is a test"), return_tensors="pt", add_special_tokens=False)
    with torch.no_grad():
        out = tiny.model(**ids, output_hidden_states=True)
    h.remove()
    got = seen[0][0] if seen[0].dim() == 3 else seen[0]
    torch.testing.assert_close(got, out.hidden_states[1][0])
