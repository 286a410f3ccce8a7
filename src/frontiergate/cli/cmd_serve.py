"""``frontiergate serve``: the web dashboard over a results store."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: str = typer.Option(
            "127.0.0.1", "--host", help="Interface to listen on (default: this machine only)."
        ),
        port: int = typer.Option(8765, "--port", min=1, max=65535),
        store: str | None = typer.Option(None, "--store", help="SQLAlchemy URL of the results store."),
        runs_dir: Path | None = typer.Option(
            None, "--runs-dir", help="Where the default SQLite store lives."
        ),
    ) -> None:
        """Browse runs, reports, samples with full transcripts, and compare two runs."""
        import uvicorn

        from frontiergate.dashboard.app import create_app
        from frontiergate.report.locate import open_store

        uvicorn.run(create_app(open_store(store, runs_dir)), host=host, port=port, log_level="warning")
