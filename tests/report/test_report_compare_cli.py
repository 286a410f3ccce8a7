"""`frontiergate compare`, `report` and `runs`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mixed_run import POLICY, MixedRun
from typer.testing import CliRunner

from frontiergate.cli import app
from frontiergate.pipeline.run import RunOptions, start_run
from frontiergate.report.compare import compare_runs
from frontiergate.store.db import Store


def test_compare_a_run_with_itself_finds_no_change(mixed_run: MixedRun, tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    res = CliRunner().invoke(
        app,
        [
            "compare",
            mixed_run.run_id,
            str(mixed_run.run_dir),
            "--runs-dir",
            str(mixed_run.runs_dir),
            "--out",
            str(out),
        ],
        terminal_width=300,
    )
    assert res.exit_code == 0, res.output
    cmp = json.loads((out / "comparison.json").read_text())
    assert [p["target_a"] for p in cmp["pairs"]] == ["scripted/comply", "scripted/refuse"]
    heads = [
        f
        for p in cmp["pairs"]
        for f in p["findings"]
        if f["slice"] == "all" and f["metric"] == "attack_success_rate_change"
    ]
    assert heads and all(f["estimate"] == 0 and f["p_value"] == 1 for f in heads)
    assert (out / "comparison.md").read_text().startswith("# Run comparison")
    assert "<figure id='fig-compare-0' class='plot'><svg" in (out / "comparison.html").read_text()


@pytest.mark.slow
def test_compare_pairs_items_across_runs_and_tests_the_change(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    a = start_run(RunOptions(targets=["scripted/comply"], policy_path=str(POLICY), display="none", runs_dir=str(runs)))
    b = start_run(RunOptions(targets=["scripted/refuse"], policy_path=str(POLICY), display="none", runs_dir=str(runs)))
    store = Store(a.store_url)
    cmp = compare_runs(store, a.run_id, store, b.run_id)
    assert cmp["pairs"][0]["target_a"] == "scripted/comply" and cmp["pairs"][0]["target_b"] == "scripted/refuse"
    head = {
        f["domain"]: f
        for f in cmp["pairs"][0]["findings"]
        if f["slice"] == "all" and f["metric"] == "attack_success_rate_change"
    }
    assert set(head) == {"cyber", "chem_bio"}
    for f in head.values():
        assert f["estimate"] == -1.0 and f["n"] == 18
        assert f["p_value"] is not None and f["p_value"] < 0.01  # exact McNemar on 18 discordant pairs
        enough = f["details"]["enough_to_decide"]
        assert f["verdict"] == ("lower in B" if enough else "too few pairs to decide")
    assert not any("different policies" in x for x in cmp["limitations"])


def test_report_regenerates_identical_bytes_and_runs_lists_it(
    mixed_run: MixedRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    out = tmp_path / "again"
    res = CliRunner().invoke(
        app, ["report", mixed_run.run_id, "--runs-dir", str(mixed_run.runs_dir), "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    for name in ("report.json", "report.md", "report.html"):
        assert (out / name).read_bytes() == (mixed_run.run_dir / name).read_bytes(), name
    assert (out / "manifest.json").exists()
    res = CliRunner().invoke(app, ["runs", "--runs-dir", str(mixed_run.runs_dir)], terminal_width=300)
    assert res.exit_code == 0, res.output
    assert mixed_run.run_id in res.output and "scripted/comply: stop_scaling" in res.output
