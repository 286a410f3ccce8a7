"""Throughput of `frontiergate run` against a bare asyncio client, measured in one run.

Both send chat requests to the same local OpenAI-compatible stub (separate process, loopback,
fixed per-request latency) at the same concurrency. The bare client replays the same conversation
shapes (a multi-turn item's requests one after another, as its later turns need the earlier
answers), so both sides face the same dependency structure. The ratio is frontiergate's requests per
second over the bare client's; the stub counts the requests each side really sent. Memory of the
frontiergate process tree (the run and its workers) is sampled every 0.2 s as PSS (proportional
set size: a page several processes share, such as a library's code, is counted once, split among
them), the physical memory the run occupies; RSS summed over the processes is printed too, though
it counts shared pages once per process. CPU per request (both sides) shows what sets the ceiling
when a side is CPU-bound; it moves with the machine and the installed HTTP stack, the ratio of one
run is the comparison.

Run: python benchmarks/bench_throughput.py [--samples 2000] [--latency 0.5] [--concurrency 100] [--workers 2]
     python benchmarks/bench_throughput.py --samples 1000 --grid   # ratio from slow API to fast local server
     python benchmarks/bench_throughput.py --samples 20000 --latency 0.05 --concurrency 100   # memory
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

POLICY = """\
name: bench
min_samples: 1
levels:
  low: {{action: deploy}}
  medium: {{action: deploy_with_safeguards}}
  high: {{action: do_not_deploy}}
  critical: {{action: stop_scaling}}
domains:
  cyber:
    evaluations:
      - task: frontiergate/misuse
        args: {{domains: [cyber, chem_bio, general_harm], transforms: all, stack_depth: 2,
                max_variants: {n}, include_base: false, include_benign: true}}
    criteria:
      - metric: attack_success_rate
        thresholds: {{medium: 0.1}}
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _requests(port: int) -> int:
    """Chat requests the stub has answered so far."""
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/stats") as r:
        return int(json.loads(r.read())["requests"])


async def bare_client(base_url: str, conversations: list[int], concurrency: int) -> float:
    """Send the same conversations: ``conversations[i]`` requests in sequence for item i (a later
    turn of a multi-turn item needs the earlier answer), at most ``concurrency`` items at once."""
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=base_url, api_key="bench", max_retries=0)
    sem = asyncio.Semaphore(concurrency)

    async def one(i: int, turns: int) -> None:
        async with sem:
            messages: list[dict[str, str]] = []
            for t in range(turns):
                messages.append({"role": "user", "content": f"benchmark prompt {i}.{t} " * 20})
                r = await client.chat.completions.create(
                    model="stub", messages=messages, max_tokens=160  # type: ignore[arg-type]
                )
                messages.append({"role": "assistant", "content": r.choices[0].message.content or ""})

    t0 = time.perf_counter()
    await asyncio.gather(*(one(i, k) for i, k in enumerate(conversations)))
    elapsed = time.perf_counter() - t0
    await client.close()  # while the loop runs: a client closed by the garbage collector later raises
    return elapsed


