"""``frontiergate validate realism FILE``: how well the realism meter separates eval from real text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from frontiergate.cli.validate_group import validate_app
from frontiergate.errors import FrontiergateError


def _report(file: Path, head: Path | None, limit: int | None, seed: int) -> dict[str, Any]:
    from frontiergate.awareness.realism import RealismHead, RealismMeter
    from frontiergate.awareness.twobytwo import cell_report, load_labelled_file, subsample

    rows = load_labelled_file(file)
    if limit is not None:
        rows = subsample(rows, limit, seed)
    if len({r.label for r in rows}) < 2:
        raise FrontiergateError(f"{file}: every row has label '{rows[0].label}'",
                                "AUROC needs both eval and deploy rows")
    meter = RealismMeter(RealismHead.load(head) if head is not None else None)
    p_eval = [float(x) for x in meter.test_likeness([r.text for r in rows])]
    rep = cell_report(rows, p_eval)
    if not any(r.format for r in rows):
        rep.pop("per_format")
        rep.pop("comparisons")
    else:
        rep["comparisons"] = {k: v for k, v in rep["comparisons"].items() if v["auroc"] is not None}
    rep["file"] = str(file)
    rep["score"] = "test_likeness = P(eval) of the realism meter"
    return rep


def validate_realism(
    file: Path = typer.Argument(..., help="JSONL or CSV: text, label (eval|deploy), optional format."),
    head: Path | None = typer.Option(None, "--head", help="A realism head .npz other than the bundled one."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="At most this many rows per label×format."),
    seed: int = typer.Option(0, "--seed", help="Seed of the --limit subset."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (key 'auroc')."),
) -> None:
    """Score a labelled file with the realism meter; print AUROC overall and per format."""
    from frontiergate.awareness.twobytwo import fmt_auroc

    try:
        rep = _report(file, head, limit, seed)
    except FrontiergateError as exc:
        typer.echo(exc.render(), err=True)
        raise typer.Exit(exc.exit_code) from None
    if as_json:
        typer.echo(json.dumps(rep, indent=2, sort_keys=True))
        return
    typer.echo(f"file       {file}")
    typer.echo(f"rows       {rep['n']}")
    typer.echo(f"AUROC      {fmt_auroc(rep['auroc'])}  (test-likeness vs label eval)")
    for fmt, v in rep.get("per_format", {}).items():
        typer.echo(f"  format={fmt:<10} AUROC {fmt_auroc(v['auroc'])}  (n={v['n']})")
    for name, v in rep.get("comparisons", {}).items():
        cells = f"{v['eval_cell']} vs {v['deploy_cell']}"
        typer.echo(f"  {name:<17} {cells}: AUROC {fmt_auroc(v['auroc'])} (n={v['n']})")
    for cell, v in rep["cells"].items():
        typer.echo(f"  mean P(eval) {cell:<17} {v['mean_p_eval']:.3f} (n={v['n']})")


def register(app: typer.Typer) -> None:
    """Add ``realism`` to the ``validate`` group (the group itself is registered by cmd_validate)."""
    names = {c.name for c in validate_app.registered_commands}
    if "realism" not in names:
        validate_app.command("realism")(validate_realism)
