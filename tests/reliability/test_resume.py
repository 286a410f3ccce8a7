"""A run killed with SIGKILL resumes without redoing finished samples and without losing any."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from frontiergate.store import SampleRow, Store

TESTS = Path(__file__).resolve().parents[1]
DRIVER = f"import sys; sys.path.insert(0, {str(TESTS)!r}); import scripted; from frontiergate.cli import main; main()"


def _policy(tmp_path: Path) -> Path:
    text = (TESTS / "data" / "misuse_only_policy.yaml").read_text().replace("max_seeds: 6", "max_seeds: 5")
    p = tmp_path / "policy.yaml"
    p.write_text(text)
    return p


@pytest.mark.slow
def test_sigkill_then_resume_loses_and_repeats_nothing(tmp_path: Path) -> None:
    calls = tmp_path / "calls.txt"
    cmd = [
        sys.executable,
        "-c",
        DRIVER,
        "run",
        "--model",
        "scripted/refuse",
        "-M",
        f"calls_file={calls}",
        "-M",
        "delay=0.4",
        "--policy",
        str(_policy(tmp_path)),
        "--display",
        "none",
        "--max-connections",
        "2",
        # nothing reaches the .eval log before the kill: the journal alone must carry the finished samples
        "--log-buffer",
        "50",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and (not calls.exists() or len(calls.read_text().splitlines()) < 9):
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = len(calls.read_text().splitlines())
    assert 9 <= before < 20, "the kill must land mid-run"
    run_id = next(p.name for p in (tmp_path / "runs").iterdir() if p.is_dir())
    journal = tmp_path / "runs" / run_id / "journal"
    journaled = sum(len(f.read_text().splitlines()) for f in journal.glob("*.jsonl"))
    assert journaled >= before - 2, (journaled, before)

    res = subprocess.run(
        [sys.executable, "-c", DRIVER, "run", "--resume", run_id, "--display", "none"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    total = len(calls.read_text().splitlines())
    # 20 single-turn samples need 20 calls; at most the 2 requests in flight at the kill are sent again
    assert 20 <= total <= 22, total
    store = Store(f"sqlite:///{tmp_path / 'runs' / 'frontiergate.db'}")
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(SampleRow)) == 20
        assert s.scalar(select(func.count()).select_from(SampleRow).where(SampleRow.error.is_not(None))) == 0
    assert (tmp_path / "runs" / run_id / "report.json").exists()
    assert not journal.exists(), "a completed run keeps no journal: its samples are all in the logs"


def test_resume_unknown_run_is_a_usage_error(tmp_path: Path) -> None:
    res = subprocess.run(
        [sys.executable, "-c", DRIVER, "run", "--resume", "no-such-run", "--display", "none"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2
    assert "no run 'no-such-run'" in res.stderr and "Traceback" not in res.stderr
