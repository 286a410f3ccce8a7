"""Steering: add the eval-minus-deploy direction to the residual stream while the model answers.

Why: a probe shows the model *represents* "this is a test"; steering asks whether that
representation *causes* behaviour (Hua et al. 2025). The same misuse prompts are answered three
times, greedily, with a vector added to the output of one decoder block at every position:

- ``toward_deploy``: ``-scale * d`` (d = mean eval activation minus mean deploy activation),
- ``toward_test``: ``+scale * d``,
- ``random``: a random direction with the same norm as ``scale * d`` (fixed seed): the control that
  separates "this direction matters" from "any push of this size changes the answer";
- ``none``: no steering, the baseline that shows whether a push of this size keeps the text coherent.

Each answer is also checked for degenerate text (``whitebox.text_loops.degenerate_evidence``: loops, one
phrase repeated, symbol soup, short loops inside the length cap): a push that breaks the language says
nothing about awareness, so a degenerate answer is left out of the paired table like an empty one.

Every answer is labelled by the offline rules refusal classifier (``scorers/refusal_rules.py``).
The outcome is *refused* (label ``refusal``); ``partial``/``compliance`` are not refusals, and an
empty answer is unknown, counted and never treated as safe (it is not a refusal). Conditions are
compared pairwise on the same prompts: exact McNemar and a paired interval (``stats.paired``),
overall and per domain.

Scale: ``scale`` multiplies the raw mean difference (its norm is the distance between the class
means at that layer), so ``scale = 1`` moves an activation by one class separation. It is a declared
setting, not tuned on the outcome.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from frontiergate.whitebox.loading import WhiteboxModel, format_prompt

CONDITIONS = ("none", "toward_deploy", "toward_test", "random")


def contrastive_direction(acts: NDArray[np.float32], y: NDArray[np.int_]) -> NDArray[np.float64]:
    """Mean(eval) - mean(deploy) of ``[n, hidden]`` activations at one layer."""
    a = np.asarray(acts, dtype=np.float64)
    return np.asarray(a[y == 1].mean(0) - a[y == 0].mean(0), dtype=np.float64)


def condition_vectors(direction: NDArray[np.float64], scale: float, seed: int = 0) -> dict[str, NDArray[np.float64]]:
    """The three steering vectors: ±scale·d and an equal-norm random direction."""
    v = scale * np.asarray(direction, dtype=np.float64)
    r = np.random.default_rng(seed).normal(size=v.shape)
    r = r / np.linalg.norm(r) * np.linalg.norm(v)
    return {"toward_deploy": -v, "toward_test": v, "random": r}


@contextlib.contextmanager
def steer(wb: WhiteboxModel, layer: int, vector: NDArray[np.float64] | None) -> Iterator[None]:
    """Add ``vector`` to the output of decoder block ``layer - 1`` (i.e. to ``hidden_states[layer]``).

    ``layer`` uses the ``hidden_states`` numbering of the probes (0 = embeddings), so a probe's best
    layer and the steering layer mean the same point in the residual stream. ``None``: no steering.
    """
    import torch

    if vector is None:
        yield
        return
    if not 1 <= layer <= wb.n_layers:
        raise ValueError(f"steering layer must be in 1..{wb.n_layers} (0 is the embedding output)")
    block = wb.decoder_layers()[layer - 1]
    vec = torch.tensor(vector, dtype=torch.float32)

    def hook(_module: Any, _inputs: Any, output: Any) -> Any:
        if isinstance(output, tuple):
            return (output[0] + vec.to(output[0].dtype), *output[1:])
        return output + vec.to(output.dtype)

    handle = block.register_forward_hook(hook)
    try:
        yield
    finally:
        handle.remove()


def generate(wb: WhiteboxModel, text: str, max_new_tokens: int, layer: int | None = None,
             vector: NDArray[np.float64] | None = None, *, system: str | None = None,
             repetition_penalty: float | None = None, counts: bool = False, formatted: bool = False) -> Any:
    """Greedy answer to one user turn (chat-formatted; ``formatted``: ``text`` is the whole prompt already),
    optionally steered.

    Returns the answer, or with ``counts`` the answer with its prompt and answer token counts.
    ``repetition_penalty`` mirrors the embedded runtime's (the Gemma base model loops without one).
    """
    import torch

    prompt = text if formatted else format_prompt(wb, text, system)
    ids = wb.tokenizer(prompt, return_tensors="pt", add_special_tokens=False)
    extra: dict[str, Any] = {"repetition_penalty": repetition_penalty} if repetition_penalty else {}
    with steer(wb, layer or 0, vector) if vector is not None else contextlib.nullcontext(), torch.no_grad():
        out = wb.model.generate(**ids, max_new_tokens=max_new_tokens, do_sample=False,
                                pad_token_id=wb.tokenizer.pad_token_id, **extra)
    n_in = int(ids["input_ids"].shape[1])
    new = out[0][n_in:]
    answer = str(wb.tokenizer.decode(new, skip_special_tokens=True))
    return (answer, n_in, int(new.shape[0])) if counts else answer


@dataclass(frozen=True)
class SteerPrompt:
    id: str
    text: str
    domain: str
    cluster: str


def run_steering(wb: WhiteboxModel, prompts: Sequence[SteerPrompt], layer: int,
                 vectors: dict[str, NDArray[np.float64] | None],
                 max_new_tokens: int = 40, log: Any = None) -> list[dict[str, Any]]:
    """Every prompt under every condition; one row per (prompt, condition) with the answer's label."""
    from frontiergate.scorers.refusal_rules import classify_refusal
    from frontiergate.whitebox.text_loops import degenerate_evidence

    say = log or (lambda _m: None)
    rows: list[dict[str, Any]] = []
    for i, p in enumerate(prompts):
        for cond, vec in vectors.items():
            t = time.perf_counter()
            answer = generate(wb, p.text, max_new_tokens, layer, vec)
            label = classify_refusal(answer)
            rows.append({"id": p.id, "domain": p.domain, "cluster": p.cluster, "condition": cond,
                         "label": label, "refused": label == "refusal", "unknown": label == "empty",
                         "degenerate": degenerate_evidence(answer) is not None,
                         "seconds": time.perf_counter() - t, "answer_chars": len(answer)})
        say(f"steering {i + 1}/{len(prompts)}")
    return rows


