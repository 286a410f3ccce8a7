"""Elicitation grid on the embedded model, on CPU: accuracy, tokens and latency vs agents x budget.

Runs the capability proxy task's generated reasoning problems once per budget on
``contemplate/<model>`` with the largest agent count; smaller counts are resampled. Prints the
curve table, the elicitation findings and both latencies: the critical path of a parallel
deployment (slowest agent + aggregator) and the latency measured here, where one llama.cpp
context serves the agents one after another.

    python benchmarks/bench_elicitation.py --agents 1,2,4 --budgets 16,48 --n 10
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from frontiergate.elicitation.curves import format_table, pareto_front, plot_pareto
from frontiergate.elicitation.grid import parse_agents, parse_budgets, run_grid


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="frontiergate/gemma-3-270m")
    ap.add_argument("--agents", default="1,2,4")
    ap.add_argument("--budgets", default="16,48")
    ap.add_argument("--n", type=int, default=10, help="generated reasoning problems")
    ap.add_argument("--domains", default="reasoning", help="capability domains, e.g. reasoning or cyber,chem_bio")
    ap.add_argument("--max-per-domain", type=int, default=None, help="authored questions per domain")
    ap.add_argument("--difficulty", type=int, default=1)
    ap.add_argument("--fewshot", type=int, default=2, help="worked examples shown first (base models)")
    ap.add_argument("--answer-tokens", type=int, default=12, help="tokens for the final-answer continuation")
    ap.add_argument("--lam", type=float, default=0.05, help="length penalty per 1,000 tokens")
    ap.add_argument("--out", type=Path, default=Path("runs/bench-elicitation"))
    args = ap.parse_args()

    agents, budgets = parse_agents(args.agents), parse_budgets(args.budgets)
    task_args = {
        "domains": args.domains,
        "n_generated": args.n,
        "difficulty": args.difficulty,
        "fewshot": args.fewshot,
    }
    if args.max_per_domain is not None:
        task_args["max_per_domain"] = args.max_per_domain
    start = time.perf_counter()
    result = run_grid(
        args.model,
        agents,
        budgets,
        task_args=task_args,
        model_args={"answer_tokens": args.answer_tokens},
        log_dir=args.out / "logs",
        lam=args.lam,
    )
    wall = time.perf_counter() - start
    samples = [s for lg in result.logs for s in lg.samples or []]
    calls = sum(len((s.output.metadata or {}).get("contemplate", {}).get("calls", [])) for s in samples)
    measured = [
        float(s.scores["capability_match"].metadata["elicitation"]["critical_path_s"])
        for s in samples
        if s.scores and "capability_match" in s.scores
    ]
    out_tokens = sum(u.output_tokens for s in samples for u in (s.model_usage or {}).values())
    print(
        f"target: {result.target}  agents={agents}  budgets={budgets}  answers per budget: "
        f"{len(samples) // len(budgets)}  domains={args.domains}"
    )
    print(
        f"wall {wall:.1f} s for {len(samples)} answers, {calls} model calls, {out_tokens} output tokens "
        f"({out_tokens / wall:.1f} tokens/s)"
    )
    print(format_table(result.points))
    print("Pareto front (tokens):", "; ".join(p.label for p in pareto_front(result.points)))
    if measured:
        print(
            f"measured latency per answer at N={max(agents)} on this CPU (agents share one llama.cpp "
            f"context): mean {statistics.mean(measured):.2f} s"
        )
    for f in result.findings:
        if f.slice == "all":
            print(
                f"{f.metric}[{f.domain}] = {f.estimate:.3f} [{f.ci_low:.3f}, {f.ci_high:.3f}] n={f.n} "
                f"{f.details.get('elicited_by', '')}"
            )
    png = plot_pareto(result.points, args.out / "pareto.png", title=f"{result.target}: accuracy vs cost")
    print(f"wrote {png}")


if __name__ == "__main__":
    main()
