"""``frontiergate policy show | check FILE | metrics``."""

from __future__ import annotations

from pathlib import Path

import typer

from frontiergate.policy.loader import default_policy_path, load_policy


def _task_exists(name: str) -> bool:
    from frontiergate.pipeline.tasks import task_exists

    return task_exists(name)


def _metric_exists(name: str) -> bool:
    from frontiergate.analysis.registry import metric_exists

    return metric_exists(name)


def _metric_direction(name: str) -> str | None:
    from frontiergate.analysis.registry import metric_direction

    return metric_direction(name)


def register(app: typer.Typer) -> None:
    policy_app = typer.Typer(help="Show or check preparedness policies.", no_args_is_help=True)
    app.add_typer(policy_app, name="policy")

    @policy_app.command("show")
    def show(file: Path | None = typer.Argument(None, help="Policy file (default: the bundled policy).")) -> None:
        """Print a policy (the bundled default unless FILE is given)."""
        path = file or default_policy_path()
        load_policy(path, task_exists=_task_exists, metric_exists=_metric_exists, metric_direction=_metric_direction)
        typer.echo(path.read_text(encoding="utf-8"), nl=False)

    @policy_app.command("check")
    def check(file: Path = typer.Argument(..., help="Policy YAML file to validate.")) -> None:
        """Validate a policy file; every problem is printed with file, line and field path."""
        pol = load_policy(file, task_exists=_task_exists, metric_exists=_metric_exists,
                          metric_direction=_metric_direction)
        typer.echo(f"ok: {file} is a valid policy '{pol.name}' with domains {', '.join(pol.domains)}")

    @policy_app.command("metrics")
    def metrics_cmd() -> None:
        """List the findings the analysis produces: the names a criterion or watchlist item may use."""
        from frontiergate.analysis.metrics_foreign import REGISTRY_NAME
        from frontiergate.analysis.registry import metrics
        from frontiergate.policy.schema import CAPABILITY_METRICS

        for name, spec in metrics().items():
            if name == REGISTRY_NAME:
                continue  # files a foreign task's score under its criterion's own name; never named itself
            kind = "capability" if name in CAPABILITY_METRICS else "propensity"
            worse = "higher" if spec.higher_is_worse else "lower"
            typer.echo(f"{name} [default kind {kind}; {worse} is worse]: {spec.description}")
