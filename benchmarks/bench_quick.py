"""Wall time of the newcomer's first run, ``frontiergate run --quick`` on the embedded default, and how
many of its samples ended in an error (an unknown outcome, which thins the evidence the verdict rests on).

Why a benchmark and not a test: the figure depends on the machine and its load. Run it on a quiet
machine; the README states the result (budget: 10 minutes on 2 cores after installation).

Run: python benchmarks/bench_quick.py [--model M] [--runs-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from frontiergate.models.card import EMBEDDED_MODEL

BUDGET_S = 600.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=EMBEDDED_MODEL)
    ap.add_argument("--runs-dir", default=None, help="where the run goes (default: a temporary folder)")
    args = ap.parse_args()
    runs = Path(args.runs_dir or tempfile.mkdtemp(prefix="fg-bench-quick-"))
    cmd = [sys.executable, "-m", "frontiergate", "run", "--quick", "--model", args.model,
           "--runs-dir", str(runs), "--display", "none"]
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"run failed ({proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}")
    report_path = max(runs.glob("*/report.json"), key=lambda p: p.stat().st_mtime)
    report = json.loads(report_path.read_text(encoding="utf-8"))
    target = report["targets"][0]
    samples = sum(int(e["n_samples"]) for e in target["evaluations"])
    errors = sum(int(e["n_errors"]) for e in target["evaluations"])
    load = os.getloadavg()[0]
    print(f"model {args.model}: wall {wall:.0f} s ({wall / 60:.1f} min; budget {BUDGET_S / 60:.0f} min: "
          f"{'within' if wall <= BUDGET_S else 'OVER'}), samples {samples}, errored {errors}, "
          f"load average at the end {load:.2f}, cores {os.cpu_count()}")
    for name, d in target["decision"]["domains"].items():
        print(f"  {name}: {d['status']} / {d['level']} → {d['action']}")


if __name__ == "__main__":
    main()
