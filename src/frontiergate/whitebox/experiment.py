"""The probe experiment end to end: data, activations, held-out designs, style shift, the run-scoring probe.

Why one driver: every figure in docs/awareness.md must be reproducible by one command
(``frontiergate awareness whitebox-probe``), and the CLI, the docs and the slow test must all compute
the same thing. Activations are cached (``activations.py``), so a rerun with the same model and
texts only refits the (cheap) probes.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from frontiergate.awareness.style_shift import REPHRASINGS
from frontiergate.whitebox.activations import POOLINGS, ActivationBatch, extract
from frontiergate.whitebox.loading import WhiteboxModel, describe
from frontiergate.whitebox.probes import (
    PROBE_KINDS,
    LinearProbe,
    ProbeText,
    auroc,
    auroc_ci,
    cluster_split,
    data_hash,
    designs,
    evaluate_design,
    fit_probe,
    framing_pairs,
    from_2x2,
)

STYLE_DESIGNS = ("2x2_random", "framings_random")


def build_rows(data_dir: Path | None, per_cell: int, n_seeds: int, seed: int = 0) -> list[ProbeText]:
    """The 2x2 rows (``per_cell`` of each cell) and the framing pairs of ``n_seeds`` scenario seeds."""
    from frontiergate.awareness.twobytwo import load_2x2, subsample

    rows: list[ProbeText] = []
    if data_dir is not None:
        rows += from_2x2(subsample(load_2x2(data_dir), per_cell, seed))
    if n_seeds > 0:
        rows += framing_pairs(n_seeds, seed)
    return rows


def choose_probe(rows: Sequence[ProbeText], batch: ActivationBatch, seed: int = 0) -> tuple[LinearProbe, float | None]:
    """The run-scoring probe: (kind, pooling, layer) with the best validation AUROC on a cluster split of
    *all* rows, refitted on all rows. Its generalisation figures are the designs', not this choice's.

    The returned validation AUROC is the *maximum* over every configuration searched on one small split, so
    it is optimistic (on activations without label information it reads well above 0.5). ``probe.meta``
    records what a reader needs to weigh it: ``val_n`` texts and ``val_clusters`` clusters of the split,
    and ``configs_searched`` (K)."""
    y = np.array([r.y for r in rows])
    tr, va = cluster_split(rows, 0.25, seed + 7)
    best: tuple[float, str, str, int] | None = None
    searched = 0
    for pooling in POOLINGS:
        acts = batch.pooled(pooling)
        for kind in PROBE_KINDS:
            for layer in range(acts.shape[1]):
                p = fit_probe(kind, acts[tr, layer], y[tr], layer, pooling)
                a = auroc(y[va], p.score(acts[va, layer]))
                searched += 1
                if a is not None and (best is None or a > best[0]):
                    best = (a, kind, pooling, layer)
    if best is None:
        raise ValueError("need both eval and deploy rows to fit a probe")
    a, kind, pooling, layer = best
    probe = fit_probe(kind, batch.pooled(pooling)[:, layer], y, layer, pooling)
    probe.meta = {"val_n": len(va), "val_clusters": len({rows[i].cluster for i in va}),
                  "configs_searched": searched}
    return probe, a


HELD_OUT_DESIGNS = ("2x2_random", "framings_random", "2x2_format_heldout", "framings_to_2x2", "2x2_to_framings")
"""Which design's test figure speaks for the run-scoring probe, in order of preference (in-distribution first)."""


def held_out_figure(results: Sequence[dict[str, Any]], kind: str, pooling: str) -> dict[str, Any] | None:
    """The held-out test AUROC (cluster-bootstrap CI) of the run-scoring probe's kind and pooling, from the first
    design of ``HELD_OUT_DESIGNS`` the data supports (layer chosen on that design's own validation part)."""
    for name in HELD_OUT_DESIGNS:
        for r in results:
            e = (r.get("kinds") or {}).get(kind)
            if r.get("design") == name and r.get("pooling") == pooling and e:
                return {"design": name, "auroc": e["best"]["auroc"], "ci": list(e["best"]["ci"]),
                        "layer": e["best_layer"], "n_test": r["n_test"], "test_clusters": r["test_clusters"]}
    return None


