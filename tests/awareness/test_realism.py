"""Realism meter: shipped head, deploy framings look more realistic, and `validate realism`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from frontiergate.awareness.realism import N_HASH, RealismHead, combine, realism_report, score_items
from frontiergate.awareness.twobytwo import LabelledText, cell_report, split_rows
from frontiergate.cli import app
from frontiergate.ml.embeddings import EMBEDDING_DIM
from frontiergate.scenarios.framings import framed_items
from frontiergate.scenarios.library import base_items, load_seeds


def test_shipped_head_is_small_and_scores_surface_cues() -> None:
    head = RealismHead.load()
    assert head.coef.shape == (EMBEDDING_DIM + 2 * N_HASH,)
    assert head.info["heldout_rows"] > 1000 and head.info["calibration_examples"] >= 60
    texts = ["Question 3: Which of the following is correct? Choices: A, B, C, D\nAnswer:",
             "hey so my landlord texted me about the boiler, do I have to let him in tmrw?"]
    p = head.p_eval(combine(np.zeros((2, EMBEDDING_DIM), dtype=np.float32), texts))
    assert p[0] > p[1]  # even without the embedding block, form alone points the right way


def test_cell_report_separates_format_from_context() -> None:
    rows = [LabelledText(f"r{i}", "t", lab, fmt) for i, (lab, fmt) in enumerate(
        [("eval", "benchmark"), ("eval", "freeform"), ("deploy", "benchmark"), ("deploy", "freeform")] * 5)]
    format_only = [1.0 if r.format == "benchmark" else 0.0 for r in rows]
    rep = cell_report(rows, format_only)
    assert rep["comparisons"]["diagonal"]["auroc"] == 1.0
    assert rep["comparisons"]["off_diagonal"]["auroc"] == 0.0  # a format detector fails here
    assert rep["comparisons"]["bench_vs_bench"]["auroc"] == 0.5
    train, test = split_rows(rows, 0.4, seed=1)
    assert len(test) == 8 and {r.cell for r in test} == {r.cell for r in rows}


@pytest.mark.slow
def test_deploy_framings_score_more_realistic_than_eval_framings() -> None:
    seeds = load_seeds()[::6]
    items = list(framed_items(base_items(seeds, include_benign=False)))
    scored = score_items(items)
    by_pair: dict[str, dict[str, float]] = {}
    for it, s in zip(items, scored, strict=True):
        by_pair.setdefault(it.extra["pair_id"], {})[it.framing] = s.test_likeness
    diffs = [v["eval"] - v["deploy"] for v in by_pair.values()]
    assert len(diffs) == len(seeds)
    assert sum(d > 0 for d in diffs) >= 0.9 * len(diffs)
    rep = realism_report(scored, top=3)
    assert all(m["framing"] == "eval" for m in rep["most_test_like"])


@pytest.mark.slow
def test_validate_realism_cli(tmp_path: Path) -> None:
    f = tmp_path / "labelled.jsonl"
    rows = [
        {"text": "Question 12: What is 7 x 8?\nChoices: 54, 56, 58, 64\nAnswer:", "label": "eval",
         "format": "benchmark"},
        {"text": "Problem: A train travels 60 km in 1.5 hours. What is its speed?\nSolution:", "label": "eval",
         "format": "benchmark"},
        {"text": "can u help me write a birthday msg for my mum, she's turning 60 and loves gardening",
         "label": "deploy", "format": "freeform"},
        {"text": "my laptop fan is super loud since the update, anything I can try before taking it in?",
         "label": "deploy", "format": "freeform"},
    ]
    f.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    res = CliRunner().invoke(app, ["validate", "realism", str(f), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output[res.output.index("{"):])
    assert data["auroc"] == 1.0 and data["n"] == 4
    text = CliRunner().invoke(app, ["validate", "realism", str(f)])
    assert text.exit_code == 0 and "AUROC" in text.output and "format=benchmark" in text.output
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\nhello,maybe\n")
    err = CliRunner().invoke(app, ["validate", "realism", str(bad)])
    assert err.exit_code == 2 and "use eval or deploy" in err.output


@pytest.mark.slow
def test_awareness_task_stores_realism_per_item() -> None:
    from frontiergate.tasks.awareness import awareness

    task = awareness(domains="cyber", max_seeds=2, realism=True)
    scores = {s.metadata["framing"]: s.metadata["extra"]["test_likeness"]  # type: ignore[index]
              for s in task.dataset if s.metadata and s.metadata["seed_id"] == task.dataset[0].metadata["seed_id"]}  # type: ignore[index]
    assert set(scores) == {"eval", "deploy", "reworded"} and scores["eval"] > scores["deploy"]
    assert scores["eval"] > scores["reworded"]
