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
    guard: str = typer.Option(
        "rules", "--guard", help="rules | principled | classifier | tuned ('frontiergate guard build')"
    ),
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
    decode: bool | None = typer.Option(
        None,
        "--decode/--no-decode",
        help="Also judge the decoded view of each text (base64, hex, URL, ROT13, leetspeak, reversed, split "
        "payloads); block if either view is blocked. Default: the classifier head's setting, off for other guards.",
    ),
    unseen_families: str | None = typer.Option(
        None,
        "--unseen-families",
        help="Also score the guard on scenario-library items of these transform families (comma list or 'all') "
        "from the seeds no guard is trained on: recall, false positives on benign twins, seed-clustered CIs.",
    ),
) -> None:
    """Score a guard on labelled data: F1 (bootstrap CI), AUPRC, false-positive rate (Wilson CI) and n."""
    from frontiergate.safeguards.validation import guard_metrics, load_labelled, predict, stratified_subsample

    if guard not in ("rules", "principled", "classifier", "tuned"):
        raise FrontiergateError(
            f"--guard '{guard}' is not a guard", "use --guard rules, principled, classifier or tuned"
        )
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
    families = _parse_families(unseen_families)
    if guard in ("classifier", "tuned"):
        from frontiergate.safeguards.classifier_guard import ClassifierGuard

        head = None
        if guard == "tuned":
            from frontiergate.safeguards.tuned_guard import load_tuned_head

            head = load_tuned_head()
        g: object = ClassifierGuard(head, threshold=threshold, decode=decode)
    else:
        import frontiergate._registry  # noqa: F401  (registers frontiergate/ models for --guard-model)
        from frontiergate.models.safeguarded import build_guard

        g = build_guard(guard, guard_model=guard_model if guard == "principled" else None)
        if decode:
            from frontiergate.safeguards.decode import DecodingGuard

            g = DecodingGuard(g)
    from frontiergate.safeguards.guard import Guard

    assert isinstance(g, Guard)
    blocked, scores, unreadable = predict(g, data.texts, concurrency=concurrency)
    result = guard_metrics(data.labels, blocked, scores)
    result.update(
        {
            "file": str(file),
            "guard": guard,
            "decode": bool(getattr(g, "decode", isinstance(g, Guard) and g.name.endswith("+decode"))),
            "unknown_labels_excluded": data.unknown,
            "unreadable_verdicts": unreadable,
        }
    )
    if families is not None:
        result["unseen_families"] = _score_families(g, families, concurrency)
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
        typer.echo(
            f"  {unreadable} guard repl(ies) gave no readable verdict ({result['unreadable_unsafe']} unsafe, "
            f"{result['unreadable_safe']} safe): counted as misses on unsafe rows (recall, F1) and as blocks "
            "on safe rows (FPR)"
        )
    if result["note"]:
        typer.echo(f"  note: {result['note']}")
    fam = result.get("unseen_families")
    if fam:
        rc, fp = fam["recall"], fam["fpr_benign_twins"]
        typer.echo(
            f"  scenario families {', '.join(fam['families'])} on held-out seeds: recall {pct(rc['value'])} "
            f"[{pct(rc['ci'][0])}, {pct(rc['ci'][1])}] ({rc['k']}/{rc['n']}, {rc['seeds']} seeds), "
            f"false positives on benign twins {pct(fp['value'])} ({fp['k']}/{fp['n']}); "
            f"{fam['unreadable']} unreadable guard repl(ies)"
            + (" (counted as misses on harmful items, blocks on benign twins)" if fam["unreadable"] else "")
        )
        if fam["trained_on_families"]:
            typer.echo(f"  note: the guard was trained on {', '.join(fam['trained_on_families'])}: not unseen for it")


def _parse_families(spec: str | None) -> list[str] | None:
    """The transform families named on the command line (``all``: every family); None if not asked."""
    if spec is None:
        return None
    from frontiergate.scenarios.transforms import families

    known = [f for f, names in families().items() if names]
    asked = [f.strip() for f in spec.split(",") if f.strip()]
    if asked == ["all"]:
        return known
    bad = [f for f in asked if f not in known]
    if bad or not asked:
        raise FrontiergateError(
            f"--unseen-families: unknown family {', '.join(bad) or repr(spec)}",
            f"use 'all' or some of: {', '.join(known)}",
        )
    return asked


def _score_families(g: object, fams: list[str], concurrency: int) -> dict[str, object]:
    """Recall and benign-twin false positives on the held-out seed half, one transform per family."""
    from frontiergate.safeguards.generalisation import _half
    from frontiergate.safeguards.guard import Guard
    from frontiergate.safeguards.indomain import TRAIN_HALF, sample_rows, score_rows
    from frontiergate.safeguards.validation import cautious_blocked, predict
    from frontiergate.scenarios.library import load_seeds

    assert isinstance(g, Guard)
    rows = [r for r in sample_rows(load_seeds()) if r.family in fams and _half(r.seed_id) != TRAIN_HALF]
    raw, _, unreadable = predict(g, [r.text for r in rows], concurrency=concurrency)
    # a reply with no readable verdict is a miss on a harmful row and a block on a benign twin
    res = score_rows(rows, cautious_blocked([r.harmful for r in rows], raw))
    head = getattr(g, "head", None)
    trained = (getattr(head, "meta", {}) or {}).get("trained_on")
    trained_fams = trained.get("families", []) if isinstance(trained, dict) else []
    return {
        **res,
        "families": fams,
        "trained_on_families": sorted(set(trained_fams) & set(fams)),
        "unreadable": unreadable,
        "unreadable_harmful": sum(1 for r, b in zip(rows, raw, strict=True) if b is None and r.harmful),
        "unreadable_benign": sum(1 for r, b in zip(rows, raw, strict=True) if b is None and not r.harmful),
    }


def register(app: typer.Typer) -> None:
    """Add ``guard`` to the ``validate`` group (the group itself is registered by cmd_validate)."""
    if "guard" not in {c.name for c in validate_app.registered_commands}:
        validate_app.command("guard")(validate_guard)
