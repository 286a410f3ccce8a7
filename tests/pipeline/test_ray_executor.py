"""``--executor ray``: the same run as on one machine, a killed task or driver loses nothing, and what
cannot work on a cluster is refused up front.

One local two-node Ray cluster (head plus one node on loopback, one CPU each) serves every test that
needs one (module fixture: a start costs seconds on two cores). The model is the local
OpenAI-compatible stub, which the Ray worker processes reach over HTTP like a real endpoint.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from sqlalchemy import func, select

from frontiergate.devtools.openai_stub import OpenAIStub, StubConfig
from frontiergate.errors import RunError
from frontiergate.pipeline.run import RunOptions, start_run
from frontiergate.report.integrity import verify_run
from frontiergate.store import EvaluationRow, SampleRow, Store

ray = pytest.importorskip("ray")

CLI = "from frontiergate.cli import main; main()"
MODEL = "openai-api/stub/stub-model"
POLICY = Path(__file__).resolve().parents[1] / "data" / "misuse_only_policy.yaml"
# a Ray worker process while it runs one share of a run (Ray titles a running task's process after it)
SHARE_TITLE = "ray::frontiergate-share"


# Ray's per-node agents, which end on their own about a minute after their raylet died
NODE_AGENTS = ("ray::DashboardAgent", "ray::RuntimeEnvAgent")


def _name(p: psutil.Process) -> str:
    with contextlib.suppress(psutil.Error):
        return p.name()
    return ""


def _options(tmp: Path, name: str, base_url: str, executor: str, **kw: Any) -> RunOptions:
    return RunOptions(
        targets=[MODEL],
        policy_path=str(kw.pop("policy", POLICY)),
        model_base_url=base_url,
        out=str(tmp / name),
        runs_dir=str(tmp / "runs"),
        display="none",
        executor=executor,
        **kw,
    )


def _forty_item_policy(tmp: Path) -> Path:
    """Ten seeds per domain: 40 items, 46 requests (multi-turn items add turns)."""
    policy = tmp / "policy.yaml"
    policy.write_text(POLICY.read_text().replace("max_seeds: 6", "max_seeds: 10"))
    return policy


def _normalised(report_path: Path, run_id: str) -> str:
    """report.json with what names this execution rather than the evidence: the run id, the run's
    clock times, and the timestamp and random id in each Inspect log's file name."""
    text = report_path.read_text(encoding="utf-8").replace(run_id, "RUN")
    text = re.sub(r'"(started_at|finished_at)": "[^"]*"', r'"\1": "T"', text)
    return re.sub(r"\d{4}-\d\d-\d\dT[\d-]+_([\w-]+?)_[A-Za-z0-9]{22}\.eval", r"\1.eval", text)


# --------------------------------------------------------------------------- refused up front


def test_cluster_settings_that_cannot_work_are_usage_errors(tmp_path: Path) -> None:
    base = {"targets": [MODEL], "policy_path": str(POLICY), "runs_dir": str(tmp_path / "runs"), "executor": "ray"}
    with pytest.raises(RunError, match="SQLite store cannot serve a run on the Ray cluster at ray://head:10001"):
        start_run(RunOptions(**base, ray_address="ray://head:10001"))
    with pytest.raises(RunError, match="object-store URLs are not supported"):
        start_run(RunOptions(**base, out="s3://bucket/runs/x"))
    with pytest.raises(RunError, match="--ray-address is given without --executor ray"):
        start_run(RunOptions(**{**base, "executor": "local"}, ray_address="head:6379"))
    with pytest.raises(RunError, match="unknown executor 'dask'"):
        start_run(RunOptions(**{**base, "executor": "dask"}))
    assert not (tmp_path / "runs").exists()  # refused before anything was written


def test_sqlite_with_a_remote_cluster_exits_2_with_cause_and_fix(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", CLI, "run", "--model", MODEL, "--policy", str(POLICY), "--executor", "ray",
         "--ray-address", "10.0.0.5:6379", "--runs-dir", str(tmp_path / "runs"), "--display", "none"],
        capture_output=True, text=True, timeout=120, env={**os.environ, "STUB_API_KEY": "not-a-secret"},
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith("error: an SQLite store cannot serve a run on the Ray cluster at 10.0.0.5:6379")
    assert lines[1].startswith("  fix: pass --store postgresql")
    assert "Traceback" not in proc.stderr


def test_missing_ray_package_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from frontiergate.pipeline import ray_executor

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(RunError, match="needs the `ray` package") as err:
        ray_executor.connect(RunOptions(targets=[MODEL], executor="ray"))
    assert "frontiergate[ray]" in err.value.fix


# --------------------------------------------------------------------------- a killed driver


