"""``frontiergate compare``: paired comparison of two runs, written as JSON, Markdown and HTML."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console()


def register(app: typer.Typer) -> None:
    @app.command("compare")
    def compare(
        run_a: str = typer.Argument(..., help="Run A (id or directory): the reference."),
        run_b: str = typer.Argument(..., help="Run B (id or directory): changes are B − A."),
        out: Path | None = typer.Option(None, "--out", help="Directory for comparison.{json,md,html}."),
        store: str | None = typer.Option(None, "--store", help="SQLAlchemy URL of the results store."),
        runs_dir: Path | None = typer.Option(
            None, "--runs-dir", help="Where the default SQLite store lives."
        ),
    ) -> None:
        """Pair items answered in both runs; test the change per target and domain."""
        from frontiergate.report.compare import compare_runs, write_comparison
        from frontiergate.report.locate import locate_run

        a = locate_run(run_a, store, runs_dir)
        b = locate_run(run_b, store, runs_dir)
        cmp = compare_runs(a.store, a.run_id, b.store, b.run_id)
        target = out or Path(f"compare-{a.run_id}-vs-{b.run_id}")
        paths = write_comparison(cmp, target)
        for p in cmp["pairs"]:
            for f in p["findings"]:
                if f["slice"] == "all" and f["verdict"]:
                    est = "n/a" if f["estimate"] is None else f"{f['estimate'] * 100:+.1f} pp"
                    console.print(
                        f"{p['target_a']} · {f['domain']} · {f['metric']}: {est} "
                        f"(n={f['n']} pairs, p={f['p_value']}) → {f['verdict']}",
                        highlight=False,
                    )
        for x in cmp["limitations"]:
            console.print(f"[yellow]limitation:[/yellow] {x}", highlight=False)
        console.print(f"comparison: {paths['md']} · {paths['json']} · {paths['html']}", highlight=False)
