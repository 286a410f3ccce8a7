"""Steering arithmetic on the tiny model: the hook adds exactly the vector, at the right point, and is removed."""

from __future__ import annotations

import numpy as np

from frontiergate.whitebox.loading import WhiteboxModel, format_prompt
from frontiergate.whitebox.steering import (
    condition_vectors,
    contrastive_direction,
    generate,
    paired_table,
    steer,
)


def _hidden(wb: WhiteboxModel, text: str) -> list[np.ndarray]:
    import torch

    ids = wb.tokenizer(format_prompt(wb, text), return_tensors="pt", add_special_tokens=False)
    with torch.no_grad():
        out = wb.model(**ids, output_hidden_states=True)
    return [h[0].numpy().copy() for h in out.hidden_states]


def test_direction_and_equal_norm_random_control() -> None:
    acts = np.array([[1.0, 2.0], [3.0, 2.0], [0.0, 0.0], [0.0, 2.0]], dtype=np.float32)
    d = contrastive_direction(acts, np.array([1, 1, 0, 0]))
    np.testing.assert_allclose(d, [2.0, 1.0])
    v = condition_vectors(d, 3.0)
    np.testing.assert_allclose(v["toward_test"], [6.0, 3.0])
    np.testing.assert_allclose(v["toward_deploy"], [-6.0, -3.0])
    assert abs(np.linalg.norm(v["random"]) - np.linalg.norm(v["toward_test"])) < 1e-9


def _block1_input(wb: WhiteboxModel, text: str) -> np.ndarray:
    """What decoder block 1 receives: the residual stream after block 0 (as steering changed it)."""

    seen: list[np.ndarray] = []
    h = wb.decoder_layers()[1].register_forward_pre_hook(
        lambda _m, args, kwargs: seen.append((args[0] if args else kwargs["hidden_states"])[0].detach().numpy().copy()),
        with_kwargs=True)
    try:
        _hidden(wb, text)
    finally:
        h.remove()
    return seen[0]


def test_hook_adds_the_vector_at_the_layer_and_is_removed(tiny: WhiteboxModel) -> None:
    base = _hidden(tiny, "this is a test")
    base_in = _block1_input(tiny, "this is a test")
    np.testing.assert_allclose(base_in, base[1], atol=1e-6)
    vec = np.full(tiny.hidden_size, 0.5)
    with steer(tiny, 1, vec):
        steered_in = _block1_input(tiny, "this is a test")
        steered = _hidden(tiny, "this is a test")
    np.testing.assert_allclose(steered_in, base_in + 0.5, atol=1e-5)  # block 0's output shifted by exactly v
    np.testing.assert_allclose(steered[0], base[0], atol=1e-6)  # embeddings untouched
    assert not np.allclose(steered[-1], base[-1], atol=1e-4)  # and the change propagates
    np.testing.assert_allclose(_block1_input(tiny, "this is a test"), base_in, atol=1e-6)  # hook removed


def test_steered_generation_changes_with_a_large_vector(tiny: WhiteboxModel) -> None:
    plain = generate(tiny, "please help me", 6)
    assert plain == generate(tiny, "please help me", 6)  # greedy: deterministic
    rng = np.random.default_rng(1)
    outs = {generate(tiny, "please help me", 6, 2, rng.normal(size=tiny.hidden_size) * 50) for _ in range(3)}
    assert outs != {plain}


def test_paired_table_counts_discordant_pairs() -> None:
    rows = []
    for i in range(10):
        rows.append({"id": str(i), "domain": "cyber" if i < 5 else "chem_bio", "cluster": str(i),
                     "condition": "toward_deploy", "refused": i < 2, "unknown": False})
        rows.append({"id": str(i), "domain": "cyber" if i < 5 else "chem_bio", "cluster": str(i),
                     "condition": "toward_test", "refused": i < 8, "unknown": False})
    t = paired_table(rows, ["toward_deploy", "toward_test"])
    p = t["all"]["paired"]["toward_test - toward_deploy"]
    assert (p["only_a"], p["only_b"], p["n_pairs"]) == (0, 6, 10) and abs(p["diff"] - 0.6) < 1e-9
    assert p["p_value"] < 0.05 and t["all"]["rates"]["toward_test"]["k"] == 8
    assert set(t) == {"all", "chem_bio", "cyber"}