@pytest.mark.slow
def test_killed_driver_takes_its_tasks_along_and_resumes_on_ray(tmp_path: Path) -> None:
    """SIGKILL of the CLI driver (which started its own local cluster): its Ray tasks stop calling
    the model, and ``--resume RUN_ID --executor ray`` finishes with nothing lost or counted twice."""
    stub = OpenAIStub(StubConfig(latency_s=0.3)).start()
    env = {**os.environ, "STUB_API_KEY": "not-a-secret"}
    runs = tmp_path / "runs"
    cmd = [
        sys.executable, "-c", CLI, "run", "--model", MODEL, "--model-base-url", stub.base_url,
        "--policy", str(_forty_item_policy(tmp_path)), "--runs-dir", str(runs), "--display", "none",
        "--max-connections", "4", "--executor", "ray", "--workers", "2", "--part-size", "6",
    ]  # fmt: skip
    proc: subprocess.Popen[bytes] | None = None
    agents: list[psutil.Process] = []
    try:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # a cluster start and the workers' imports take ~15 s on an idle 2-core machine, minutes on a loaded one
        deadline = time.time() + 420
        while time.time() < deadline and stub.stats.requests < 20 and proc.poll() is None:
            time.sleep(0.05)
        assert stub.stats.requests >= 20, "the run never got going"
        tree = psutil.Process(proc.pid).children(recursive=True)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        # the local cluster it started goes with it; Ray's two node agents notice within about a minute
        agents = [p for p in tree if _name(p) in NODE_AGENTS]
        gone, alive = psutil.wait_procs([p for p in tree if p not in agents], timeout=30)
        assert not alive, [(p.pid, _name(p)) for p in alive]
        sent = stub.stats.requests
        time.sleep(1.0)
        assert stub.stats.requests == sent, "tasks of a dead driver kept calling the model"
        assert 20 <= sent < 46
        run_id = next(p.name for p in runs.iterdir() if p.is_dir())
        res = subprocess.run(
            [sys.executable, "-c", CLI, "run", "--resume", run_id, "--runs-dir", str(runs), "--display", "none",
             "--executor", "ray"],
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert res.returncode == 0, res.stderr[-3000:]
        total = stub.stats.requests
    finally:
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(psutil.Error):
                agents += psutil.Process(proc.pid).children(recursive=True)
            proc.kill()
        for p in agents:  # leave none of the processes this test started behind
            with contextlib.suppress(psutil.Error):
                p.kill()
        stub.stop()
    # what finished before the kill is reused; repeated are the requests in flight at the kill and
    # the earlier turns of interrupted multi-turn items
    assert 46 <= total <= 46 + 8, total
    store = Store(f"sqlite:///{runs / 'frontiergate.db'}")
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(SampleRow)) == 40
        assert s.scalar(select(func.count()).select_from(SampleRow).where(SampleRow.error.is_not(None))) == 0
    assert verify_run(store, run_id, runs / run_id).ok
    assert not (runs / run_id / "journal").exists()


# --------------------------------------------------------------------------- on one shared cluster


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    """A real two-node cluster on loopback (a head node and a second node, one CPU each: Ray's own
    ``cluster_utils.Cluster``, i.e. two raylets as ``ray start --head`` plus ``ray start --address``
    would give); its workers inherit the stub's API key from here."""
    from ray.cluster_utils import Cluster

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STUB_API_KEY", "not-a-secret")
        node_args = {"num_cpus": 1, "object_store_memory": 80 * 1024 * 1024, "include_dashboard": False}
        two = Cluster(initialize_head=True, head_node_args=node_args)
        two.add_node(**{k: v for k, v in node_args.items() if k != "include_dashboard"})
        two.wait_for_nodes()
        ray.init(address=two.address, log_to_driver=False, configure_logging=False)
        try:
            assert len([n for n in ray.nodes() if n["Alive"]]) == 2
            yield
        finally:
            ray.shutdown()
            two.shutdown()


