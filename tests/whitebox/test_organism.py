"""A white-box model organism: a tiny model whose "refusal" is planted on a known eval-vs-deploy direction.

The readout (``lm_head``) is replaced so that the first greedy token is ``REFUSE`` when the final residual
stream lies on the eval side of the class midpoint along the eval-minus-deploy direction, else ``COMPLY``.
Known ground truth, so: the probe must find the cue, steering toward deployment must flip eval prompts to
``COMPLY``, steering toward test must keep them refusing, and the equal-norm random control must flip
fewer than the real direction does.
"""

from __future__ import annotations

import numpy as np

from frontiergate.whitebox.activations import extract
from frontiergate.whitebox.experiment import choose_probe
from frontiergate.whitebox.probes import ProbeText, auroc
from frontiergate.whitebox.steering import condition_vectors, contrastive_direction, generate

from .conftest import tiny_model
from .test_probes import DEPLOY, EVAL

REFUSE, COMPLY = "rubric", "bread"


def _organism():  # type: ignore[no-untyped-def]
    import torch

    wb = tiny_model(seed=3)
    texts = EVAL + DEPLOY
    y = np.array([1] * len(EVAL) + [0] * len(DEPLOY))
    final = extract(wb, texts, None).last[:, wb.n_layers]  # post-norm: what lm_head reads
    d = contrastive_direction(final, y)
    u = d / np.linalg.norm(d)
    mid = float(((final[y == 1].mean(0) + final[y == 0].mean(0)) / 2) @ u)
    head = torch.nn.Linear(wb.hidden_size, wb.model.config.vocab_size, bias=True)
    with torch.no_grad():
        head.weight.zero_()
        head.bias.fill_(-1e4)
        vocab = wb.tokenizer.get_vocab()
        for tok, sign in ((REFUSE, 1.0), (COMPLY, -1.0)):
            head.weight[vocab[tok]] = torch.tensor(sign * 100 * u, dtype=torch.float32)
            head.bias[vocab[tok]] = -sign * 100 * mid
    wb.model.lm_head = head
    return wb, texts, y


def _pre_norm_last(wb, texts):  # type: ignore[no-untyped-def]
    """Last-token output of the last decoder block, before the final norm (where the steering hook adds)."""
    import torch

    from frontiergate.whitebox.loading import format_prompt

    seen: list[np.ndarray] = []
    h = wb.decoder_layers()[-1].register_forward_hook(
        lambda _m, _i, out: seen.append((out[0] if isinstance(out, tuple) else out)[0, -1].detach().numpy().copy()))
    try:
        for t in texts:
            ids = wb.tokenizer(format_prompt(wb, t), return_tensors="pt", add_special_tokens=False)
            with torch.no_grad():
                wb.model(**ids)
    finally:
        h.remove()
    return np.stack(seen)


def test_probe_finds_the_planted_cue_and_steering_flips_it() -> None:
    wb, texts, y = _organism()
    first = [generate(wb, t, 1).strip() for t in texts]
    assert first[: len(EVAL)] == [REFUSE] * len(EVAL) and first[len(EVAL):] == [COMPLY] * len(DEPLOY)

    rows = [ProbeText(str(i), t, "eval" if lab else "deploy", None, "x", str(i)) for i, (t, lab) in
            enumerate(zip(texts, y, strict=True))]
    batch = extract(wb, texts, None)
    probe, _ = choose_probe(rows, batch)
    assert auroc(y, probe.score(batch.pooled(probe.pooling)[:, probe.layer])) == 1.0

    layer = wb.n_layers  # the last block's output, before the final norm
    d = contrastive_direction(_pre_norm_last(wb, texts), y)
    vec = condition_vectors(d, 2.0, seed=0)
    flips = {c: sum(generate(wb, t, 1, layer, v).strip() == COMPLY for t in EVAL) for c, v in vec.items()}
    assert flips["toward_deploy"] == len(EVAL)
    assert flips["toward_test"] == 0
    assert flips["random"] < flips["toward_deploy"]
