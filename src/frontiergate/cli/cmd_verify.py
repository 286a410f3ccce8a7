"""``frontiergate verify``: re-hash a run's files and recompute its report from the store and the logs."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console()


def register(app: typer.Typer) -> None:
    @app.command("verify")
    def verify(
        run: str = typer.Argument(..., help="Run id or run directory."),
        store: str | None = typer.Option(None, "--store", help="SQLAlchemy URL of the results store."),
        runs_dir: Path | None = typer.Option(
            None, "--runs-dir", help="Where the default SQLite store lives."
        ),
    ) -> None:
        """Fail (exit 1) if any report, log or figure differs from what the stored evidence gives."""
        from frontiergate.report.integrity import verify_run
        from frontiergate.report.locate import locate_run

        loc = locate_run(run, store, runs_dir)
        result = verify_run(loc.store, loc.run_id, loc.run_dir)
        if result.ok:
            console.print(
                f"[green]verified[/green] run {loc.run_id}: " + "; ".join(result.checks), soft_wrap=True
            )
            return
        console.print(
            f"[red]verification FAILED[/red] for run {loc.run_id} ({len(result.problems)} problem(s)):",
            highlight=False,
        )
        for p in result.problems:
            console.print(f"  - {p}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(1)
