"""Registers the ``validate`` group; its commands come from ``cmd_validate_*.py`` modules."""

from __future__ import annotations

import typer

from frontiergate.cli.validate_group import validate_app


def register(app: typer.Typer) -> None:
    app.add_typer(validate_app, name="validate")
