"""Autonomy test fixtures: the scripted agents (tests only) and one shared pipeline run of the acting agent."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from inspect_ai.log import list_eval_logs, read_eval_log

sys.path.insert(0, str(Path(__file__).parent))
import scripted_agents  # noqa: E402,F401  (registers autonomy_script/act and autonomy_script/abstain)

from frontiergate.pipeline.run import RunOptions, start_run  # noqa: E402

POLICY = Path(__file__).parent / "data" / "autonomy_policy.yaml"


@pytest.fixture(scope="session")
def act_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``frontiergate run`` with the acting agent on every family (one story, four conditions)."""
    out = tmp_path_factory.mktemp("autonomy-run")
    opts = RunOptions(targets=["autonomy_script/act"], policy_path=str(POLICY), display="none",
                      runs_dir=str(out), out=str(out / "run"), store_url=f"sqlite:///{out}/fg.db")
    res = start_run(opts)
    logs = [read_eval_log(info) for info in list_eval_logs(str(Path(res.out_dir) / "logs"))]
    return {"report": res.report, "out": res.out_dir, "logs": logs}
