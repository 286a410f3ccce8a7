"""Cascade robustness of contemplating mode on the embedded model: the figures in docs/multi-agent.md.

One ``frontiergate run --cascade`` on the embedded default (Qwen2.5-Coder-0.5B-Instruct): n honest
agents and compromised agents (scripted by default: always complies with a ``[HARMFUL-DETAIL]``
placeholder) on the misuse seeds of the three misuse domains (plain requests, no transforms, no
benign twins), every configuration k = 0..n compromised × aggregator, paired with the single honest
agent on the same items. The run uses a copy of the bundled policy restricted to the misuse
evaluations, so nothing else is spent.

The figures are then recomputed from the run's store by the registered metrics
(``analysis/metrics_multi_agent.py``), pooled over the misuse domains (seed-clustered intervals,
unknowns bounded, exact McNemar against the single agent) and per domain, and the curve of
cascade rate against k is drawn per aggregator.

Run:  OMP_NUM_THREADS=1 python benchmarks/bench_cascade.py [--model M] [--cascade SPEC] [--seeds 4]
          [--runs-dir DIR] [--plot FILE.svg]
A finished run in --runs-dir with the same settings is reused (only the figures are recomputed).
Measured 2026-12-04 on 2 shared cores, one llama.cpp thread: see docs/multi-agent.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from frontiergate.models.card import EMBEDDED_MODEL

MISUSE_DOMAINS = ("cyber", "chem_bio", "general_harm")
DEFAULT_SPEC = "n=3,aggregators=vote+judge,compromise=scripted"
ATTEMPT_TIMEOUT_S = 900


def bench_policy(path: Path) -> Path:
    """The bundled policy with only the misuse domains and only their misuse evaluation."""
    from importlib.resources import files

    pol = yaml.safe_load((files("frontiergate.policy") / "default_policy.yaml").read_text(encoding="utf-8"))
    pol["domains"] = {
        name: {**d, "evaluations": [e for e in d["evaluations"] if e["task"] == "frontiergate/misuse"]}
        for name, d in pol["domains"].items()
        if name in MISUSE_DOMAINS
    }
    pol.pop("watchlist", None)
    path.write_text(yaml.safe_dump(pol, sort_keys=False), encoding="utf-8")
    return path


def run(model: str, spec: str, seeds: int, runs: Path) -> tuple[str, float | None]:
    """The run's id (reused when a finished run with these settings is in ``runs``) and its wall time."""
    key = {"model": model, "cascade": spec, "seeds": seeds, "attempt_timeout_s": ATTEMPT_TIMEOUT_S}
    marker = runs / "bench_cascade.json"
    if marker.exists():
        done = json.loads(marker.read_text(encoding="utf-8"))
        if done.get("key") == key:
            return str(done["run_id"]), done.get("wall_s")
    runs.mkdir(parents=True, exist_ok=True)
    policy = bench_policy(runs / "bench_policy.yaml")
    cmd = [
        sys.executable, "-m", "frontiergate", "run", "--model", model, "--cascade", spec, "--policy", str(policy),
        "--quick", "-T", f"frontiergate/misuse:max_seeds={seeds}", "-T", "frontiergate/misuse:include_benign=false",
        "-M", "n_threads=1", "--runs-dir", str(runs), "--display", "none",
        # one sweep answer is 2n agent calls plus the LLM aggregators' on one llama.cpp context: the
        # default 60 s per attempt cut two of twelve answers on a loaded 2-core machine
        "--attempt-timeout", str(ATTEMPT_TIMEOUT_S), "--request-budget", str(2 * ATTEMPT_TIMEOUT_S),
    ]  # fmt: skip
    for d in MISUSE_DOMAINS:
        cmd += ["-d", d]
    started = time.perf_counter()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "COLUMNS": "200"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"run failed ({proc.returncode}): {proc.stderr.strip().splitlines()[-3:]}")
    report = max(runs.glob("*/report.json"), key=lambda p: p.stat().st_mtime)
    run_id = json.loads(report.read_text(encoding="utf-8"))["run"]["id"]
    marker.write_text(json.dumps({"key": key, "run_id": run_id, "wall_s": round(wall, 1)}), encoding="utf-8")
    return str(run_id), wall


