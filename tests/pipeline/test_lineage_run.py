"""Lineage: a run is compared with the previous finished run of its model lineage (the policy's
``lineage``, or ``--previous RUN_ID``), paired on the items both answered, and a risk that grew is
flagged even when its level stayed the same.

The adversarial case is a successor model that leaks more (``leaky/75`` after ``leaky/50``, see
``mitigation_models.py``) but stays inside the same ``medium`` band, so level-by-level nothing
changed; the honest control is the same model run again.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import mitigation_models  # noqa: F401  (registers leaky/)
import pytest
from mitigation_models import DATA

from frontiergate.cli import main
from frontiergate.pipeline.lineage import pair_targets, resolve_previous
from frontiergate.pipeline.run import RunOptions, RunResult, resume_run, start_run
from frontiergate.store import Store
from frontiergate.store.models import RunRow

POLICY = DATA / "lineage_policy.yaml"
FAST = ["--display", "none", "--max-retries", "1", "--retry-on-error", "0", "--attempt-timeout", "10"]


def store() -> Store:
    return Store(f"sqlite:///{Path('runs').resolve() / 'frontiergate.db'}")


def run(model: str, **kw: Any) -> RunResult:
    opts = RunOptions(
        targets=[model], policy_path=str(POLICY), display="none", max_retries=1, retry_on_error=0, **kw
    )
    return start_run(opts)


def overall(report: dict[str, Any], model: str) -> dict[str, Any]:
    found = [t for t in report["targets"] if t["model"] == model]
    assert len(found) == 1
    ov: dict[str, Any] = found[0]["decision"]["overall"]
    return ov


def cli(*args: str) -> int:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    return int(exc.value.code or 0)


def test_a_risk_that_grew_inside_its_level_is_flagged() -> None:
    first = run("leaky/50")
    assert overall(first.report, "leaky/50")["lineage"] is None  # the lineage's first run
    level = first.report["targets"][0]["decision"]["domains"]["cyber"]["level"]
    assert level == "medium"

    # control: the same model again; same level, and its risk did not grow
    same = run("leaky/50")
    lin = overall(same.report, "leaky/50")["lineage"]
    assert lin["previous_run"] == first.run_id and lin["previous_target"] == "leaky/50"
    cyber = lin["domains"]["cyber"]
    assert cyber["paired"] is True and cyber["n_pairs"] == 24, cyber
    assert cyber["grew"] is False, cyber
    row = store().get_run(same.run_id)
    assert row is not None
    assert row.options["lineage"] == "test-line" and row.options["previous"] == first.run_id
    assert row.options["previous_from"] == "lineage test-line"

    # the successor leaks on a superset of the items, still at medium: the comparison says it grew
    assert cli("run", "--model", "leaky/75", "--previous", first.run_id, "--policy", str(POLICY), *FAST) == 0
    worse = max(store().list_runs(), key=lambda r: (r.started_at, r.finished_at or r.started_at))
    assert worse.id not in (first.run_id, same.run_id)
    report = json.loads((Path(worse.out_dir) / "report.json").read_text())
    assert worse.options["previous"] == first.run_id and worse.options["previous_from"] == "--previous"
    lin = overall(report, "leaky/75")["lineage"]
    assert lin["previous_run"] == first.run_id and lin["previous_target"] == "leaky/50"
    cyber = lin["domains"]["cyber"]
    assert cyber["level_before"] == cyber["level_after"] == "medium", cyber
    assert cyber["paired"] is True and cyber["n_pairs"] == 24, cyber
    assert cyber["change"] > 0 and cyber["grew"] is True, cyber
    assert cyber["text"]

    # a resume compares with the same run and reaches the same comparison
    again = resume_run(worse.id, display="none")
    assert overall(again.report, "leaky/75")["lineage"] == lin


def test_unknown_previous_run_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli("run", "--model", "leaky/50", "--previous", "no-such-run", "--policy", str(POLICY), *FAST)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "--previous: no run 'no-such-run'" in err and "fix:" in err and "Traceback" not in err
    assert not [p for p in Path("runs").iterdir() if p.is_dir()]  # nothing ran


def _row(s: Store, run_id: str, status: str, lineage: str | None, minute: int) -> None:
    with s.session() as sess:
        sess.add(
            RunRow(
                id=run_id,
                started_at=datetime(2025, 1, 1, 12, minute),
                finished_at=datetime(2025, 1, 1, 12, minute, 30),
                status=status,
                code_version="test",
                policy_name="p",
                policy_sha256="0" * 64,
                policy_text="name: p\n",
                targets=["leaky/50"],
                options={"lineage": lineage} if lineage else {},
                out_dir=".",
            )
        )


def test_unfinished_previous_run_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    _row(store(), "cut-short", "incomplete", "test-line", 1)
    code = cli("run", "--model", "leaky/50", "--previous", "cut-short", "--policy", str(POLICY), *FAST)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "run 'cut-short' is incomplete, not finished" in err and "--resume cut-short" in err


def test_the_latest_finished_run_of_the_same_lineage_is_chosen() -> None:
    s = store()
    _row(s, "old", "complete", "test-line", 1)
    _row(s, "latest", "complete", "test-line", 2)
    _row(s, "other-line", "complete", "another-line", 3)
    _row(s, "unfinished", "incomplete", "test-line", 4)
    _row(s, "crashed", "running", "test-line", 5)
    assert resolve_previous(s, None, "test-line") == ("latest", "lineage test-line")
    assert resolve_previous(s, None, "no-such-line") == (None, None)
    assert resolve_previous(s, None, None) == (None, None)
    assert resolve_previous(s, "old", "test-line") == ("old", "--previous")  # named explicitly


def test_targets_pair_by_name_then_primary_then_safeguarded() -> None:
    assert pair_targets(["m/1"], ["m/2"]) == {"m/2": "m/1"}
    assert pair_targets(["m/1", "safeguarded/m/1"], ["m/2", "safeguarded/m/2"]) == {
        "m/2": "m/1",
        "safeguarded/m/2": "safeguarded/m/1",
    }
    # a safeguarded configuration is never compared with a raw model
    assert pair_targets(["m/1"], ["m/2", "safeguarded/m/2"]) == {"m/2": "m/1"}
    assert pair_targets(["m/1", "safeguarded/m/1"], ["m/2"]) == {"m/2": "m/1"}
    # a target in both runs is compared with itself; the primary then pairs only with what is left
    assert pair_targets(["a/x", "b/y"], ["b/y", "c/z"]) == {"b/y": "b/y"}
    assert pair_targets(["a/x"], ["a/x", "c/z"]) == {"a/x": "a/x"}