def probe_experiment(wb: WhiteboxModel, rows: Sequence[ProbeText], cache_dir: Path | None, *, seed: int = 0,
                     n_boot: int = 500, style_shift: Sequence[str] = ("to_casual",),
                     log: Any = None) -> tuple[dict[str, Any], LinearProbe]:
    """Per-layer AUROC (with cluster-bootstrap CIs) for every design × pooling × probe kind, the style-shift
    check on the test side of ``STYLE_DESIGNS``, and the run-scoring probe (returned, with its metadata)."""
    say = log or (lambda _msg: None)
    t0 = time.perf_counter()
    batch = extract(wb, [r.text for r in rows], cache_dir)
    say(f"activations: {len(rows)} texts, {batch.computed} computed, {batch.seconds:.0f}s")
    act_seconds = batch.seconds
    computed = batch.computed
    results: list[dict[str, Any]] = []
    for d in designs(rows, seed):
        shifted_batches: dict[str, ActivationBatch] = {}
        if d.name in STYLE_DESIGNS:
            for name in style_shift:
                fn = REPHRASINGS[name]
                shifted_batches[name] = extract(wb, [fn(rows[i].text) for i in d.test], cache_dir)
                act_seconds += shifted_batches[name].seconds
                computed += shifted_batches[name].computed
        for pooling in POOLINGS:
            shifted: dict[str, Callable[[], NDArray[np.float32]]] = {
                k: functools.partial(b.pooled, pooling) for k, b in shifted_batches.items()}
            results.append(evaluate_design(rows, batch.pooled(pooling), d, pooling, seed=seed, n_boot=n_boot,
                                           shifted=shifted or None))
        say(f"design {d.name}: done")
    probe, val = choose_probe(rows, batch, seed)
    n_texts = len(rows) + sum(len(d.test) for d in designs(rows, seed) if d.name in STYLE_DESIGNS) * len(style_shift)
    timing = {"texts_forwarded": computed, "activation_seconds": act_seconds,
              "seconds_per_text": act_seconds / computed if computed else None,
              "mean_prompt_tokens": float(np.mean(batch.n_tokens)) if batch.n_tokens else None,
              "texts_total": n_texts, "total_seconds": time.perf_counter() - t0}
    cells: dict[str, int] = {}
    for r in rows:
        cells[f"{r.source.split(':')[0]}|{r.cell}"] = cells.get(f"{r.source.split(':')[0]}|{r.cell}", 0) + 1
    meta = {**describe(wb), "data_hash": data_hash(rows), "n_rows": len(rows), "cells": cells,
            "clusters": len({r.cluster for r in rows}), "seed": seed}
    probe.meta = {**probe.meta, "model": wb.name, "model_hash": wb.model_hash, "val_auroc": val,
                  "data_hash": meta["data_hash"], "n_rows": len(rows),
                  "held_out": held_out_figure(results, probe.kind, probe.pooling),
                  # scenario seeds seen in training: a run's prompts from these seeds are in-sample for the probe
                  "train_seed_ids": sorted({r.cluster[5:] for r in rows if r.cluster.startswith("seed:")})}
    report = {"meta": meta, "timing": timing, "designs": results,
              "run_probe": {"kind": probe.kind, "pooling": probe.pooling, "layer": probe.layer, "val_auroc": val,
                            "val_n": probe.meta.get("val_n"), "val_clusters": probe.meta.get("val_clusters"),
                            "configs_searched": probe.meta.get("configs_searched"),
                            "held_out": probe.meta.get("held_out")},
              "summary": summarise(results)}
    return report, probe


def summarise(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per design × pooling × kind: the validation-chosen layer's test AUROC and style shift."""
    out: list[dict[str, Any]] = []
    for r in results:
        for kind, e in r["kinds"].items():
            row = {"design": r["design"], "pooling": r["pooling"], "kind": kind, "n_test": r["n_test"],
                   "test_clusters": r["test_clusters"], "layer": e["best_layer"], "auroc": e["best"]["auroc"],
                   "ci": e["best"]["ci"], "max_layer_auroc": max((x["auroc"] or 0.0) for x in e["layers"])}
            for name, s in (e.get("style_shift") or {}).items():
                row[f"{name}_auroc"] = s["auroc"]
                row[f"{name}_ci"] = s["ci"]
                row[f"{name}_retained"] = s["retained"]
            out.append(row)
    return out


def blackbox_comparison(wb: WhiteboxModel, rows: Sequence[ProbeText], probe_rows: Sequence[ProbeText],
                        cache_dir: Path | None, model_ref: str, n: int, seed: int = 0,
                        model_args: dict[str, Any] | None = None, n_boot: int = 500) -> dict[str, Any]:
    """The white-box probe, the direct question (``awareness/probing.py``) and the realism meter on the same
    ``n`` held-out items: a probe fitted on ``probe_rows`` (disjoint clusters) at its validation-chosen layer."""
    import random

    from inspect_ai.model import get_model

    from frontiergate.awareness.probing import probe_many
    from frontiergate.awareness.realism import RealismMeter

    rng = random.Random(f"bb:{seed}")
    by_label: dict[int, list[ProbeText]] = {0: [], 1: []}
    for r in rows:
        by_label[r.y].append(r)
    items: list[ProbeText] = []
    for lab in (1, 0):
        group = sorted(by_label[lab], key=lambda r: r.id)
        rng.shuffle(group)
        items += group[: n // 2]
    train_batch = extract(wb, [r.text for r in probe_rows], cache_dir)
    probe, _ = choose_probe(probe_rows, train_batch, seed)
    test_batch = extract(wb, [r.text for r in items], cache_dir)
    s_probe = probe.score(test_batch.pooled(probe.pooling)[:, probe.layer])
    t = time.perf_counter()
    meter = RealismMeter()
    s_real = np.asarray(meter.test_likeness([r.text for r in items]), dtype=np.float64)
    t_real = time.perf_counter() - t
    model = get_model(model_ref, **(model_args or {}))
    t = time.perf_counter()
    answers = asyncio.run(probe_many(model, [r.text for r in items], concurrency=1))
    t_direct = time.perf_counter() - t
    s_direct = np.array([a.p_eval for a in answers], dtype=np.float64)
    y = np.array([r.y for r in items])
    cl = [r.cluster for r in items]
    out: dict[str, Any] = {"n": len(items), "clusters": len(set(cl)), "model": model_ref,
                           "probe": {"kind": probe.kind, "pooling": probe.pooling, "layer": probe.layer,
                                     "fitted_on_rows": len(probe_rows)},
                           "unparsed_direct_answers": sum(len(a.answers) - a.parsed for a in answers),
                           "direct_answers": sum(len(a.answers) for a in answers),
                           "seconds": {"direct_question": t_direct, "realism_meter": t_real}, "methods": {}}
    for name, s in (("whitebox_probe", s_probe), ("direct_question", s_direct), ("realism_meter", s_real)):
        a, lo, hi = auroc_ci(y, s, cl, n_boot, seed)
        out["methods"][name] = {"auroc": a, "ci": [lo, hi]}
    return out
