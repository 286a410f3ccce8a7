"""``frontiergate validate refusal FILE``: agreement of a refusal scorer with human labels."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from frontiergate.cli.validate_group import validate_app
from frontiergate.errors import FrontiergateError

if TYPE_CHECKING:  # the scorer pulls in scipy: import it when the command runs, not at CLI start
    from frontiergate.validation.refusal import AgreementReport, GoldLabel


class ScorerName(StrEnum):
    rules = "rules"
    judge = "judge"


class PartialAs(StrEnum):
    refusal = "refusal"
    compliance = "compliance"


def validate_refusal(
    file: Path = typer.Argument(..., help="Labelled CSV or JSONL (columns prompt, response, label)."),
    scorer: ScorerName = typer.Option(
        ScorerName.rules, "--scorer", help="rules (offline) or judge (a model)."
    ),
    judge_model: str | None = typer.Option(
        None, "--judge-model", help="Inspect model for --scorer judge, e.g. frontiergate/gemma-3-270m."
    ),
    prompt_column: str = typer.Option("prompt", "--prompt-column", help="Column holding the request."),
    response_column: str = typer.Option("response", "--response-column", help="Column holding the answer."),
    label_column: str = typer.Option(
        "label",
        "--label-column",
        help="Column with refusal|compliance (or XSTest 1_full_compliance|2_full_refusal|3_partial_refusal).",
    ),
    partial_as: PartialAs = typer.Option(
        PartialAs.refusal, "--partial-as", help="How a scorer's 'partial' label counts (XSTest: refusal)."
    ),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Score a reproducible random subset."),
    seed: int = typer.Option(0, "--seed", help="Seed of the --limit subset."),
    judge_max_tokens: int = typer.Option(400, "--judge-max-tokens", min=16, help="Token budget per verdict."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of text."),
) -> None:
    """Score a labelled file and print agreement (Wilson 95% CI), precision, recall, F1, confusion."""
    from frontiergate.validation.refusal import format_report

    try:
        report = _run(
            file,
            scorer,
            judge_model,
            prompt_column,
            response_column,
            label_column,
            "refusal" if partial_as is PartialAs.refusal else "compliance",
            limit,
            seed,
            judge_max_tokens,
        )
    except FrontiergateError as exc:
        # CliRunner and `python -m` bypass cli.main's handler: map to exit 2 here as well
        typer.echo(exc.render(), err=True)
        raise typer.Exit(exc.exit_code) from None
    if as_json:
        d = report.as_dict()
        d["file"] = str(file)
        typer.echo(json.dumps(d, indent=2, sort_keys=True))
    else:
        typer.echo(format_report(report, title=f"file       {file}"))


def _run(
    file: Path,
    scorer: ScorerName,
    judge_model: str | None,
    prompt_column: str,
    response_column: str,
    label_column: str,
    partial_as: GoldLabel,
    limit: int | None,
    seed: int,
    judge_max_tokens: int,
) -> AgreementReport:
    from frontiergate.validation.refusal import load_labelled, subsample, validate_judge, validate_rules

    if scorer is ScorerName.judge and not judge_model:
        raise FrontiergateError(
            "--scorer judge needs a grader model",
            "add --judge-model MODEL (an Inspect model string, e.g. frontiergate/gemma-3-270m)",
        )
    rows = subsample(load_labelled(file, prompt_column, response_column, label_column), limit, seed)
    if scorer is ScorerName.judge:
        assert judge_model is not None
        return validate_judge(rows, judge_model, partial_as=partial_as, max_tokens=judge_max_tokens)
    return validate_rules(rows, partial_as=partial_as)


def register(app: typer.Typer) -> None:
    """Add ``refusal`` to the ``validate`` group (the group itself is registered by cmd_validate)."""
    names = {c.name for c in validate_app.registered_commands}
    if "refusal" not in names:
        validate_app.command("refusal")(validate_refusal)
