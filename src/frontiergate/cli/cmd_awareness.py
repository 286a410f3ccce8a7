"""``frontiergate awareness ...``: evaluation awareness, causally (white-box probes, steering, prefill).

- ``whitebox-probe``: per-layer probes on eval vs deployment text (2x2 data + our framing pairs), held-out
  designs, style shift, optional black-box comparison; writes a JSON report and the run-scoring probe.
- ``whitebox-score RUN``: apply a stored probe to every prompt of a run (``<run dir>/awareness_whitebox.json``,
  shown by the report's awareness_whitebox section).
- ``steer``: the eval-minus-deploy direction added during generation (toward deploy / toward test /
  equal-norm random), paired refusal change on held-out misuse prompts.
- ``prefill``: eval-aware vs same-length neutral vs no answer opening, through Inspect, paired refusal change.

Every experiment is CPU-heavy; torch and llama.cpp use ``--threads`` (default 1) so shared machines stay usable.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import typer

from frontiergate.errors import FrontiergateError
from frontiergate.whitebox.activations import default_cache_dir

awareness_app = typer.Typer(help="Evaluation awareness, causally: activation probes, steering, prefill.",
                            no_args_is_help=True)

DEFAULT_MODEL = "frontiergate/qwen2.5-coder-0.5b-instruct"
DEFAULT_CACHE = default_cache_dir()


def _fail(exc: FrontiergateError) -> typer.Exit:
    typer.echo(exc.render(), err=True)
    return typer.Exit(exc.exit_code)


def _write(path: Path | None, obj: dict[str, Any]) -> None:
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=1, sort_keys=True, default=str), encoding="utf-8")
    typer.echo(f"wrote {path}")


def _ci(c: list[Any] | None) -> str:
    if not c or c[0] is None or c[1] is None:
        return "[n/a]"
    return f"[{c[0]:.3f}, {c[1]:.3f}]"


def _held_out_prompts(n: int, skip_seeds: int, seed: int) -> list[Any]:
    """Single-turn harmful requests from scenario seeds *after* the probe/direction seeds (never shared)."""
    from frontiergate.whitebox.probes import shuffled_seeds
    from frontiergate.whitebox.steering import SteerPrompt

    out = []
    for s in shuffled_seeds(seed)[skip_seeds:]:
        if len(s.turns) == 1:
            out.append(SteerPrompt(s.id, s.turns[0], s.domain, s.id))
        if len(out) >= n:
            break
    return out


@awareness_app.command("whitebox-probe")
def whitebox_probe(
    model: str = typer.Option(DEFAULT_MODEL, "--model", help="frontiergate/<embedded> or hf/PATH (local files)."),
    data: Path | None = typer.Option(None, "--data",
                                     help="The eval_awareness_2x2 directory (omit: framing pairs only)."),
    per_cell: int = typer.Option(25, "--per-cell", min=2, help="2x2 rows per cell."),
    seeds: int = typer.Option(25, "--seeds", min=0, help="Scenario seeds rendered as framing pairs (4 texts each)."),
    blackbox: int = typer.Option(0, "--blackbox", min=0, help="Also compare with the direct question and the realism "
                                 "meter on this many held-out items (0: skip)."),
    cache: Path = typer.Option(DEFAULT_CACHE, "--cache", help="Activation cache directory."),
    out: Path | None = typer.Option(None, "--out", help="Write the full JSON report here."),
    probe_out: Path | None = typer.Option(None, "--probe-out", help="Write the run-scoring probe (.npz) here."),
    threads: int = typer.Option(1, "--threads", min=1, help="CPU threads for torch and llama.cpp."),
    seed: int = typer.Option(0, "--seed", help="Subsample and split seed."),
) -> None:
    """Per-layer eval-vs-deployment probes with held-out AUROC (cluster-bootstrap CIs) and a style-shift check."""
    from frontiergate.whitebox.experiment import blackbox_comparison, build_rows, probe_experiment
    from frontiergate.whitebox.loading import load
    from frontiergate.whitebox.probes import designs

    try:
        if data is None and seeds == 0:
            raise FrontiergateError("no training data: --seeds is 0 and no --data", "give --data DIR or --seeds N")
        rows = build_rows(data, per_cell, seeds, seed)
        wb = load(model, threads)
        report, probe = probe_experiment(wb, rows, cache, seed=seed, log=lambda m: typer.echo(m, err=True))
        if blackbox:
            ds = {d.name: d for d in designs(rows, seed)}
            test = sorted({i for n in ("2x2_random", "framings_random") if n in ds for i in ds[n].test})
            train = sorted(set(range(len(rows))) - set(test))
            report["blackbox"] = blackbox_comparison(
                wb, [rows[i] for i in test], [rows[i] for i in train], cache, model, blackbox, seed,
                {"n_threads": threads} if model.startswith("frontiergate/") else None)
    except FrontiergateError as exc:
        raise _fail(exc) from None
    _write(out, report)
    if probe_out is not None:
        probe.save(probe_out)
        typer.echo(f"wrote {probe_out}")
    t = report["timing"]
    typer.echo(f"model {model}  rows {report['meta']['n_rows']}  forwarded {t['texts_forwarded']}  "
               f"s/text {t['seconds_per_text'] or 0:.2f}")
    for r in report["summary"]:
        extra = "".join(f"  {k[:-6]} {r[k]:.3f} {_ci(r[k[:-6] + '_ci'])}" for k in r
                        if k.endswith("_auroc") and k != "max_layer_auroc" and r[k] is not None)
        typer.echo(f"{r['design']:<19} {r['pooling']:<4} {r['kind']:<9} L{r['layer']:<2} n={r['n_test']:<4} "
                   f"AUROC {r['auroc'] or 0:.3f} {_ci(r['ci'])}{extra}")
    for name, m in report.get("blackbox", {}).get("methods", {}).items():
        typer.echo(f"blackbox n={report['blackbox']['n']} {name:<16} AUROC {m['auroc'] or 0:.3f} {_ci(m['ci'])}")


@awareness_app.command("whitebox-score")
def whitebox_score(
    run: str = typer.Argument(..., help="Run id or run directory."),
    probe_file: Path = typer.Option(..., "--probe", help="A probe written by whitebox-probe --probe-out."),
    model: str | None = typer.Option(None, "--model", help="Model the probe reads (default: the probe's own)."),
    store: str | None = typer.Option(None, "--store", help="SQLAlchemy URL of the results store."),
    runs_dir: Path | None = typer.Option(None, "--runs-dir", help="Where the default SQLite store lives."),
    cache: Path = typer.Option(DEFAULT_CACHE, "--cache", help="Activation cache directory."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="At most this many prompts per domain x framing."),
    threads: int = typer.Option(1, "--threads", min=1),
) -> None:
    """Score every prompt of a stored run with the probe; write <run dir>/awareness_whitebox.json for the report."""
    from frontiergate.report.locate import locate_run
    from frontiergate.whitebox.loading import load
    from frontiergate.whitebox.probes import LinearProbe
    from frontiergate.whitebox.run_scores import limit_prompts, load_run_prompts, score_prompts, write_artefact

    try:
        probe = LinearProbe.load(probe_file)
        ref = model or str(probe.meta.get("model") or "")
        located = locate_run(run, store, runs_dir)
        prompts = limit_prompts(load_run_prompts(located.store, located.run_id), limit)
        if not prompts:
            raise FrontiergateError(f"run {located.run_id} has no stored prompts", "score a run that has samples")
        wb = load(ref, threads)
        if probe.meta.get("model_hash") not in (None, wb.model_hash):
            raise FrontiergateError(f"{probe_file} was trained on another model than {ref}",
                                    "use the probe's own model (omit --model) or train a probe for this one")
        row = located.store.get_run(located.run_id)
        result = score_prompts(wb, probe, prompts, cache, list(row.targets) if row else [])
    except FrontiergateError as exc:
        raise _fail(exc) from None
    path = write_artefact(located.run_dir, result)
    typer.echo(f"wrote {path} ({result['n_prompts']} prompts, {result['seconds']:.0f}s)")
    for g in result["groups"]:
        typer.echo(f"{g['domain']:<14} {g['framing']:<24} n={g['n']:<4} mean P(eval) {g['mean_p_eval']:.3f} "
                   f"{_ci(g['ci'])}")


@awareness_app.command("steer")
def steer_cmd(
    model: str = typer.Option(DEFAULT_MODEL, "--model", help="frontiergate/<embedded> or hf/PATH."),
    layer: int = typer.Option(12, "--layer", min=1, help="Residual-stream point (hidden_states numbering)."),
    scale: float = typer.Option(1.0, "--scale", help="Multiple of the raw eval-minus-deploy mean difference."),
    n: int = typer.Option(30, "--n", min=2, help="Held-out misuse prompts (each answered 3 times)."),
    direction_seeds: int = typer.Option(25, "--direction-seeds", min=2, help="Framing-pair seeds for the direction."),
    max_new_tokens: int = typer.Option(40, "--max-new-tokens", min=4),
    cache: Path = typer.Option(DEFAULT_CACHE, "--cache", help="Activation cache directory."),
    out: Path | None = typer.Option(None, "--out", help="Write the JSON result here."),
    save_direction: Path | None = typer.Option(
        None, "--save-direction",
        help="Save the eval-minus-deploy direction as .npy (reuse: -T frontiergate/awareness_steer:direction=FILE)."),
    threads: int = typer.Option(1, "--threads", min=1),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Steer toward deployment / toward test / random (equal norm); paired refusal change with McNemar."""
    import numpy as np

    from frontiergate.whitebox.activations import extract
    from frontiergate.whitebox.loading import describe, load
    from frontiergate.whitebox.probes import framing_pairs
    from frontiergate.whitebox.steering import (
        CONDITIONS,
        condition_vectors,
        contrastive_direction,
        paired_table,
        run_steering,
    )

    try:
        wb = load(model, threads)
        if layer > wb.n_layers:
            raise FrontiergateError(f"--layer {layer} is past the model's {wb.n_layers} layers",
                                    f"use 1..{wb.n_layers}")
        rows = framing_pairs(direction_seeds, seed)
        acts = extract(wb, [r.text for r in rows], cache).pooled("mean")[:, layer]
        d = contrastive_direction(acts, np.array([r.y for r in rows]))
        if save_direction is not None:
            save_direction.parent.mkdir(parents=True, exist_ok=True)
            np.save(save_direction, d)
            typer.echo(f"wrote {save_direction} (layer {layer}, |d| = {float(np.linalg.norm(d)):.2f})", err=True)
        vectors: dict[str, Any] = {"none": None, **condition_vectors(d, scale, seed)}
        prompts = _held_out_prompts(n, direction_seeds, seed)
        t = time.perf_counter()
        results = run_steering(wb, prompts, layer, vectors, max_new_tokens, log=lambda m: typer.echo(m, err=True))
    except FrontiergateError as exc:
        raise _fail(exc) from None
    table = paired_table(results, list(CONDITIONS))
    report = {"meta": {**describe(wb), "layer": layer, "scale": scale, "direction_norm": float(np.linalg.norm(d)),
                       "vector_norm": float(np.linalg.norm(vectors["toward_test"])), "direction_rows": len(rows),
                       "n_prompts": len(prompts), "max_new_tokens": max_new_tokens, "seed": seed,
                       "seconds": time.perf_counter() - t, "outcome": "refused (rules classifier label 'refusal')"},
              "table": table, "rows": results}
    _write(out, report)
    _print_table(table)