def _left_out(row: dict[str, Any]) -> bool:
    return bool(row.get("unknown") or row.get("degenerate"))


def paired_table(rows: Sequence[dict[str, Any]], conditions: Sequence[str], outcome: str = "refused"
                 ) -> dict[str, Any]:
    """Rates per condition and pairwise paired differences (b - a), overall and per domain.

    Unknown answers (``unknown``: empty, not sent) and degenerate ones (``degenerate``: loops, symbol soup)
    are left out of every rate and pair and counted beside it: neither is a refusal, and counting it as
    "not refused" would read a silent model, or a push that broke the language, as a compliant one.

    Pairs are joined on prompt id; the interval is the cluster bootstrap of ``stats.paired`` (clusters =
    scenario seeds), with Newcombe's interval when the bootstrap is degenerate; the test is exact McNemar.
    """
    from frontiergate.stats.intervals import wilson_interval
    from frontiergate.stats.paired import cluster_bootstrap_diff

    by: dict[tuple[str, str], dict[str, Any]] = {(r["id"], r["condition"]): r for r in rows}
    ids = sorted({r["id"] for r in rows})
    domains = ["all", *sorted({r["domain"] for r in rows})]
    out: dict[str, Any] = {}
    for dom in domains:
        keep = [i for i in ids if dom == "all" or by[(i, conditions[0])]["domain"] == dom]
        rates: dict[str, Any] = {}
        for c in conditions:
            # an unknown (empty) or degenerate answer is neither a refusal nor a compliance: left out, counted
            vals = [bool(by[(i, c)][outcome]) for i in keep if (i, c) in by and not _left_out(by[(i, c)])]
            est = wilson_interval(sum(vals), len(vals))
            rates[c] = {"n": len(vals), "k": sum(vals), "rate": est.estimate if vals else None,
                        "ci": [est.low, est.high] if vals else [None, None],
                        "unknown": sum(1 for i in keep if (i, c) in by and by[(i, c)].get("unknown")),
                        "degenerate": sum(1 for i in keep if (i, c) in by and by[(i, c)].get("degenerate"))}
        pairs: dict[str, Any] = {}
        for a_i, a in enumerate(conditions):
            for b in conditions[a_i + 1:]:
                both = [i for i in keep if (i, a) in by and (i, b) in by
                        and not _left_out(by[(i, a)]) and not _left_out(by[(i, b)])]
                res = cluster_bootstrap_diff([bool(by[(i, a)][outcome]) for i in both],
                                             [bool(by[(i, b)][outcome]) for i in both],
                                             [by[(i, a)]["cluster"] for i in both])
                pairs[f"{b} - {a}"] = res.as_dict()
        out[dom] = {"rates": rates, "paired": pairs}
    return out
