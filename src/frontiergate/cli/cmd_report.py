"""``frontiergate report``: regenerate a run's reports (and manifest) from the store."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console()


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        run: str = typer.Argument(..., help="Run id or run directory."),
        store: str | None = typer.Option(None, "--store", help="SQLAlchemy URL of the results store."),
        runs_dir: Path | None = typer.Option(
            None, "--runs-dir", help="Where the default SQLite store lives."
        ),
        out: Path | None = typer.Option(None, "--out", help="Write here instead of the run directory."),
        pdf: bool = typer.Option(False, "--pdf", help="Also print report.pdf through headless Chromium."),
    ) -> None:
        """Rebuild report.json, report.md, report.html and manifest.json from the stored records."""
        from frontiergate.report.locate import locate_run
        from frontiergate.report.write import write_reports

        loc = locate_run(run, store, runs_dir)
        target = out or loc.run_dir
        _, paths = write_reports(loc.store, loc.run_id, target)
        if pdf:
            from frontiergate.report.pdf import print_pdf

            paths["pdf"] = print_pdf(paths["html"], target / "report.pdf")
        for kind, p in paths.items():
            console.print(f"{kind}: {p}", highlight=False)