def measure(args: argparse.Namespace) -> dict[str, float]:
    """One configuration: frontiergate first, then the bare client, against one fresh stub."""
    port = _port()
    stub = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "frontiergate.devtools.openai_stub",
            "--port",
            str(port),
            "--latency",
            str(args.latency),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert stub.stdout is not None
    stub.stdout.readline()
    base = f"http://127.0.0.1:{port}/v1"
    work = Path(tempfile.mkdtemp(prefix="fg-bench-"))
    (work / "policy.yaml").write_text(POLICY.format(n=args.samples))
    try:
        # frontiergate first, so the bare client gets no warm-up advantage from a prior run
        env = {**os.environ, "STUB_API_KEY": "bench"}
        cmd = [
            "frontiergate",
            "run",
            "--model",
            "openai-api/stub/stub",
            "--model-base-url",
            base,
            "--policy",
            str(work / "policy.yaml"),
            "--out",
            str(work / "run"),
            "--runs-dir",
            str(work / "runs"),
            "--max-connections",
            str(args.concurrency),
            "--max-samples",
            str(args.concurrency),
            "--display",
            "none",
        ]
        if args.log_buffer is not None:
            cmd += ["--log-buffer", str(args.log_buffer)]
        if args.part_size is not None:
            cmd += ["--part-size", str(args.part_size)]
        cmd += ["--workers", str(args.workers)]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        peak = peak_rss_sum = 0
        timeline: list[tuple[float, int]] = []  # (unix time, PSS) to separate start-up from growth
        cpu_line: list[tuple[float, float]] = []  # (unix time, CPU seconds of the tree so far)
        cpu_done: dict[int, float] = {}  # last CPU reading of each process, kept when a worker ends
        ps = psutil.Process(proc.pid)
        while proc.poll() is None:
            with contextlib.suppress(psutil.Error):
                tree = [ps, *ps.children(recursive=True)]
                pss = rss_sum = 0
                for p in tree:
                    with contextlib.suppress(psutil.Error):  # a worker may end while we read
                        full = p.memory_full_info()
                        pss += full.pss
                        rss_sum += full.rss
                        cpu = p.cpu_times()
                        cpu_done[p.pid] = cpu.user + cpu.system
                cpu_line.append((time.time(), sum(cpu_done.values())))
                peak = max(peak, pss)
                peak_rss_sum = max(peak_rss_sum, rss_sum)
                timeline.append((time.time(), pss))
            time.sleep(0.2)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"frontiergate run failed: {proc.stderr.read() if proc.stderr else ''}")
        from datetime import datetime

        from inspect_ai.log import list_eval_logs, read_eval_log

        from frontiergate.pipeline.log_reader import iter_samples

        # with parts and workers there are several logs: the eval spans from the first part's start
        # to the last part's end
        log_paths = [Path(i.name.removeprefix("file://")) for i in list_eval_logs(str(work / "run" / "logs"))]
        headers = [read_eval_log(str(p), header_only=True) for p in log_paths]
        t_start = min(datetime.fromisoformat(h.stats.started_at).timestamp() for h in headers)
        t_end = max(datetime.fromisoformat(h.stats.completed_at).timestamp() for h in headers)
        # the bare client is timed from its first request to its last answer; Inspect likewise, from the
        # first sample's start to the last sample's end (task set-up is in the wall figure instead)
        spans: list[tuple[str, str]] = []
        conversations: list[int] = []  # requests per item, in order: the bare client replays these shapes
        for log_path in sorted(log_paths):
            for s in iter_samples(log_path):  # streamed: 20,000 samples with transcripts do not fit in memory
                if s.started_at and s.completed_at:
                    spans.append((s.started_at, s.completed_at))
                conversations.append(sum(1 for e in s.events if e.event == "model"))
        first = min(datetime.fromisoformat(a).timestamp() for a, _ in spans)
        last = max(datetime.fromisoformat(b).timestamp() for _, b in spans)
        eval_s = last - first
        setup_s = first - t_start
        during = [r for t, r in timeline if t_start <= t <= t_end]
        # memory growth while samples run: PSS in the last tenth of the eval over PSS in its first tenth
        tenth = max(1, len(during) // 10)
        pss_first = max(during[:tenth], default=0)
        pss_last = max(during[-tenth:], default=0)
        # where the peak is: before the first sample (start-up, dataset), while samples run, or after
        # (ingest into the store, analysis, report)
        peak_before = max((r for t, r in timeline if t < t_start), default=0)
        peak_during = max(during, default=0)
        peak_after = max((r for t, r in timeline if t > t_end), default=0)
        report = json.loads((work / "run" / "report.json").read_text())
        n_samples = sum(e["n_samples"] for t in report["targets"] for e in t["evaluations"])
        # multi-turn items send several requests per sample: the bare client sends exactly as many
        n_requests = _requests(port)
        if sum(conversations) != n_requests:
            raise SystemExit(f"log shows {sum(conversations)} model calls but the stub answered {n_requests}")
        before = _requests(port)
        import openai  # noqa: F401  (loaded before the CPU clock starts: its import is no request's cost)

        bare_cpu0 = time.process_time()  # the bare client runs in this process, alone by now
        bare_s = asyncio.run(bare_client(base, conversations, args.concurrency))
        bare_cpu_ms = (time.process_time() - bare_cpu0) / n_requests * 1000
        # frontiergate's CPU while its samples ran (the whole process tree, workers included): the
        # rate between the first and last reading inside that window (one every ~0.2 s), times its length
        inside = [(t, c) for t, c in cpu_line if first <= t <= last]
        (ta, ca), (tb, cb) = inside[0], inside[-1]
        fg_cpu_ms = (cb - ca) / max(1e-9, tb - ta) * eval_s / n_requests * 1000
        assert _requests(port) - before == n_requests, "the bare client must send exactly as many requests"
        fg_rate = n_requests / eval_s
        bare_rate = n_requests / bare_s
        print(
            f"samples={n_samples} requests={n_requests} latency={args.latency}s concurrency={args.concurrency} "
            f"workers={args.workers} logs={len(log_paths)}"
        )
        print(f"bare asyncio client : {bare_rate:8.1f} requests/s ({bare_s:.1f}s)")
        print(f"frontiergate (eval) : {fg_rate:8.1f} requests/s = {n_samples / eval_s:.1f} samples/s ({eval_s:.1f}s)")
        print(f"frontiergate set-up : {setup_s:8.1f} s from eval start to first sample (dataset, task init)")
        print(f"frontiergate (wall) : {n_samples / wall:8.1f} samples/s ({wall:.1f}s incl. startup, ingest, report)")
        print(f"ratio frontiergate/bare (requests/s): {fg_rate / bare_rate:.2f}")
        print(
            f"CPU per request      : frontiergate {fg_cpu_ms:.1f} ms (all its processes, while samples ran), "
            f"bare client {bare_cpu_ms:.1f} ms"
        )
        print(
            f"peak memory frontiergate process tree: PSS {peak / 2**20:.0f} MiB "
            f"(RSS summed over processes {peak_rss_sum / 2**20:.0f} MiB)"
        )
        print(
            f"peak PSS by phase: start-up {peak_before / 2**20:.0f} MiB, samples running "
            f"{peak_during / 2**20:.0f} MiB, ingest + analysis + report {peak_after / 2**20:.0f} MiB"
        )
        print(
            f"PSS while samples run: {pss_first / 2**20:.0f} MiB (first tenth) -> {pss_last / 2**20:.0f} MiB "
            f"(last tenth), {(pss_last - pss_first) / 2**10 / max(1, n_samples * 0.8):.1f} KiB per sample"
        )
        return {
            "samples": n_samples,
            "requests": n_requests,
            "latency": args.latency,
            "concurrency": args.concurrency,
            "bare_rps": bare_rate,
            "fg_rps": fg_rate,
            "fg_sps": n_samples / eval_s,
            "ratio": fg_rate / bare_rate,
            "fg_cpu_ms": fg_cpu_ms,
            "bare_cpu_ms": bare_cpu_ms,
            "peak_mib": peak / 2**20,
            "peak_rss_sum_mib": peak_rss_sum / 2**20,
            "peak_during_mib": peak_during / 2**20,
            "workers": args.workers,
        }
    finally:
        stub.terminate()
        stub.wait()


# (latency s, concurrency): slow frontier API ... a local server answering in 50 ms
GRID = [(5.0, 100), (2.0, 32), (2.0, 100), (1.0, 100), (0.5, 100), (0.05, 100)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=2000)
    ap.add_argument("--latency", type=float, default=0.5)
    ap.add_argument("--concurrency", type=int, default=100)
    ap.add_argument("--log-buffer", type=int, default=None, help="default: frontiergate's own")
    ap.add_argument("--grid", action="store_true", help="every (latency, concurrency) in GRID, then a table")
    ap.add_argument("--workers", type=int, default=1, help="frontiergate run --workers")
    ap.add_argument("--part-size", type=int, default=None, help="default: frontiergate's own")
    args = ap.parse_args()
    if not args.grid:
        measure(args)
        return
    rows = []
    for latency, concurrency in GRID:
        print(f"--- latency {latency}s, concurrency {concurrency}", flush=True)
        rows.append(measure(argparse.Namespace(**{**vars(args), "latency": latency, "concurrency": concurrency})))
    print("\n| latency | concurrency | workers | ideal req/s | bare client req/s | frontiergate req/s | ratio", end="")
    print(" | CPU ms/request (frontiergate / bare) | peak PSS |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['latency']} s | {r['concurrency']:.0f} | {r['workers']} | {r['concurrency'] / r['latency']:.0f} "
            f"| {r['bare_rps']:.1f} | {r['fg_rps']:.1f} | **{r['ratio']:.2f}** "
            f"| {r['fg_cpu_ms']:.1f} / {r['bare_cpu_ms']:.1f} | {r['peak_mib']:.0f} MiB |"
        )


if __name__ == "__main__":
    main()
