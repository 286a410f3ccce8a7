"""``frontiergate runs``: list the runs in a store, newest first."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table


def register(app: typer.Typer) -> None:
    @app.command("runs")
    def runs(
        store: str | None = typer.Option(None, "--store", help="SQLAlchemy URL of the results store."),
        runs_dir: Path | None = typer.Option(
            None, "--runs-dir", help="Where the default SQLite store lives."
        ),
    ) -> None:
        """Runs with their status, targets, policy and overall decision."""
        from frontiergate.dashboard.queries import run_summaries
        from frontiergate.report.locate import open_store

        console = Console()  # created here so the terminal width is read when the command runs
        rows = run_summaries(open_store(store, runs_dir))
        table = Table(title=f"{len(rows)} run(s)")
        for col in ("run", "started (UTC)", "status", "policy", "targets → decision"):
            table.add_column(col)
        for r in rows:
            table.add_row(
                r["id"],
                r["started_at"],
                r["status"],
                r["policy"],
                "\n".join(f"{t}: {a}" for t, a in r["decisions"].items()),
            )
        console.print(table)
