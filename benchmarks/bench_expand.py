"""Scenario expansion benchmark: throughput and peak memory for 100,000 variants.

Why: a stress sweep is only practical if expansion is fast and *streams*: memory must not grow
with the number of variants. Each measurement runs in a fresh subprocess so peaks are not
polluted by earlier runs. Peak Python heap (tracemalloc) and peak RSS are compared at 10k and
100k variants: if expansion streams, the 10x larger sweep has about the same peak.

    python benchmarks/bench_expand.py                 # 100,000 variants, writes benchmarks/RESULTS.md
    python benchmarks/bench_expand.py --no-write      # print only
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HEADING = "## Scenario expansion"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
COMMAND = "python benchmarks/bench_expand.py"


def _rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def child(n: int, mode: str, seed: int) -> dict[str, Any]:
    """One measurement in this (fresh) process."""
    import tracemalloc

    from frontiergate.scenarios.expand import expand
    from frontiergate.scenarios.library import load_seeds

    seeds = load_seeds()
    stream = expand(seeds, transforms="all", stack_depth=2, seed=seed, max_variants=n)
    rss_before = _rss_kib()
    if mode == "memory":
        tracemalloc.start()
    count = 0
    chars = 0
    t0 = time.perf_counter()
    if mode == "jsonl":
        with open(os.devnull, "w", encoding="utf-8") as sink:
            for it in stream:
                line = json.dumps(it.model_dump(), ensure_ascii=False, separators=(",", ":"))
                sink.write(line + "\n")
                count += 1
                chars += len(line)
    else:
        for it in stream:
            count += 1
            chars += sum(len(t) for t in it.turns)
    elapsed = time.perf_counter() - t0
    out: dict[str, Any] = {"n": count, "mode": mode, "seconds": elapsed, "per_s": count / elapsed,
                           "chars": chars, "rss_before_kib": rss_before, "rss_after_kib": _rss_kib(),
                           "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
    if mode == "memory":
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out["tracemalloc_peak_bytes"] = peak
    return out


def _run_child(n: int, mode: str, seed: int) -> dict[str, Any]:
    res = subprocess.run([sys.executable, __file__, "--child", str(n), mode, "--seed", str(seed)],
                         check=True, capture_output=True, text=True)
    return dict(json.loads(res.stdout.strip().splitlines()[-1]))


def _mib(kib: float) -> str:
    return f"{kib / 1024:.1f} MiB"


def _report(n: int, small: int, gen: dict[str, Any], jl: dict[str, Any], mem_s: dict[str, Any],
            mem_b: dict[str, Any]) -> str:
    ratio_heap = mem_b["tracemalloc_peak_bytes"] / max(1, mem_s["tracemalloc_peak_bytes"])
    growth_rss = mem_b["max_rss_kib"] - mem_s["max_rss_kib"]
    lines = [
        HEADING, "",
        f"Command: `{COMMAND}` (library: all bundled seeds, `transforms=all`, `stack_depth=2`, seed 0).",
        f"Machine: {os.cpu_count()} CPU cores, Python {platform.python_version()}, {platform.system()}; "
        f"measured {time.strftime('%Y-%m-%d')} on a shared machine (other jobs running), so throughput is a "
        "lower bound.", "",
        "| measure | value |", "|---|---|",
        f"| variants generated | {gen['n']:,} |",
        f"| throughput, generate only | {gen['per_s']:,.0f} variants/s ({gen['seconds']:.1f} s) |",
        f"| throughput, generate + JSONL serialise | {jl['per_s']:,.0f} variants/s ({jl['seconds']:.1f} s) |",
        f"| peak Python heap (tracemalloc), {small:,} variants | "
        f"{mem_s['tracemalloc_peak_bytes'] / 1024:,.0f} KiB |",
        f"| peak Python heap (tracemalloc), {n:,} variants | "
        f"{mem_b['tracemalloc_peak_bytes'] / 1024:,.0f} KiB |",
        f"| heap peak ratio {n:,} / {small:,} | {ratio_heap:.2f}x (for {n / small:.0f}x the variants) |",
        f"| peak RSS, {small:,} variants | {_mib(mem_s['max_rss_kib'])} |",
        f"| peak RSS, {n:,} variants | {_mib(mem_b['max_rss_kib'])} |",
        f"| RSS growth from {small:,} to {n:,} variants | {_mib(growth_rss)} |",
        "",
        "Memory is flat: expansion is a generator over (seed, chain) index arithmetic, so the peak does "
        "not grow with the number of variants drawn. (The tracemalloc run is slower than the throughput "
        "runs because tracing itself costs time; throughput is measured without it.)", "",
    ]
    return "\n".join(lines)


def _write(section: str) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000, help="variants in the large sweep")
    ap.add_argument("--small", type=int, default=10_000, help="variants in the small sweep (memory baseline)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    ap.add_argument("--child", nargs=2, metavar=("N", "MODE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(int(args.child[0]), args.child[1], args.seed)))
        return
    gen = _run_child(args.n, "generate", args.seed)
    jl = _run_child(args.n, "jsonl", args.seed)
    mem_s = _run_child(args.small, "memory", args.seed)
    mem_b = _run_child(args.n, "memory", args.seed)
    section = _report(args.n, args.small, gen, jl, mem_s, mem_b)
    print(section)
    if not args.no_write:
        _write(section)
        print(f"written under '{HEADING}' in {RESULTS}")


if __name__ == "__main__":
    main()
