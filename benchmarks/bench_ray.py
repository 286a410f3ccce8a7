"""Throughput of ``--executor ray`` against ``--workers`` on this machine, and with the node count.

Every configuration runs the same sweep (misuse variants, one evaluation split into parts) against
one local OpenAI-compatible stub (separate process, loopback, fixed latency: a latency-bound model),
with the same run-wide ``--max-connections``, so the endpoint sees the same load whatever executes
the run. Configurations, in one invocation so that their ratios are measured together:

- ``local xN``: ``--workers N`` (N worker processes on this machine; N=1 runs in the driver);
- ``ray xN``: ``--executor ray --workers N`` on a local Ray cluster of N nodes with one CPU each
  (``ray.cluster_utils.Cluster``: N raylets on loopback, each a node to the scheduler), so every
  share runs on a node of its own, as on a real cluster.

Throughput is requests per second over the sample span (first sample's start to last sample's end,
read from the logs; the stub counts the requests), and per second of wall time from the run's start
to its report (planning, Ray dispatch, ingest and analysis included; the cluster's own start is
timed separately: a real cluster is already up). ``--repeats R`` runs every configuration R times,
interleaved (configuration order rotated per round), and reports the range.

Run: python benchmarks/bench_ray.py [--samples 500] [--latency 0.5] [--concurrency 64] [--nodes 1 2 4] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_throughput import POLICY, _port, _requests  # noqa: E402


@dataclass
class Result:
    config: str
    workers: int
    requests: int
    samples: int
    span_s: float
    wall_s: float
    cluster_start_s: float

    @property
    def rps(self) -> float:
        return self.requests / self.span_s

    @property
    def wall_rps(self) -> float:
        return self.requests / self.wall_s


def _span(log_dir: Path) -> tuple[float, int]:
    """(seconds from the first sample's start to the last sample's end, samples) over every log."""
    from inspect_ai.log import list_eval_logs

    from frontiergate.pipeline.log_reader import iter_samples

    starts: list[float] = []
    ends: list[float] = []
    for info in list_eval_logs(str(log_dir)):
        for s in iter_samples(Path(info.name.removeprefix("file://"))):
            if s.started_at and s.completed_at:
                starts.append(datetime.fromisoformat(s.started_at).timestamp())
                ends.append(datetime.fromisoformat(s.completed_at).timestamp())
    return max(ends) - min(starts), len(starts)


def run_one(config: str, workers: int, args: argparse.Namespace, base: str, port: int, work: Path) -> Result:
    """One run of the sweep; a ray configuration on a fresh cluster of ``workers`` one-CPU nodes."""
    import ray
    from ray.cluster_utils import Cluster

    from frontiergate.pipeline.run import RunOptions, start_run

    cluster = None
    cluster_start = 0.0
    if config == "ray":
        t0 = time.perf_counter()
        small = {"num_cpus": 1, "object_store_memory": 80 * 1024 * 1024}
        cluster = Cluster(initialize_head=True, head_node_args={**small, "include_dashboard": False})
        for _ in range(workers - 1):
            cluster.add_node(**small)
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, log_to_driver=False, configure_logging=False)
        cluster_start = time.perf_counter() - t0
    out = work / f"{config}-x{workers}-{time.time_ns()}"
    try:
        before = _requests(port)
        t0 = time.perf_counter()
        start_run(
            RunOptions(
                targets=["openai-api/stub/stub"],
                policy_path=str(work / "policy.yaml"),
                model_base_url=base,
                out=str(out),
                runs_dir=str(work / "runs"),
                display="none",
                max_connections=args.concurrency,
                max_samples=args.concurrency,
                workers=workers,
                part_size=args.part_size,
                executor=config,
            )
        )
        wall = time.perf_counter() - t0
        requests = _requests(port) - before
    finally:
        if cluster is not None:
            ray.shutdown()
            cluster.shutdown()
    span, samples = _span(out / "logs")
    return Result(config, workers, requests, samples, span, wall, cluster_start)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=500)
    ap.add_argument("--latency", type=float, default=0.5)
    ap.add_argument("--concurrency", type=int, default=64, help="run-wide --max-connections")
    ap.add_argument("--nodes", type=int, nargs="+", default=[1, 2, 4], help="worker/node counts to compare")
    ap.add_argument("--part-size", type=int, default=None, help="default: frontiergate's own")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--json", type=Path, default=None, help="write every result here")
    args = ap.parse_args()
    os.environ["STUB_API_KEY"] = "bench"  # before any Ray node starts: its workers inherit it
    port = _port()
    stub = subprocess.Popen(
        [sys.executable, "-m", "frontiergate.devtools.openai_stub", "--port", str(port),
         "--latency", str(args.latency)],  # fmt: skip
        stdout=subprocess.PIPE,
        text=True,
    )
    assert stub.stdout is not None
    stub.stdout.readline()
    base = f"http://127.0.0.1:{port}/v1"
    work = Path(tempfile.mkdtemp(prefix="fg-bench-ray-"))
    (work / "policy.yaml").write_text(POLICY.format(n=args.samples))
    configs = [(c, n) for n in args.nodes for c in ("local", "ray")]
    results: list[Result] = []
    try:
        for r in range(args.repeats):
            k = r % len(configs)
            for config, n in configs[k:] + configs[:k]:
                res = run_one(config, n, args, base, port, work)
                results.append(res)
                start = f", cluster start {res.cluster_start_s:.1f} s" if config == "ray" else ""
                print(
                    f"round {r + 1} {config} x{n}: {res.requests} requests, {res.samples} samples, "
                    f"{res.rps:.1f} req/s over {res.span_s:.1f} s of samples, {res.wall_rps:.1f} req/s over "
                    f"{res.wall_s:.1f} s wall{start}",
                    flush=True,
                )
    finally:
        stub.terminate()
        stub.wait()
    ideal = args.concurrency / args.latency
    print(f"\nlatency {args.latency} s, run-wide concurrency {args.concurrency} (ideal {ideal:.0f} req/s), "
          f"{args.repeats} run(s) per configuration, os.cpu_count()={os.cpu_count()}")
    print("| workers / nodes | local req/s (samples span) | ray req/s (samples span) | ray / local | "
          "local req/s (wall) | ray req/s (wall) | ray / local (wall) | Ray cluster start |")
    print("|---|---|---|---|---|---|---|---|")

    def rng(xs: list[float], digits: int = 1) -> str:
        mean = sum(xs) / len(xs)
        return f"{mean:.{digits}f}" + ("" if len(xs) == 1 else f" ({min(xs):.{digits}f}–{max(xs):.{digits}f})")

    for n in args.nodes:
        loc = [x for x in results if x.config == "local" and x.workers == n]
        ray_ = [x for x in results if x.config == "ray" and x.workers == n]
        # ratios within a round (paired: measured minutes apart on the same stub)
        ratio = [b.rps / a.rps for a, b in zip(loc, ray_, strict=True)]
        ratio_wall = [b.wall_rps / a.wall_rps for a, b in zip(loc, ray_, strict=True)]
        print(
            f"| {n} | {rng([x.rps for x in loc])} | {rng([x.rps for x in ray_])} | **{rng(ratio, 2)}** "
            f"| {rng([x.wall_rps for x in loc])} | {rng([x.wall_rps for x in ray_])} | {rng(ratio_wall, 2)} "
            f"| {rng([x.cluster_start_s for x in ray_])} s |"
        )
    if args.json is not None:
        args.json.write_text(json.dumps([{**r.__dict__, "rps": r.rps, "wall_rps": r.wall_rps} for r in results],
                                        indent=2))


if __name__ == "__main__":
    main()
