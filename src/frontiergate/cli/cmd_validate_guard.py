"""``frontiergate validate guard FILE``: a guard's F1, AUPRC and false-positive rate on labelled data."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from frontiergate.cli.validate_group import validate_app
from frontiergate.errors import FrontiergateError


def validate_guard(
    file: Path = typer.Argument(
        ..., help="Labelled JSONL or CSV (text + label unsafe/safe), or an OpenAI moderation file."
    ),
    guard: str = typer.Option("rules", "--guard", help="rules | principled | classifier"),
    guard_model: str = typer.Option(
        "frontiergate/gemma-3-270m", "--guard-model", help="Inspect model for --guard principled."
    ),
    text_column: str = typer.Option("text", "--text-column", help="Column with the text (falls back to 'prompt')."),
    label_column: str = typer.Option("label", "--label-column", help="Column with unsafe/safe labels."),
    fmt: str = typer.Option("auto", "--format", help="auto | plain | openai-moderation"),
    strict_missing: bool = typer.Option(
        False,
        "--strict-missing",
        help="Moderation format: leave out unflagged rows with unannotated categories instead of counting them safe.",
    ),
    limit: int | None = typer.Option(None, "--limit", help="Score a stratified subsample of at most N rows."),
    threshold: float | None = typer.Option(
        None, "--threshold", help="Classifier decision threshold (default: shipped)."
    ),
    concurrency: int = typer.Option(4, "--concurrency", help="Parallel guard-model calls (principled)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (keys f1, auprc, fpr, n, ...)."),
) -> None:
    """Score a guard on labelled data: F1 (bootstrap CI), AUPRC, false-positive rate (Wilson CI) and n."""
    from frontiergate.safeguards.validation import guard_metrics, load_labelled, predict, stratified_subsample

    if guard not in ("rules", "principled", "classifier"):
        raise FrontiergateError(f"--guard '{guard}' is not a guard", "use --guard rules, principled or classifier")
    if fmt not in ("auto", "plain", "openai-moderation"):
        raise FrontiergateError(f"--format '{fmt}' is not known", "use auto, plain or openai-moderation")
    data = load_labelled(
        file,
        fmt=fmt,  # type: ignore[arg-type]
        text_column=text_column,
        label_column=label_column,
        missing_as_safe=not strict_missing,
    )
    data = stratified_subsample(data, limit)
    if guard == "classifier":
        from frontiergate.safeguards.classifier_guard import ClassifierGuard

        g: object = ClassifierGuard(threshold=threshold)
    else:
        import frontiergate._registry  # noqa: F401  (registers frontiergate/ models for --guard-model)
        from frontiergate.models.safeguarded import build_guard

        g = build_guard(guard, guard_model=guard_model if guard == "principled" else None)
    from frontiergate.safeguards.guard import Guard

    assert isinstance(g, Guard)
    blocked, scores, unreadable = predict(g, data.texts, concurrency=concurrency)
    result = guard_metrics(data.labels, blocked, scores)
    result.update(
        {"file": str(file), "guard": guard, "unknown_labels_excluded": data.unknown, "unreadable_verdicts": unreadable}
    )
    if guard == "principled":
        result["guard_model"] = guard_model
    if as_json:
        typer.echo(json.dumps(result, sort_keys=True))
        return

    def pct(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.3f}"

    typer.echo(
        f"guard {guard} on {file}: n={result['n']} ({result['n_unsafe']} unsafe, {result['n_safe']} safe"
        + (f"; {data.unknown} unknown-label rows excluded" if data.unknown else "")
        + ")"
    )
    typer.echo(f"  F1        {pct(result['f1'])}  [95% CI {pct(result['f1_ci'][0])}, {pct(result['f1_ci'][1])}]")
    typer.echo(f"  AUPRC     {pct(result['auprc'])}")
    typer.echo(
        f"  FPR       {pct(result['fpr'])}  [Wilson 95% {pct(result['fpr_ci'][0])}, {pct(result['fpr_ci'][1])}]"
        f"  (n safe = {result['n_safe']})"
    )
    typer.echo(f"  precision {pct(result['precision'])}  recall {pct(result['recall'])}")
    if unreadable:
        typer.echo(f"  {unreadable} guard repl(ies) unreadable, counted as block")
    if result["note"]:
        typer.echo(f"  note: {result['note']}")


def register(app: typer.Typer) -> None:
    """Add ``guard`` to the ``validate`` group (the group itself is registered by cmd_validate)."""
    if "guard" not in {c.name for c in validate_app.registered_commands}:
        validate_app.command("guard")(validate_guard)
