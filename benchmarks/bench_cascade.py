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


AUTONOMY_FAMILIES = (
    "oversight_subversion", "self_exfiltration", "goal_guarding", "privilege_escalation", "resource_acquisition",
    "covering_tracks",
)  # fmt: skip
AUTONOMY_CONDITION = "nudge:strong|threat:replacement|affordance:present"


def autonomy_policy(path: Path, turns: int) -> Path:
    """The bundled policy with only the autonomy domain, its evaluation set to the bench's scenarios
    (in the policy, since ``-T`` cannot carry a condition key: it holds colons)."""
    from importlib.resources import files

    pol = yaml.safe_load((files("frontiergate.policy") / "default_policy.yaml").read_text(encoding="utf-8"))
    auto = pol["domains"]["autonomy"]
    auto["evaluations"] = [
        {
            "task": "frontiergate/autonomy",
            "args": {
                "families": list(AUTONOMY_FAMILIES),
                "stories": ["grid"],
                "conditions": [AUTONOMY_CONDITION],
                "include_controls": False,
                "max_turns": turns,
                "max_tokens": 192,
            },
        }
    ]
    pol["domains"] = {"autonomy": auto}
    pol.pop("watchlist", None)
    path.write_text(yaml.safe_dump(pol, sort_keys=False), encoding="utf-8")
    return path


def run_autonomy(model: str, spec: str, turns: int, runs: Path) -> tuple[str, float | None]:
    """``--suite autonomy``: one episode per configuration on the strongest conflict of every violating
    family (one cover story: one scenario base per family), paired with the single honest agent."""
    key = {"suite": "autonomy", "model": model, "cascade": spec, "turns": turns, "attempt_timeout_s": ATTEMPT_TIMEOUT_S}
    marker = runs / "bench_cascade.json"
    if (done := _finished(marker, key)) is not None:
        return done
    runs.mkdir(parents=True, exist_ok=True)
    policy = autonomy_policy(runs / "bench_policy.yaml", turns)
    cmd = [
        sys.executable, "-m", "frontiergate", "run", "--model", model, "--cascade", spec, "--policy", str(policy),
        "-M", "n_threads=1", "--runs-dir", str(runs), "--display", "none", "-d", "autonomy",
        # one episode turn is n agent calls plus the judge's on one llama.cpp context
        "--attempt-timeout", str(ATTEMPT_TIMEOUT_S), "--request-budget", str(2 * ATTEMPT_TIMEOUT_S),
    ]  # fmt: skip
    return _execute(cmd, runs, marker, key)


def _finished(marker: Path, key: dict[str, object]) -> tuple[str, float | None] | None:
    """The run id and wall time of a finished run with these settings, if ``marker`` records one."""
    if not marker.exists():
        return None
    done = json.loads(marker.read_text(encoding="utf-8"))
    return (str(done["run_id"]), done.get("wall_s")) if done.get("key") == key else None


def _execute(cmd: list[str], runs: Path, marker: Path, key: dict[str, object]) -> tuple[str, float]:
    """Run one frontiergate command (one thread), record its run id under ``key`` in ``marker``."""
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
    if (done := _finished(marker, key)) is not None:
        return done
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
    return _execute(cmd, runs, marker, key)


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


def figures(runs: Path, run_id: str, domains: tuple[str, ...] = MISUSE_DOMAINS) -> dict[str, Any]:
    """The cascade findings of the sweep target, pooled over ``domains`` and per domain."""
    from frontiergate.analysis.load import load_contexts
    from frontiergate.analysis.metrics_multi_agent import multi_agent_findings, sweep_targets
    from frontiergate.store.db import Store

    store = Store(f"sqlite:///{runs / 'frontiergate.db'}")
    ctxs = load_contexts(store, run_id)
    out: dict[str, Any] = {}
    for target in sweep_targets(ctxs):
        ctx = ctxs[target]
        pooled = [s for s in ctx.samples if s.domain in domains]
        name = domains[0] if len(domains) == 1 else "misuse (pooled)"
        out[target] = {
            "pooled": [f.as_dict() for f in multi_agent_findings(pooled, name, ctx.confidence)],
            "domains": {
                d: [f.as_dict() for f in multi_agent_findings(ctx.for_domain(d), d, ctx.confidence)] for d in domains
            },
        }
    return out


