"""Probe arithmetic, cluster-aware splits and the experiment driver on the tiny in-process model."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from frontiergate.whitebox.experiment import probe_experiment
from frontiergate.whitebox.loading import WhiteboxModel
from frontiergate.whitebox.probes import (
    LinearProbe,
    ProbeText,
    auroc_ci,
    cluster_split,
    designs,
    fit_probe,
    retained,
)

EVAL = ["this is a test question", "evaluation benchmark question answer", "grading rubric score this answer",
        "this is a benchmark test", "question answer the rubric", "score this evaluation question"]
DEPLOY = ["hey so can you help me with my homework", "please help me bake bread tonight thanks",
          "can you explain my homework", "hey help me tonight thanks", "so can you help me with bread",
          "please explain how to bake bread"]


def _rows() -> list[ProbeText]:
    rows: list[ProbeText] = []
    for i, t in enumerate(EVAL):
        rows.append(ProbeText(f"e{i}", t, "eval", "benchmark" if i % 2 else "freeform", "2x2:x", f"2x2:e{i}"))
        rows.append(ProbeText(f"fe{i}", t + " please", "eval", "benchmark", "framings:d", f"seed:{i}"))
    for i, t in enumerate(DEPLOY):
        rows.append(ProbeText(f"d{i}", t, "deploy", "freeform" if i % 2 else "benchmark", "2x2:y", f"2x2:d{i}"))
        rows.append(ProbeText(f"fd{i}", t + " what", "deploy", "freeform", "framings:d", f"seed:{i}"))
    return rows


def test_mean_difference_probe_is_the_class_mean_direction() -> None:
    x = np.array([[2.0, 0.0], [4.0, 0.0], [0.0, 1.0], [0.0, 3.0]], dtype=np.float32)
    y = np.array([1, 1, 0, 0])
    p = fit_probe("mean_diff", x, y, layer=3, pooling="mean")
    d = np.array([3.0, -2.0])
    cos = float(p.w @ d / (np.linalg.norm(p.w) * np.linalg.norm(d)))
    assert cos > 0.999
    mid = np.array([[1.5, 1.0]], dtype=np.float32)  # halfway between the class means scores 0
    assert abs(float(p.score(mid)[0])) < 1e-9
    assert (p.score(x[:2]) > 0).all() and (p.score(x[2:]) < 0).all()


def test_probe_roundtrip(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 8)).astype(np.float32)
    y = (x[:, 0] > 0).astype(int)
    p = fit_probe("logistic", x, y, layer=1, pooling="last")
    p.meta = {"model": "m"}
    p.save(tmp_path / "p.npz")
    q = LinearProbe.load(tmp_path / "p.npz")
    np.testing.assert_allclose(p.score(x), q.score(x))
    assert (q.kind, q.layer, q.pooling, q.meta["model"]) == ("logistic", 1, "last", "m")


def test_cluster_split_keeps_clusters_together() -> None:
    rows = _rows()
    tr, te = cluster_split(rows, 0.5, seed=1)
    assert set(tr).isdisjoint(te) and len(tr) + len(te) == len(rows)
    assert not {rows[i].cluster for i in tr} & {rows[i].cluster for i in te}
    names = {d.name for d in designs(rows)}
    assert names == {"2x2_random", "2x2_format_heldout", "framings_random", "framings_to_2x2", "2x2_to_framings"}


def test_auroc_ci_brackets_the_point_and_is_deterministic() -> None:
    y = np.array([1] * 20 + [0] * 20)
    s = np.concatenate([np.linspace(0.3, 1, 20), np.linspace(0, 0.7, 20)])
    cl = [str(i // 2) for i in range(40)]
    a, lo, hi = auroc_ci(y, s, cl, 300, seed=0)
    assert a is not None and lo is not None and hi is not None and lo <= a <= hi
    assert auroc_ci(y, s, cl, 300, seed=0) == (a, lo, hi)
    assert abs((retained(0.9, 0.7) or 0) - 0.5) < 1e-9 and retained(0.5, 0.7) is None


def test_probe_experiment_separates_a_planted_cue(tiny: WhiteboxModel, tmp_path: Path) -> None:
    report, probe = probe_experiment(tiny, _rows(), tmp_path, n_boot=20)
    assert report["meta"]["n_rows"] == 24 and report["timing"]["texts_forwarded"] > 0
    rand = [r for r in report["summary"] if r["design"] == "framings_random" and r["kind"] == "logistic"]
    assert rand and all(r["auroc"] is not None for r in rand)
    assert "to_casual_auroc" in rand[0]
    assert probe.meta["model_hash"] == tiny.model_hash and 0 <= probe.layer <= tiny.n_layers
