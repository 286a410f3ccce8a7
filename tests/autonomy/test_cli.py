"""`inspect eval frontiergate/autonomy --model mockllm/model` works outside our CLI, and the stats CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frontiergate.cli import app
from frontiergate.envs.scenarios import FAMILIES, family_counts


def test_scenarios_stats_lists_the_families() -> None:
    res = CliRunner().invoke(app, ["scenarios", "stats", "--domain", "autonomy"])
    assert res.exit_code == 0, res.output
    for fam, n in family_counts().items():
        assert fam in res.output and str(n) in res.output


@pytest.mark.slow
def test_inspect_eval_with_mockllm(tmp_path: Path) -> None:
    inspect = Path(sys.executable).parent / "inspect"
    proc = subprocess.run(
        [str(inspect), "eval", "frontiergate/autonomy", "--model", "mockllm/model", "-T", "max_scenarios=1",
         "-T", "max_turns=2", "--log-dir", str(tmp_path), "--log-format", "json", "--display", "none"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    logs = list(tmp_path.glob("*.json"))
    assert len(logs) == 1
    data = json.loads(logs[0].read_text())
    assert data["status"] == "success"
    assert {s["metadata"]["category"] for s in data["samples"]} == set(FAMILIES)
    assert all("predicates" in s["scores"]["autonomy"]["metadata"] for s in data["samples"])