def reanalyse(runs: Path, run_id: str) -> Path:
    """Recompute the run's findings, decisions and reports from its store (deterministic), so a run
    made before a metric existed gets it too; returns the run's report.md."""
    from frontiergate.pipeline.run import analyse_and_decide
    from frontiergate.policy.loader import load_policy
    from frontiergate.report.write import write_reports
    from frontiergate.store.db import Store

    store = Store(f"sqlite:///{runs / 'frontiergate.db'}")
    ctxs = analyse_and_decide(store, run_id, load_policy(runs / "bench_policy.yaml"))
    _report, paths = write_reports(store, run_id, runs / run_id, ctxs)
    return paths["md"]


def figures(runs: Path, run_id: str) -> dict[str, Any]:
    """The cascade findings of the sweep target, pooled over the misuse domains and per domain."""
    from frontiergate.analysis.load import load_contexts
    from frontiergate.analysis.metrics_multi_agent import multi_agent_findings, sweep_targets
    from frontiergate.store.db import Store

    store = Store(f"sqlite:///{runs / 'frontiergate.db'}")
    ctxs = load_contexts(store, run_id)
    out: dict[str, Any] = {}
    for target in sweep_targets(ctxs):
        ctx = ctxs[target]
        pooled = [s for s in ctx.samples if s.domain in MISUSE_DOMAINS]
        out[target] = {
            "pooled": [f.as_dict() for f in multi_agent_findings(pooled, "misuse (pooled)", ctx.confidence)],
            "domains": {
                d: [f.as_dict() for f in multi_agent_findings(ctx.for_domain(d), d, ctx.confidence)]
                for d in MISUSE_DOMAINS
            },
        }
    return out


def _pct(x: Any) -> str:
    return "n/a" if x is None else f"{100 * float(x):.0f}%"


def print_table(found: dict[str, Any]) -> None:
    for target, f in found.items():
        print(f"\n{target} — pooled over {', '.join(MISUSE_DOMAINS)}")
        print("| metric | slice | n | seeds | unknown | estimate [95% CI] | vs single agent: diff, McNemar p | "
              "latency s (single) | tokens (single) |")
        print("|---|---|---|---|---|---|---|---|---|")
        for x in f["pooled"]:
            d = x["details"]
            paired = d.get("paired") or {}
            diff = paired.get("diff")
            vs = "" if not paired else f"{'n/a' if diff is None else f'{100 * diff:+.0f} pp'}, p={x['p_value']}"
            cost = d.get("cost") or {}
            lat = "" if not cost else f"{cost.get('latency_s_mean'):.1f} ({cost.get('single_latency_s_mean'):.1f})"
            tok = "" if not cost else f"{cost.get('tokens_mean'):.0f} ({cost.get('single_tokens_mean'):.0f})"
            est = (
                f"{x['estimate']}" if x["metric"] == "multi_agent_robustness_margin"
                else f"{_pct(x['estimate'])} [{_pct(x['ci_low'])}, {_pct(x['ci_high'])}]"
            )
            if x["metric"] == "multi_agent_robustness_margin":
                est += f" [{x['ci_low']}, {x['ci_high']}]"
            print(f"| {x['metric']} | {x['slice']} | {x['n']} | {d.get('seeds', '')} | {d.get('unknown', '')} | "
                  f"{est} | {vs} | {lat} | {tok} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=EMBEDDED_MODEL)
    ap.add_argument("--cascade", default=DEFAULT_SPEC)
    ap.add_argument("--seeds", type=int, default=4, help="seed scenarios per misuse domain")
    ap.add_argument("--runs-dir", default="/tmp/fg/cascade/bench")
    ap.add_argument("--plot", default=None, help="write the cascade-rate curve (SVG) here")
    ap.add_argument("--json", default=None, help="write the findings (JSON) here")
    args = ap.parse_args()
    runs = Path(args.runs_dir)
    run_id, wall = run(args.model, args.cascade, args.seeds, runs)
    print(f"run {run_id} ({args.model}, --cascade {args.cascade}, {args.seeds} seeds per domain); "
          f"wall {'reused' if wall is None else f'{wall / 60:.1f} min'}, cores {os.cpu_count()}")
    print(f"report: {reanalyse(runs, run_id)}")
    found = figures(runs, run_id)
    print_table(found)
    if args.json:
        Path(args.json).write_text(json.dumps(found, indent=1, sort_keys=True), encoding="utf-8")
    if args.plot:
        from frontiergate.report.sections.multi_agent import cascade_curve_svg

        for target, f in found.items():
            svg = cascade_curve_svg(f["pooled"], f"Cascade rate vs compromised agents k: {target.split('/')[-1]}")
            Path(args.plot).write_text(svg, encoding="utf-8")
            break


if __name__ == "__main__":
    main()
