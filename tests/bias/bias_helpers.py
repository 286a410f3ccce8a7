"""Helpers for the bias tests (a uniquely named module: several test folders have a conftest)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.log import EvalLog

from frontiergate.analysis.context import AnalysisContext


def run_eval(task: Task, model: str, tmp_path: Path, **kwargs: Any) -> EvalLog:
    logs = inspect_eval(
        task, model=model, log_dir=str(tmp_path / "logs"), display="none", log_realtime=False, **kwargs
    )
    assert len(logs) == 1
    assert logs[0].status == "success", logs[0].error
    return logs[0]


def context_from_log(log: EvalLog, tmp_path: Path, target: str = "scripted") -> AnalysisContext:
    """Ingest the log through the project's real store and load it back, as the pipeline does."""
    store, ctx = store_from_log(log, tmp_path, target)
    store.close()
    return ctx


def store_from_log(log: EvalLog, tmp_path: Path, target: str = "scripted") -> tuple[Any, AnalysisContext]:
    """Like ``context_from_log`` but also returns the open store (the caller closes it)."""
    from frontiergate.analysis.load import load_contexts
    from frontiergate.pipeline.ingest import ingest_log
    from frontiergate.store.db import Store
    from frontiergate.store.models import EvaluationRow, RunRow

    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    with store.session() as s:
        s.add(
            RunRow(
                id="r1",
                started_at=datetime(2026, 1, 1),
                code_version="test",
                policy_name="p",
                policy_sha256="0" * 64,
                policy_text="",
                targets=[target],
                out_dir=str(tmp_path),
            )
        )
        ev = EvaluationRow(run_id="r1", target=target, task="frontiergate/bias", domains=["ideological_bias"])
        s.add(ev)
        s.flush()
        ingest_log(s, ev, Path(log.location))
    return store, load_contexts(store, "r1")[target]