def test_ray_run_is_the_local_run(cluster: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same parts, same shares: findings, samples, requests and report.json equal a ``--workers`` run."""
    monkeypatch.setenv("STUB_API_KEY", "not-a-secret")
    stub = OpenAIStub(StubConfig(latency_s=0.02)).start()
    try:
        runs, calls = {}, {}
        for name in ("local", "ray"):
            before = stub.stats.requests
            runs[name] = start_run(
                _options(tmp_path, name, stub.base_url, name, max_connections=8, workers=2, part_size=5)
            )
            calls[name] = stub.stats.requests - before
    finally:
        stub.stop()
    local, on_ray = runs["local"], runs["ray"]
    assert calls["ray"] == calls["local"] == 30  # 24 items; 4 multi-turn items add 6 turns
    assert ray.is_initialized()  # the executor used the caller's cluster and left it running
    assert _normalised(on_ray.out_dir / "report.json", on_ray.run_id) == _normalised(
        local.out_dir / "report.json", local.run_id
    )
    logs = sorted(p.relative_to(on_ray.out_dir / "logs").parts[0] for p in on_ray.out_dir.rglob("*.eval"))
    assert set(logs) == {"worker-1", "worker-2"} and len(logs) == 6
    store = Store(on_ray.store_url)
    for res in (local, on_ray):
        with store.session() as s:
            evals = list(s.scalars(select(EvaluationRow).where(EvaluationRow.run_id == res.run_id)))
            assert len(evals) == 6 and all(e.status == "success" for e in evals)
            assert sum(e.n_samples for e in evals) == 24
    # one run, one report: the run verifies from its logs and records no executor in its options
    assert verify_run(store, on_ray.run_id, on_ray.out_dir).ok
    options = json.loads((on_ray.out_dir / "report.json").read_text())["run"]["options"]
    assert "executor" not in options and "ray_address" not in options


def test_a_killed_task_is_retried_and_resumes_from_its_journal(
    cluster: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGKILL of one Ray worker mid-part: Ray runs the share again, the journaled samples are reused,
    the run completes and verifies."""
    monkeypatch.setenv("STUB_API_KEY", "not-a-secret")
    stub = OpenAIStub(StubConfig(latency_s=0.3)).start()
    killed: list[int] = []
    sent_at_kill: list[int] = []

    def kill_one_share() -> None:
        deadline = time.time() + 120
        while time.time() < deadline and not killed:
            if stub.stats.requests >= 14:
                for p in psutil.process_iter(["pid", "cmdline"]):
                    if " ".join(p.info["cmdline"] or []).startswith(SHARE_TITLE):
                        sent_at_kill.append(stub.stats.requests)
                        os.kill(p.info["pid"], signal.SIGKILL)
                        killed.append(p.info["pid"])
                        return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one_share, daemon=True)
    killer.start()
    try:
        res = start_run(
            _options(
                tmp_path, "run", stub.base_url, "ray",
                policy=_forty_item_policy(tmp_path), max_connections=4, workers=2, part_size=6,
            )
        )  # fmt: skip
        total = stub.stats.requests
    finally:
        killer.join(timeout=5)
        stub.stop()
    assert killed, "no share was running to be killed"
    assert res.report["run"]["status"] == "complete"
    # 46 requests without faults; repeated are only the <= 2 in flight in the killed share and the
    # earlier turns of its interrupted multi-turn items
    assert 46 <= total <= 46 + 6, total
    assert total - 46 < sent_at_kill[0] / 2
    store = Store(res.store_url)
    with store.session() as s:
        samples = s.scalar(select(func.count()).select_from(SampleRow).where(SampleRow.run_id == res.run_id))
        errors = s.scalar(
            select(func.count()).select_from(SampleRow).where(
                SampleRow.run_id == res.run_id, SampleRow.error.is_not(None)
            )
        )
    assert (samples, errors) == (40, 0)
    result = verify_run(store, res.run_id, res.out_dir)
    assert result.ok, result.problems


def test_a_node_that_cannot_take_part_stops_the_run_instead_of_retrying(tmp_path: Path) -> None:
    """The checks a task makes before running (no Ray needed: the task body is a plain function)."""
    from frontiergate.pipeline.worker import node_versions, run_share_on_node

    unseen = run_share_on_node(str(tmp_path / "not-mounted"), 0, 2, node_versions())
    assert unseen["ok"] is False and "cannot read" in unseen["problem"]
    (tmp_path / "run.json").write_text("{}")
    other = run_share_on_node(str(tmp_path), 0, 2, {**node_versions(), "inspect-ai": "0.0.1"})
    assert other["ok"] is False and "runs other versions: " in other["problem"] and "(driver 0.0.1)" in other["problem"]


def test_an_embedded_model_gets_one_share_per_node_pinned_to_it(cluster: None) -> None:
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    from frontiergate.models.card import EMBEDDED_MODEL
    from frontiergate.pipeline import ray_executor

    embedded = RunOptions(targets=[EMBEDDED_MODEL], executor="ray")
    assert ray_executor.default_workers(embedded) == 2  # one per node: the model loads once on each
    placed = ray_executor._placement(embedded, 2)
    assert all(isinstance(p["scheduling_strategy"], NodeAffinitySchedulingStrategy) for p in placed)
    assert len({p["scheduling_strategy"].node_id for p in placed}) == 2  # one share on each node
    endpoint = RunOptions(targets=[MODEL], executor="ray")
    assert ray_executor.default_workers(endpoint) == 2  # one per CPU
    assert ray_executor._placement(endpoint, 2) == [{}, {}]
