"""``frontiergate validate harm FILE``: agreement of "attack success" with human harm labels."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from frontiergate.cli.validate_group import validate_app
from frontiergate.errors import FrontiergateError


def validate_harm(
    file: Path = typer.Argument(
        ..., help="HarmBench's text_behaviors_val_set.json (human_0..2 labels), used in place; never copied."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of text."),
) -> None:
    """Score each labelled answer with the rules path; print accuracy, precision, recall (Wilson 95% CI)."""
    from frontiergate.validation.harm import format_harm_report, load_harmbench_val, validate_attack_success

    try:
        report = validate_attack_success(load_harmbench_val(file))
    except FrontiergateError as exc:
        typer.echo(exc.render(), err=True)
        raise typer.Exit(exc.exit_code) from None
    if as_json:
        d = report.as_dict()
        d["file"] = str(file)
        typer.echo(json.dumps(d, indent=2, sort_keys=True))
    else:
        typer.echo(format_harm_report(report, title=f"file       {file}"))


def register(app: typer.Typer) -> None:
    """Add ``harm`` to the ``validate`` group (the group itself is registered by cmd_validate)."""
    names = {c.name for c in validate_app.registered_commands}
    if "harm" not in names:
        validate_app.command("harm")(validate_harm)