def _print_table(table: dict[str, Any]) -> None:
    for dom, t in table.items():
        rates = "  ".join(f"{c} {r['k']}/{r['n']}" + (f" (unknown {r['unknown']})" if r["unknown"] else "")
                          + (f" (degenerate {r['degenerate']})" if r.get("degenerate") else "")
                          for c, r in t["rates"].items())
        typer.echo(f"{dom}: {rates}")
        for name, p in t["paired"].items():
            diff = "n/a" if p["diff"] is None else f"{p['diff']:+.3f}"
            lo = "n/a" if p["ci_low"] is None else f"{p['ci_low']:+.3f}"
            hi = "n/a" if p["ci_high"] is None else f"{p['ci_high']:+.3f}"
            pv = "n/a" if p["p_value"] is None else f"{p['p_value']:.3g}"
            typer.echo(f"   {name:<30} diff {diff} [{lo}, {hi}]  McNemar p={pv}  "
                       f"({p['only_a']}/{p['only_b']} discordant)")


@awareness_app.command("prefill")
def prefill_cmd(
    model: str = typer.Option(DEFAULT_MODEL, "--model", help="An Inspect model that continues an assistant prefix."),
    n: int = typer.Option(30, "--n", min=2, help="Held-out misuse prompts (each answered 3 times)."),
    skip_seeds: int = typer.Option(25, "--skip-seeds", min=0, help="Shuffled seeds reserved for probes (skipped)."),
    max_tokens: int = typer.Option(48, "--max-tokens", min=4),
    log_dir: Path = typer.Option(Path("logs/awareness_prefill"), "--log-dir", help="Inspect log directory."),
    out: Path | None = typer.Option(None, "--out", help="Write the JSON result here."),
    threads: int = typer.Option(1, "--threads", min=1, help="llama.cpp threads (embedded models)."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Prefill the answer with an eval-aware vs same-length neutral vs no sentence; paired refusal change."""
    from frontiergate.awareness.prefill import CONDITIONS, PrefillPrompt, prefill_model, run_prefill, supports_prefill
    from frontiergate.whitebox.steering import paired_table

    if not supports_prefill(model):
        typer.echo(f"warning: {model.split('/', 1)[0]} does not continue an assistant prefix; the result is not a "
                   "prefill intervention", err=True)
    try:
        prompts = [PrefillPrompt(p.id, p.text, p.domain, p.cluster) for p in _held_out_prompts(n, skip_seeds, seed)]
        args: dict[str, Any] = {"n_threads": threads} if model.startswith("frontiergate/") else {}
        t = time.perf_counter()
        rows = run_prefill(prefill_model(model, **args), prompts, log_dir, max_tokens=max_tokens)
    except FrontiergateError as exc:
        raise _fail(exc) from None
    table = paired_table(rows, list(CONDITIONS))
    report = {"meta": {"model": model, "n_prompts": len(prompts), "max_tokens": max_tokens, "seed": seed,
                       "seconds": time.perf_counter() - t, "log": rows[0]["log"] if rows else None,
                       "outcome": "continuation refused (rules classifier label 'refusal')"},
              "table": table, "rows": rows}
    _write(out, report)
    _print_table(table)


def register(app: typer.Typer) -> None:
    app.add_typer(awareness_app, name="awareness")
