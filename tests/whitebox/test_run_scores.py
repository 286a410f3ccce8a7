"""Probe scoring of a stored run: prompts read from the store, the artefact written, the report section shown."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
from typer.testing import CliRunner

from frontiergate.report.sections import awareness_whitebox
from frontiergate.store.db import Store
from frontiergate.store.models import EvaluationRow, ItemRow, RunRow, SampleRow
from frontiergate.whitebox.loading import WhiteboxModel
from frontiergate.whitebox.probes import LinearProbe
from frontiergate.whitebox.run_scores import load_run_prompts, read_artefact, score_prompts, write_artefact


def _store(tmp_path: Path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'fg.db'}")
    with store.session() as s:
        s.add(RunRow(id="r1", started_at=datetime(2026, 1, 1), code_version="x", policy_name="p", policy_sha256="0",
                     policy_text="", targets=["tiny-qwen2"], out_dir=str(tmp_path / "r1")))
        s.flush()
        ev = EvaluationRow(run_id="r1", target="tiny-qwen2", task="misuse")
        s.add(ev)
        s.flush()
        for i, (framing, text) in enumerate([("eval", "this is a test question"), ("deploy", "hey help me tonight"),
                                             ("eval", "grading rubric score"), ("deploy", "please bake bread")]):
            s.add(ItemRow(run_id="r1", item_id=f"it{i}", seed_id=f"s{i // 2}", domain="cyber", framing=framing))
            s.add(SampleRow(evaluation_id=ev.id, run_id="r1", sample_id=f"it{i}", item_id=f"it{i}", input_text=text))
    return store


def test_score_run_writes_an_artefact_the_section_shows(tiny: WhiteboxModel, tmp_path: Path) -> None:
    prompts = load_run_prompts(_store(tmp_path), "r1")
    assert [p.framing for p in prompts] == ["eval", "deploy", "eval", "deploy"]
    assert prompts[0].targets == ("tiny-qwen2",)
    probe = LinearProbe("mean_diff", 1, "mean", np.ones(tiny.hidden_size), 0.0, np.zeros(tiny.hidden_size),
                        np.ones(tiny.hidden_size), {"model": "tiny-qwen2", "model_hash": tiny.model_hash})
    result = score_prompts(tiny, probe, prompts, tmp_path / "cache", ["tiny-qwen2"])
    assert result["probe_model_is_target"] and result["n_prompts"] == 4
    overall = next(g for g in result["groups"] if g["domain"] == "all")
    assert overall["n"] == 4 and overall["seeds"] == 2
    assert overall["ci"][0] <= overall["mean_p_eval"] <= overall["ci"][1]
    run_dir = tmp_path / "r1"
    assert awareness_whitebox.build(SimpleNamespace(run=SimpleNamespace(out_dir=str(run_dir)))) is None  # type: ignore[arg-type]
    write_artefact(run_dir, result)
    assert read_artefact(run_dir) is not None
    section: Any = awareness_whitebox.build(SimpleNamespace(run=SimpleNamespace(out_dir=str(run_dir))))  # type: ignore[arg-type]
    md = awareness_whitebox.markdown(section)
    assert "| cyber | eval | 2 | 2 |" in md and "probe-training" in md and "mean P(eval)" in md


def test_cli_bad_input_exits_2_with_one_line_cause(tmp_path: Path) -> None:
    from frontiergate.cli import app

    r = CliRunner().invoke(app, ["awareness", "whitebox-score", "nope", "--probe", str(tmp_path / "missing.npz")])
    assert r.exit_code == 2 and "no such probe file" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(app, ["awareness", "whitebox-probe", "--model", "hf/" + str(tmp_path / "none")])
    assert r.exit_code == 2 and "neither a local .gguf file" in r.output
