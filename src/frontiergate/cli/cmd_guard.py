"""``frontiergate guard build``: fine-tune the tuned guard's encoder locally from pinned inputs."""

from __future__ import annotations

from pathlib import Path

import typer

from frontiergate.errors import FrontiergateError

guard_app = typer.Typer(help="Build the guards that are too big to ship (see docs/guard-experiments.md).")


@guard_app.command("build")
def build(
    moderation: Path | None = typer.Option(
        None,
        "--moderation",
        help="OpenAI moderation release file (JSONL; its fixed 70% split is trained on). Without it the "
        "encoder is tuned on the scenario library alone.",
    ),
    xstest: Path | None = typer.Option(
        None, "--xstest", help="XSTest prompts CSV: measure over-blocking on its safe prompts into the head."
    ),
    lofo: list[Path] | None = typer.Option(
        None,
        "--lofo",
        help="Folder of leave-one-family-out results of scripts/guard_finetune_indomain.py (lofo_*.json, one "
        "per family, same recipe): their pooled unseen-family recall is recorded in the head. Repeat it with "
        "the sweeps of other --seed values: the run with the lowest recall is the one cited.",
    ),
    out: Path | None = typer.Option(None, "--out", help="Where to write it (default: FRONTIERGATE_TUNED_GUARD "
                                    "or ~/.cache/frontiergate/guards/minilm-tuned)."),
    seed: int = typer.Option(0, "--seed", help="Seeds the initial unit, the batch order and the scenario sample."),
    epochs: int = typer.Option(2, "--epochs", min=1),
    threads: int = typer.Option(1, "--threads", min=1, help="torch threads (1: the same result on every run)."),
    contrast: bool = typer.Option(
        True,
        "--contrast/--no-contrast",
        help="Also train on the packaged benign contrast rows (alarm words in harmless senses; hash half 0). "
        "--no-contrast rebuilds the earlier recipe.",
    ),
    limit_seeds: int | None = typer.Option(None, "--limit-seeds", min=2, hidden=True),
) -> None:
    """Fine-tune MiniLM on guard data, fit the head, record provenance and validation: `--guard tuned`."""
    from dataclasses import asdict

    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from frontiergate.safeguards.tuned_guard import (
        Recipe,
        attach_validation,
        build_tuned_guard,
        measure_validation,
        pooled_lofo,
        tuned_guard_dir,
    )

    for p, flag in [(moderation, "--moderation"), (xstest, "--xstest")]:
        if p is not None and not p.is_file():
            raise FrontiergateError(f"{flag} {p}: no such file", f"pass an existing file to {flag}, or leave it out")
    lofo_files: list[Path] = []
    for folder in lofo or []:
        found = sorted(folder.glob("lofo_*.json")) if folder.is_dir() else []
        if not found:
            raise FrontiergateError(
                f"--lofo {folder}: no lofo_*.json files there",
                "pass the folder scripts/guard_finetune_indomain.py --out wrote its lofo_FAMILY.json files to",
            )
        lofo_files += found
    recipe = Recipe(seed=seed, epochs=epochs, contrast=contrast)
    if lofo_files:
        pooled_lofo(lofo_files, asdict(recipe))  # a result of another recipe is refused before minutes of tuning
    target = out or tuned_guard_dir()
    from frontiergate.pipeline.versions import code_version

    version = code_version()
    with Progress(
        TextColumn("fine-tuning"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} steps, loss {task.fields[loss]}"),
        TimeRemainingColumn(),
    ) as bar:
        task = bar.add_task("tune", total=None, loss="-")

        def progress(step: int, total: int, loss: float) -> None:
            bar.update(task, completed=step, total=total, loss=f"{loss:.3f}")

        head_path = build_tuned_guard(
            target,
            moderation=moderation,
            recipe=recipe,
            threads=threads,
            limit_seeds=limit_seeds,
            code_version=version,
            progress=progress,
        )
    validation = measure_validation(
        head_path, moderation=moderation, xstest=xstest, lofo=lofo_files, code_version=version
    )
    attach_validation(head_path, validation)
    from frontiergate.safeguards.provenance import head_provenance, validation_lines

    typer.echo(f"tuned guard written to {head_path.parent} (use --guard tuned"
               + (f" with FRONTIERGATE_TUNED_GUARD={head_path.parent}" if out else "") + ")")
    for line in validation_lines(head_provenance(head_path, kind="tuned")):
        typer.echo(f"  {line}")


def register(app: typer.Typer) -> None:
    app.add_typer(guard_app, name="guard")
