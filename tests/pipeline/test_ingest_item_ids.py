"""Two scenario files whose ids collide are refused at ingest, never filed under one domain."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import Sample
from inspect_ai.solver import generate

from frontiergate.errors import DataFileError
from frontiergate.pipeline.ingest import ingest_log
from frontiergate.store.db import Store
from frontiergate.store.models import EvaluationRow, RunRow


def _log(tmp_path: Path, name: str, domain: str, seed: str) -> Path:
    meta = {"item_id": "ext-1|none|plain", "seed_id": seed, "domain": domain, "harmful": True}
    task = Task(dataset=[Sample(input="a request", metadata=meta)], solver=generate(), name=name)
    (log,) = inspect_eval(task, model="mockllm/model", log_dir=str(tmp_path / name), display="none")
    return Path(log.location)


def _ingest(tmp_path: Path, logs: list[tuple[str, Path]]) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    with store.session() as s:
        s.add(RunRow(id="r1", started_at=datetime(2026, 1, 1), code_version="t", policy_name="p",
                     policy_sha256="0" * 64, policy_text="", targets=["m"], out_dir=str(tmp_path)))
        for domain, path in logs:
            ev = EvaluationRow(run_id="r1", target="m", task="frontiergate/misuse", domains=[domain],
                               task_args_key=str(path))
            s.add(ev)
            s.flush()
            ingest_log(s, ev, path)
    return store


def test_the_same_id_for_two_different_items_is_refused(tmp_path: Path) -> None:
    cyber, bio = _log(tmp_path, "cyber", "cyber", "ext-1"), _log(tmp_path, "bio", "chem_bio", "ext-1")
    with pytest.raises(DataFileError, match="names two different items"):
        _ingest(tmp_path, [("cyber", cyber), ("chem_bio", bio)])


def test_the_same_item_seen_again_is_fine(tmp_path: Path) -> None:
    a, b = _log(tmp_path, "a", "cyber", "ext-1"), _log(tmp_path, "b", "cyber", "ext-1")
    _ingest(tmp_path, [("cyber", a), ("cyber", b)]).close()