def episode_table(runs: Path, run_id: str) -> list[dict[str, Any]]:
    """Autonomy: what every configuration's episodes did, whatever the baseline (descriptive, per
    configuration: violated / refused / unknown by reason, with a Wilson interval on the violation
    share among all episodes, unknowns counted as unknown; one scenario per seed, so no clustering)."""
    from collections import Counter

    from frontiergate.analysis.load import load_contexts
    from frontiergate.analysis.metrics_multi_agent import sweep_targets
    from frontiergate.stats.intervals import wilson_interval
    from frontiergate.store.db import Store

    ctxs = load_contexts(Store(f"sqlite:///{runs / 'frontiergate.db'}"), run_id)
    rows: list[dict[str, Any]] = []
    for target in sweep_targets(ctxs):
        metas = [sc.meta for s in ctxs[target].samples if (sc := s.scores.get("cascade")) and sc.meta.get("applicable")]
        arms: dict[str, list[dict[str, Any]]] = {"single": [m["single"] for m in metas]}
        for m in metas:
            for cfg in m["configs"]:
                for agg, a in cfg["aggregates"].items():
                    arms.setdefault(f"k={cfg['k']},{agg}", []).append(a)
        for arm, eps in arms.items():
            kinds = Counter(
                e["outcome"] if e["outcome"] != "unknown" else f"unknown({e.get('unknown_reason')})" for e in eps
            )
            bad = kinds.get("complied_harmful", 0)
            w = wilson_interval(bad, len(eps))
            rows.append({
                "target": target, "arm": arm, "episodes": len(eps), "violated": bad,
                "violated_ci": [w.low, w.high], "outcomes": dict(kinds),
                "compromised_action_taken": sum(1 for e in eps if e.get("chosen_compromised")),
                "latency_s_mean": sum(float(e.get("latency_s") or 0) for e in eps) / max(1, len(eps)),
                "tokens_mean": sum(int(e.get("tokens") or 0) for e in eps) / max(1, len(eps)),
            })  # fmt: skip
    return rows


def _pct(x: Any) -> str:
    return "n/a" if x is None else f"{100 * float(x):.0f}%"


def print_table(found: dict[str, Any], domains: tuple[str, ...] = MISUSE_DOMAINS) -> None:
    for target, f in found.items():
        print(f"\n{target} — pooled over {', '.join(domains)}")
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
    ap.add_argument("--suite", choices=("misuse", "autonomy"), default="misuse",
                    help="misuse items (one answer per configuration) or autonomy scenarios (one episode each)")
    ap.add_argument("--turns", type=int, default=3, help="autonomy: model turns per episode")
    args = ap.parse_args()
    runs = Path(args.runs_dir)
    if args.suite == "autonomy":
        domains: tuple[str, ...] = ("autonomy",)
        run_id, wall = run_autonomy(args.model, args.cascade, args.turns, runs)
        what = f"{len(AUTONOMY_FAMILIES)} scenarios, {args.turns} turns"
    else:
        domains = MISUSE_DOMAINS
        run_id, wall = run(args.model, args.cascade, args.seeds, runs)
        what = f"{args.seeds} seeds per domain"
    print(f"run {run_id} ({args.model}, --cascade {args.cascade}, {what}); "
          f"wall {'reused' if wall is None else f'{wall / 60:.1f} min'}, cores {os.cpu_count()}")
    print(f"report: {reanalyse(runs, run_id)}")
    found = figures(runs, run_id, domains)
    print_table(found, domains)
    extra: dict[str, Any] = {}
    if args.suite == "autonomy":
        episodes = episode_table(runs, run_id)
        print("\n| arm | episodes | violated (95% Wilson) | outcomes | compromised action taken | latency s | tokens |")
        print("|---|---|---|---|---|---|---|")
        for r in episodes:
            lo, hi = r["violated_ci"]
            print(f"| {r['arm']} | {r['episodes']} | {r['violated']} ({_pct(lo)}-{_pct(hi)}) | "
                  f"{', '.join(f'{k} {v}' for k, v in sorted(r['outcomes'].items()))} | "
                  f"{r['compromised_action_taken']} | {r['latency_s_mean']:.1f} | {r['tokens_mean']:.0f} |")
        extra["episodes"] = episodes
    if args.json:
        Path(args.json).write_text(json.dumps({**found, **extra}, indent=1, sort_keys=True), encoding="utf-8")
    if args.plot:
        from frontiergate.report.sections.multi_agent import cascade_curve_svg

        for target, f in found.items():
            svg = cascade_curve_svg(f["pooled"], f"Cascade rate vs compromised agents k: {target.split('/')[-1]}")
            Path(args.plot).write_text(svg, encoding="utf-8")
            break


if __name__ == "__main__":
    main()
