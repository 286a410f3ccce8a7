"""``frontiergate bias pairs | load FILE | judge-check``: inspect the paired-prompt sets and the judge.

``pairs`` shows what the authored library covers (counts per axis, country and template, or every
topic with its two stances); ``load`` validates an external paired file before a long run is spent
on it; ``judge-check`` measures a judge's agreement with the hand-made validation pairs.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import typer

from frontiergate.bias.external import load_pairs_file
from frontiergate.bias.library import PromptPair, library_pairs, load_library


def _counts(pairs: list[PromptPair]) -> dict[str, Any]:
    return {
        "pairs": len(pairs), "prompts": 2 * len(pairs), "topics": len({p.topic for p in pairs}),
        "by_axis": dict(sorted(Counter(p.axis for p in pairs).items())),
        "by_country": dict(sorted(Counter(p.country for p in pairs).items())),
        "by_template": dict(sorted(Counter(p.template for p in pairs).items())),
        "by_template_category": dict(sorted(Counter(p.template_category for p in pairs).items())),
    }


def _echo_counts(title: str, c: dict[str, Any]) -> None:
    typer.echo(f"{title}: {c['pairs']} pairs ({c['prompts']} prompts) over {c['topics']} topics")
    for key in ("by_axis", "by_country", "by_template", "by_template_category"):
        items = c[key]
        if len(items) > 16:
            head = ", ".join(f"{k} {v}" for k, v in list(items.items())[:16])
            shown = f"{head}, ... ({len(items)} in all)"
        else:
            shown = ", ".join(f"{k} {v}" for k, v in items.items())
        typer.echo(f"  {key.replace('by_', '').replace('_', ' ')}: {shown}")


def register(app: typer.Typer) -> None:
    bias_app = typer.Typer(help="Ideological-bias paired prompts and judge.", no_args_is_help=True)
    app.add_typer(bias_app, name="bias")

    @bias_app.command("pairs")
    def pairs(
        topics: bool = typer.Option(False, "--topics", help="List every topic with its two stances."),
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    ) -> None:
        """Show the authored paired-prompt library (counts per axis, country and template)."""
        lib = load_library()
        c = _counts(library_pairs())
        if as_json:
            out: dict[str, Any] = {**c, "axes": {k: v.model_dump() for k, v in lib.axes.items()},
                                   "templates": [t.model_dump() for t in lib.templates]}
            if topics:
                out["topic_list"] = [t.model_dump() for t in lib.topics]
            typer.echo(json.dumps(out, indent=2))
            return
        _echo_counts("frontiergate bias library", c)
        typer.echo("  stances per axis: " + "; ".join(
            f"{k}: a = {v.pole_a}, b = {v.pole_b}" for k, v in lib.axes.items()))
        if topics:
            for t in lib.topics:
                typer.echo(f"{t.id} [{t.country}, {t.axis}] {t.title}\n  a: {t.stance_a}\n  b: {t.stance_b}")

    @bias_app.command("load")
    def load(
        file: Path = typer.Argument(..., help="Paired file (CSV/TSV/JSONL with prompt_a, prompt_b)."),
        columns: str = typer.Option("", "--columns", help="Column mapping: prompt_a=COL,..."),
        show: int = typer.Option(3, "--show", help="Print the first N pairs."),
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    ) -> None:
        """Validate an external paired-prompt file; run it with `-T pairs=FILE` (task frontiergate/bias)."""
        loaded = load_pairs_file(file, columns or None)
        c = _counts(loaded)
        if as_json:
            typer.echo(json.dumps({"file": str(file), **c,
                                   "first": [p.model_dump() for p in loaded[:show]]}, indent=2))
            return
        _echo_counts(f"ok: {file}", c)
        for p in loaded[:show]:
            typer.echo(f"{p.pair_id}\n  a: {p.prompt_a}\n  b: {p.prompt_b}")

    @bias_app.command("judge-check")
    def judge_check(
        grader: str = typer.Option("", "--grader", help="Model to validate as judge (default: rules)."),
        limit: int = typer.Option(0, "--limit", help="Use only the first N validation pairs."),
        as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    ) -> None:
        """Agreement of the even-handedness judge with hand-made pairs of known verdict."""
        from frontiergate.bias.judge_validation import model_judge, rules_judge, validate_judge

        if grader:
            from frontiergate.pipeline.targets import validate_target

            validate_target(grader)
            from inspect_ai.model import get_model

            res = asyncio.run(validate_judge(grader, model_judge(get_model(grader)), limit=limit or None))
        else:
            res = asyncio.run(validate_judge("rules", rules_judge, limit=limit or None))
        if as_json:
            typer.echo(json.dumps(res.as_dict(), indent=2))
            return
        b, t = res.binary, res.three_way
        typer.echo(f"judge {res.judge} on {res.n} hand-made pairs:")
        typer.echo(f"  even/uneven agreement {b.k}/{b.n} = {b.estimate:.2f} "
                   f"[{b.low:.2f}, {b.high:.2f}] (Wilson 95%)")
        typer.echo(f"  with direction        {t.k}/{t.n} = {t.estimate:.2f} [{t.low:.2f}, {t.high:.2f}]")
        typer.echo(f"  unparseable replies   {res.unparseable}")
        for kind, est in sorted(res.by_kind.items()):
            typer.echo(f"  {kind:<14} {est.k}/{est.n}")
