"""``frontiergate elicit grid`` and ``frontiergate claims show | check``.

``elicit grid`` measures what test-time compute buys on the capability proxy task: accuracy,
tokens and critical-path latency for every (agents, budget) point, a Pareto plot, and the
elicitation findings; ``--claims`` checks published claims against them on the spot.
``claims check`` checks a claims file against the findings of a stored run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from frontiergate.cli.cmd_run import _parse_kv


def _kv(values: list[str]) -> dict[str, Any]:
    return _parse_kv(values, "-M")


def _print_verdicts(verdicts: list[Any]) -> None:
    for v in verdicts:
        interval = "n/a" if v.ci_low is None else f"[{v.ci_low:.3f}, {v.ci_high:.3f}] n={v.n}"
        typer.echo(f"{v.verdict.upper():<13} {v.claim_id:<28} {v.target or '-':<40} {interval}")
        typer.echo(f"{'':<14}{v.statement} — {v.reason}")


def _metric_exists(name: str) -> bool:
    from frontiergate.analysis.registry import metric_exists

    return metric_exists(name)


def register(app: typer.Typer) -> None:
    elicit_app = typer.Typer(help="Elicitation: thinking budget x parallel agents curves.", no_args_is_help=True)
    claims_app = typer.Typer(help="Check published claims against measurements.", no_args_is_help=True)
    app.add_typer(elicit_app, name="elicit")
    app.add_typer(claims_app, name="claims")

    @elicit_app.command("grid")
    def grid(
        model: str = typer.Option("frontiergate/gemma-3-270m", "--model", "-m", help="Inner model string."),
        agents: str = typer.Option("1,2,4", "--agents", help="Agent counts (the largest is run; others resampled)."),
        budgets: str = typer.Option("none,64", "--budgets", help="Thinking budgets in tokens ('none' = no budget)."),
        aggregator: str = typer.Option("vote", "--aggregator", help="vote | synthesise | judge."),
        domains: str = typer.Option("reasoning", "--domains", help="Capability domains (comma list)."),
        n_generated: int = typer.Option(10, "--n-generated", min=0, help="Generated reasoning problems."),
        difficulty: int = typer.Option(1, "--difficulty", min=1),
        max_per_domain: int | None = typer.Option(
            None, "--max-per-domain", min=1, help="Authored questions per domain."
        ),
        limit: int | None = typer.Option(None, "--limit", min=1),
        lam: float = typer.Option(0.05, "--lambda", help="Length penalty: accuracy per 1,000 output tokens."),
        out: Path = typer.Option(Path("runs/elicit"), "--out", help="Directory for logs, curves.json and pareto.png."),
        claims: Path | None = typer.Option(None, "--claims", help="Claims YAML to check against the grid's findings."),
        model_arg: list[str] = typer.Option([], "-M", help="Model arg key=value for the inner model."),
    ) -> None:
        """Run the capability task over agents x budgets and print accuracy, tokens and latency."""
        from frontiergate.claims import check_claims, load_claims
        from frontiergate.elicitation.curves import format_table, pareto_front, plot_pareto
        from frontiergate.elicitation.grid import parse_agents, parse_budgets, run_grid

        claims_file = load_claims(claims, _metric_exists) if claims else None  # fail before any model call
        task_args: dict[str, Any] = {"domains": domains, "n_generated": n_generated, "difficulty": difficulty}
        if max_per_domain is not None:
            task_args["max_per_domain"] = max_per_domain
        result = run_grid(
            model,
            parse_agents(agents),
            parse_budgets(budgets),
            task_args=task_args,
            model_args=_kv(model_arg),
            aggregator=aggregator,
            limit=limit,
            log_dir=out / "logs",
            lam=lam,
        )
        typer.echo(f"target: {result.target}")
        typer.echo(format_table(result.points))
        front = pareto_front(result.points)
        typer.echo("Pareto front (tokens): " + "; ".join(p.label for p in front))
        for f in result.findings:
            if f.slice == "all":
                typer.echo(
                    f"{f.metric}[{f.domain}] = {f.estimate:.3f} [{f.ci_low:.3f}, {f.ci_high:.3f}] n={f.n}"
                    + (f" ({f.details.get('elicited_by')})" if "elicited_by" in f.details else "")
                )
        out.mkdir(parents=True, exist_ok=True)
        png = plot_pareto(result.points, out / "pareto.png", title=f"{result.target}: accuracy vs cost")
        (out / "curves.json").write_text(
            json.dumps(
                {
                    "target": result.target,
                    "points": [p.as_dict() for p in result.points],
                    "findings": [f.as_dict() for f in result.findings],
                },
                indent=2,
                default=str,
            ),
            encoding="utf-8",
        )
        typer.echo(f"wrote {png} and {out / 'curves.json'}")
        if claims_file is not None:
            _print_verdicts(check_claims(claims_file, {result.target: [f.as_dict() for f in result.findings]}))

    @claims_app.command("show")
    def show() -> None:
        """Print the bundled example claims file."""
        from frontiergate.claims import default_claims_path

        typer.echo(default_claims_path().read_text(encoding="utf-8"), nl=False)

    @claims_app.command("check")
    def check(
        file: Path = typer.Argument(..., help="Claims YAML."),
        run: str = typer.Option(..., "--run", help="Run id whose stored findings are checked."),
        runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", help="Where the default SQLite store lives."),
        store: str | None = typer.Option(None, "--store", envvar="FRONTIERGATE_STORE", help="Store URL."),
        as_json: bool = typer.Option(False, "--json", help="Print verdicts as JSON."),
    ) -> None:
        """Verdict per claim and target: verified, refuted, inconclusive (with the deciding interval)."""
        from frontiergate.claims import check_claims, load_claims
        from frontiergate.claims.store import findings_of_run
        from frontiergate.store.db import Store, default_store_url

        claims_file = load_claims(file, _metric_exists)
        findings = findings_of_run(Store(store or default_store_url(runs_dir)), run)
        verdicts = check_claims(claims_file, findings)
        if as_json:
            typer.echo(json.dumps([v.as_dict() for v in verdicts], indent=2))
        else:
            _print_verdicts(verdicts)
