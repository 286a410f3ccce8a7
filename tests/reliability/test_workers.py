"""``--workers`` and ``--part-size``: the same evidence as one process, and a killed run still resumes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from sqlalchemy import func, select

from frontiergate.devtools.openai_stub import OpenAIStub, StubConfig
from frontiergate.pipeline.run import RunOptions, start_run
from frontiergate.report.integrity import verify_run
from frontiergate.store import EvaluationRow, SampleRow, Store

CLI = "from frontiergate.cli import main; main()"


def _findings(report: dict[str, object]) -> list[tuple[str, str, str, int, float]]:
    (target,) = report["targets"]  # type: ignore[index]
    return sorted(
        (f["domain"], f["metric"], f["slice"], f["n"], f["estimate"])
        for f in target["findings"]  # type: ignore[index]
    )


@pytest.mark.slow
def test_workers_and_parts_give_the_same_evidence_as_one_process(
    tmp_path: Path, misuse_policy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stub = OpenAIStub(StubConfig(latency_s=0.02)).start()
    monkeypatch.setenv("STUB_API_KEY", "not-a-secret")
    try:
        runs = {}
        for name, workers, part_size in (("single", 1, 0), ("sharded", 2, 5)):
            before = stub.stats.requests
            res = start_run(
                RunOptions(
                    targets=["openai-api/stub/stub-model"],
                    policy_path=str(misuse_policy),
                    model_base_url=stub.base_url,
                    out=str(tmp_path / name),
                    runs_dir=str(tmp_path / "runs"),
                    display="none",
                    max_connections=8,
                    workers=workers,
                    part_size=part_size,
                )
            )
            runs[name] = (res, stub.stats.requests - before)
    finally:
        stub.stop()
    (single, single_calls), (sharded, sharded_calls) = runs["single"], runs["sharded"]
    assert sharded_calls == single_calls == 30  # 24 items; 4 multi-turn items add 6 turns
    assert _findings(sharded.report) == _findings(single.report)
    logs = sorted(p.relative_to(tmp_path / "sharded" / "logs").parts[0] for p in (tmp_path / "sharded").rglob("*.eval"))
    assert set(logs) == {"worker-1", "worker-2"} and len(logs) == 6  # 2 evaluations of 12 items in parts of <= 5
    # each wave reads only its own folder (eval_set scans every log header in its directory)
    assert all(p.parent.name.startswith("wave-") for p in (tmp_path / "sharded").rglob("*.eval"))
    store = Store(sharded.store_url)
    with store.session() as s:
        evals = list(s.scalars(select(EvaluationRow).where(EvaluationRow.run_id == sharded.run_id)))
        assert len(evals) == 6 and all(e.status == "success" for e in evals)
        assert {e.task for e in evals} == {"frontiergate/misuse"}
        assert sum(e.n_samples for e in evals) == 24
    # the evidence links point into the workers' log folders, and the run verifies from its logs
    evidence = [e["log"] for e in sharded.report["targets"][0]["evaluations"]]
    assert all(e.startswith("worker-") for e in evidence)
    result = verify_run(store, sharded.run_id, tmp_path / "sharded")
    assert result.ok, result.problems


@pytest.mark.slow
def test_killed_sharded_run_resumes_and_its_workers_stop_with_it(tmp_path: Path) -> None:
    stub = OpenAIStub(StubConfig(latency_s=0.3)).start()
    policy = tmp_path / "policy.yaml"
    text = (Path(__file__).resolve().parents[1] / "data" / "misuse_only_policy.yaml").read_text()
    policy.write_text(text.replace("max_seeds: 6", "max_seeds: 10"))
    env = {**os.environ, "STUB_API_KEY": "not-a-secret"}
    cmd = [
        sys.executable, "-c", CLI, "run", "--model", "openai-api/stub/stub-model",
        "--model-base-url", stub.base_url, "--policy", str(policy), "--runs-dir", str(tmp_path / "runs"),
        "--display", "none", "--max-connections", "4", "--workers", "2", "--part-size", "6",
    ]  # fmt: skip
    proc: subprocess.Popen[bytes] | None = None
    try:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        workers: list[psutil.Process] = []
        while time.time() < deadline and stub.stats.requests < 20:
            workers = psutil.Process(proc.pid).children()
            time.sleep(0.05)
        assert len(workers) == 2, "two worker processes run the parts"
        os.kill(proc.pid, signal.SIGKILL)  # the parent only: its workers must notice and stop
        proc.wait()
        gone, alive = psutil.wait_procs(workers, timeout=15)
        assert not alive, "orphaned workers would keep calling the model"
        sent = stub.stats.requests
        assert 20 <= sent < 46
        run_id = next(p.name for p in (tmp_path / "runs").iterdir() if p.is_dir())
        res = subprocess.run(
            [sys.executable, "-c", CLI, "run", "--resume", run_id, "--runs-dir", str(tmp_path / "runs"),
             "--display", "none"],
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert res.returncode == 0, res.stderr[-2000:]
        total = stub.stats.requests
    finally:
        if proc is not None and proc.poll() is None:  # an assertion failed before the kill: leave no run behind
            with contextlib.suppress(psutil.Error):
                for p in psutil.Process(proc.pid).children(recursive=True):
                    p.kill()
            proc.kill()
        stub.stop()
    # 40 items, 46 requests: what finished before the kill is reused; repeated are the <= 4 requests
    # in flight at the kill and the earlier turns of interrupted multi-turn items
    assert 46 <= total <= 46 + 8, total
    assert total - 46 < sent / 2
    store = Store(f"sqlite:///{tmp_path / 'runs' / 'frontiergate.db'}")
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(SampleRow)) == 40
        assert s.scalar(select(func.count()).select_from(SampleRow).where(SampleRow.error.is_not(None))) == 0
    assert not (tmp_path / "runs" / run_id / "journal").exists()
