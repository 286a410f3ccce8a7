"""Fine-tune the sentence encoder on moderation *and* scenario rows, then measure it like the head.

Usage:
    python scripts/guard_finetune_indomain.py [--holdout unseen|FAMILY] [--epochs 2] [--seed 0] \
        [--threads 1] [--skip-frozen] [--out /tmp/fg/guard/ft/lofo_FAMILY.json]

Why: the frozen encoders place a benign request and its harmful twin, under the same attack
wrapper, close together (the wrapper dominates the mean-pooled embedding), so no linear head can
keep false positives on the twins low. Fine-tuning the encoder end to end with a classification
loss lets the wrapper's tokens matter less than the request's. The recipe: the encoder's
sentence embedding feeds one logistic unit; binary cross-entropy with class-balanced weights, the
scenario rows together weighing as much as the moderation rows (``indomain.SCENARIO_WEIGHT``).
Trained only on the moderation file's fixed 70% and on scenario rows of the training seed half,
outside the held-out families; measured, after the usual stacked head is refitted on the tuned
embeddings, on exactly the rows ``guard_indomain.py`` measures the shipped head on: moderation
held-out 30%, the held-out families on the held-out seeds, and XSTest. The frozen encoder with the
same head on the same rows is the paired baseline. ``--holdout unseen`` holds out the four
families of docs/validation.md's split; ``--holdout FAMILY`` one family (leave-one-family-out).
Nothing is written into the package.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from frontiergate.safeguards.tuned_guard import RECIPE_KEYS, Recipe

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument(
        "--moderation", type=Path, default=REPO.parent / "shared/data/moderation/openai_moderation_dev.jsonl"
    )
    ap.add_argument("--xstest", type=Path, default=REPO.parent / "shared/data/xstest/xstest_prompts.csv")
    ap.add_argument("--encoder", default="minilm", choices=["minilm", "mpnet"], help="encoder to fine-tune")
    ap.add_argument("--holdout", default="unseen", help="'unseen' (docs/validation.md's four) or one family")
    ap.add_argument("--epochs", type=int, default=Recipe.epochs)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument(
        "--contrast",
        action=argparse.BooleanOptionalAction,
        default=Recipe.contrast,
        help="also train on the benign contrast rows (hash half 0); --no-contrast: the earlier recipe",
    )
    ap.add_argument("--skip-frozen", action="store_true", help="do not measure the frozen encoder first")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--render", type=Path, default=None, help="print the tables of the lofo_*.json in this folder")
    ap.add_argument(
        "--write-figures",
        action="store_true",
        help="with --holdout unseen: add the tuned encoder's row to the packaged before/after table",
    )
    args = ap.parse_args(argv)
    if args.render:
        print(render(sorted(args.render.glob("lofo_*.json"))))
        return 0
    if args.write_figures and args.holdout != "unseen":
        ap.error("--write-figures needs --holdout unseen (the table's split)")

    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    sys.path.insert(0, str(Path(__file__).parent))
    from guard_indomain import paired_blocks, paired_f1

    from frontiergate.safeguards.decode import decode
    from frontiergate.safeguards.generalisation import DEFAULT_UNSEEN, _half
    from frontiergate.safeguards.indomain import (
        TRAIN_HALF,
        contrast_rows,
        decoded_max,
        sample_rows,
        score_rows,
        train_combined_head,
        training_seed_ids,
    )
    from frontiergate.safeguards.training import HEAD_C, MIN_CATEGORY_POSITIVES, STACK_C, STACK_FOLDS, split_indices
    from frontiergate.safeguards.tuned_guard import fine_tune, fresh_encoder, training_rows
    from frontiergate.safeguards.validation import guard_metrics, load_labelled
    from frontiergate.scenarios.library import load_seeds
    from frontiergate.stats.intervals import wilson_interval

    t0 = time.time()
    recipe = Recipe(seed=args.seed, epochs=args.epochs, contrast=args.contrast)
    mod = load_labelled(args.moderation)
    _, test = split_indices(mod.labels)
    seeds = load_seeds()
    rows = sample_rows(seeds, rng_seed=args.seed)
    train_ids = set(training_seed_ids(s.id for s in seeds))
    held_fams = set(DEFAULT_UNSEEN) if args.holdout == "unseen" else {args.holdout}
    if not held_fams <= {r.family for r in rows}:
        ap.error(f"unknown family {args.holdout!r}")
    # exactly what ``frontiergate guard build`` trains on, less the held-out families
    tr = training_rows(args.moderation, seed=args.seed, holdout_families=sorted(held_fams), contrast=args.contrast)
    contrast_held = [r for r in contrast_rows() if _half(r.seed_id) != TRAIN_HALF]
    mod_x, mod_y, cats = tr["moderation"]
    scn_train = tr["scenario_rows"]
    in_train = np.array([r.seed_id in train_ids for r in rows])
    held = np.isin(np.array([r.family for r in rows]), sorted(held_fams))
    te_held = np.where(~in_train & held)[0]
    te_seen = np.where(~in_train & ~held)[0]
    xs = load_labelled(args.xstest)
    dec_scn = [decode(r.text) for r in rows]
    dec_mod = [decode(t) for t in mod.texts]
    model = fresh_encoder(args.encoder)
    model.max_seq_length = recipe.max_len

    def embed(texts: list[str]) -> Any:
        model.eval()
        with torch.no_grad():
            v = model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
        return np.asarray(v, dtype=np.float64)

    def embed_views(texts: list[str], views: list[Any]) -> tuple[Any, Any]:
        x = embed(texts)
        xd = x.copy()
        idx = [i for i, v in enumerate(views) if v.changed]
        if idx:
            xd[idx] = embed([views[i].text for i in idx])
        return x, xd

    def measure(tag: str) -> dict[str, Any]:
        s = time.time()
        x_mod, x_mod_d = embed_views(mod.texts, dec_mod)
        x_scn, x_scn_d = embed_views([r.text for r in rows], dec_scn)
        x_xs = embed(xs.texts)
        head = train_combined_head(
            embed(mod_x), mod_y, cats, embed([r.text for r in scn_train]), scn_train,
            c=HEAD_C, stack_c=STACK_C, min_positives=MIN_CATEGORY_POSITIVES, folds=STACK_FOLDS,
        )
        yte = [mod.labels[i] for i in test]
        pm = decoded_max(head, x_mod[test], x_mod_d[test])
        b_mod = [bool(v) for v in pm >= head.threshold]
        held_scores = decoded_max(head, x_scn[te_held], x_scn_d[te_held])
        b_held = [bool(v) for v in held_scores >= head.threshold]
        b_seen = [bool(v) for v in decoded_max(head, x_scn[te_seen], x_scn_d[te_seen]) >= head.threshold]
        px = head.predict_proba(x_xs)
        b_xs = [bool(v) for v in px >= head.threshold]
        pc = head.predict_proba(embed([r.text for r in contrast_held]))
        b_c = [bool(v) for v in pc >= head.threshold]
        out = {
            "moderation": guard_metrics(yte, b_mod, [float(v) for v in pm]),
            "held_out_families": score_rows([rows[i] for i in te_held], b_held),
            "seen_families_held_out_seeds": score_rows([rows[i] for i in te_seen], b_seen),
            "xstest": guard_metrics(xs.labels, b_xs, [float(v) for v in px]),
            "contrast_held_out_fpr": wilson_interval(sum(b_c), len(b_c)).as_dict(),
            "_blocks": {"mod": b_mod, "held": b_held, "xs": b_xs},
            "_held_scores": [float(v) for v in held_scores],
            "embed_and_fit_seconds": round(time.time() - s, 1),
        }
        r, f = out["held_out_families"]["recall"], out["held_out_families"]["fpr_benign_twins"]
        print(
            f"[{tag}] moderation F1 {out['moderation']['f1']:.3f} FPR {out['moderation']['fpr']:.3f}; "
            f"held-out families recall {r['value']:.3f} ({r['k']}/{r['n']}) twin FPR {f['value']:.3f} "
            f"({f['k']}/{f['n']}); XSTest FPR {out['xstest']['fpr']:.3f} recall {out['xstest']['recall']:.3f}; "
            f"contrast held-out FPR {out['contrast_held_out_fpr']['estimate']:.3f} "
            f"({time.time() - t0:.0f} s)",
            flush=True,
        )
        return out

    frozen = None if args.skip_frozen else measure("frozen")

    def progress(step: int, total: int, loss: float) -> None:
        if step % 25 == 0:
            print(f"step {step}/{total}: loss {loss:.4f} ({time.time() - t0:.0f} s)", flush=True)

    t_train = time.time()
    steps = fine_tune(model, tr["data"], recipe, progress)
    train_s = time.time() - t_train
    tuned = measure("fine-tuned")

    yte = [mod.labels[i] for i in test]
    harm = [rows[i].harmful for i in te_held]
    tb = tuned["_blocks"]
    fb = frozen["_blocks"] if frozen else tb
    result = {
        "encoder": args.encoder,
        "holdout": sorted(held_fams),
        **{k: getattr(recipe, k) for k in ("seed", "epochs", "batch", "lr", "max_len", "contrast")},
        "threads": args.threads,
        "n_train_rows": len(tr["data"]),
        "steps": steps,
        "train_seconds": round(train_s, 1),
        "frozen": {k: v for k, v in frozen.items() if not k.startswith("_")} if frozen else None,
        "fine_tuned": {k: v for k, v in tuned.items() if not k.startswith("_")},
        "paired_moderation_f1": paired_f1(yte, fb["mod"], tb["mod"]),
        "paired_recall": paired_blocks(
            [b for b, h in zip(fb["held"], harm, strict=True) if h],
            [b for b, h in zip(tb["held"], harm, strict=True) if h],
        ),
        "paired_twin_fpr": paired_blocks(
            [b for b, h in zip(fb["held"], harm, strict=True) if not h],
            [b for b, h in zip(tb["held"], harm, strict=True) if not h],
        ),
        "held_rows": [{"seed": rows[i].seed_id, "family": rows[i].family, "harmful": rows[i].harmful} for i in te_held],
        "held_scores_frozen": frozen["_held_scores"] if frozen else None,
        "held_scores_tuned": tuned["_held_scores"],
    }
    if args.write_figures:
        _write_table_row(tuned, recipe)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1, default=str) + "\n", encoding="utf-8")
    return 0


def render(files: list[Path]) -> str:
    """Markdown tables of a leave-one-family-out sweep: pooled (``tuned_guard.pooled_lofo``), per
    family, and the spread of each fold's moderation F1 and XSTest FPR (eight tuned encoders)."""
    from frontiergate.safeguards.tuned_guard import pooled_lofo

    runs = [json.loads(f.read_text(encoding="utf-8")) for f in files]
    if not runs:
        return "no lofo_*.json files"
    if len({r.get("seed") for r in runs}) > 1:  # one sweep per table; frontiergate guard build pools runs
        return "files of several tuning seeds: render each seed's folder on its own"
    # results written before the contrast rows existed trained without them (as pooled_lofo reads them)
    recipe = {k: runs[0].get(k, False if k == "contrast" else None) for k in RECIPE_KEYS}
    pooled = pooled_lofo(files, recipe)

    def pct(v: dict[str, Any]) -> str:
        lo, hi = v["ci"] if "ci" in v else (v["ci_low"], v["ci_high"])
        k = f" ({v['k']}/{v['n']})" if "k" in v else ""
        return f"{100 * v['value' if 'value' in v else 'estimate']:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}]{k}"

    fp = pooled["fpr_benign_twins"]
    out = [
        f"Recipe {recipe}; {len(runs)} folds: {', '.join(pooled['families'])}.",
        "",
        "| leave-one-family-out, held-out seeds | recall (seed-clustered 95% CI) | FPR on benign twins |",
        "|---|---|---|",
        f"| tuned encoder, family left out, + decode | {100 * pooled['value']:.1f}% "
        f"[{100 * pooled['ci'][0]:.1f}, {100 * pooled['ci'][1]:.1f}] (n = {pooled['n']}, {pooled['seeds']} seeds) "
        f"| {100 * fp['value']:.1f}% [{100 * fp['ci'][0]:.1f}, {100 * fp['ci'][1]:.1f}] (n = {fp['n']}) |",
        "",
        "| family left out | recall (Wilson) | FPR on twins (Wilson) | moderation F1 of that fold's guard | "
        "XSTest FPR of that fold's guard | training s |",
        "|---|---|---|---|---|---|",
    ]
    for r in sorted(runs, key=lambda r: r["holdout"]):
        fam = r["holdout"][0]
        by = pooled["by_family"][fam]
        ft = r["fine_tuned"]
        out.append(
            f"| {fam} | {pct(by['recall'])} | {pct(by['fpr'])} | {ft['moderation']['f1']:.3f} | "
            f"{ft['xstest']['fpr']:.3f} | {r['train_seconds']:.0f} |"
        )
    f1s = [r["fine_tuned"]["moderation"]["f1"] for r in runs]
    xs = [r["fine_tuned"]["xstest"]["fpr"] for r in runs]
    out += [
        "",
        f"Across the {len(runs)} tuned encoders: moderation held-out F1 {min(f1s):.3f}-{max(f1s):.3f} "
        f"(mean {sum(f1s) / len(f1s):.3f}, n = {runs[0]['fine_tuned']['moderation']['n']} each); XSTest FPR "
        f"{min(xs):.3f}-{max(xs):.3f} (mean {sum(xs) / len(xs):.3f}, n = {runs[0]['fine_tuned']['xstest']['n_safe']} "
        "safe prompts each).",
    ]
    return "\n".join(out)


TUNED_ROW = "classifier, tuned encoder"
"""Prefix of the tuned encoder's row in the packaged table (``guard_indomain.KEPT_ROWS`` keeps it)."""


def tuned_row_label(recipe: Recipe) -> str:
    """The row's name says what the encoder was trained on and with which seed: one recipe's row is not
    read as another's, and rows of several seeds show how much one tuning run varies. The seed also
    draws which transform each (scenario seed, family) gets, so other seeds score other variants."""
    data = "moderation + seen-family scenario rows" + (" + benign contrast rows" if recipe.contrast else "")
    return f"{TUNED_ROW} ({data} + decode; run seed {recipe.seed}: tuning and transform draw)"


def _write_table_row(tuned: dict[str, Any], recipe: Recipe) -> None:
    """Put the tuned encoder's row into ``safeguards/data/guard_generalisation.json`` (replacing an
    older one): the same held-out seeds and unseen families as the table's other rows."""
    import datetime as dt

    from guard_indomain import _code_version

    from frontiergate.safeguards.generalisation import generalisation_figures_path

    path = generalisation_figures_path()
    table = json.loads(path.read_text(encoding="utf-8"))
    held, seen = tuned["held_out_families"], tuned["seen_families_held_out_seeds"]
    row = {
        "guard": tuned_row_label(recipe),
        "recall_unseen": held["recall"],
        "fpr_unseen": held["fpr_benign_twins"],
        "recall_seen": seen["recall"],
        "fpr_seen": seen["fpr_benign_twins"],
        "recipe": {k: getattr(recipe, k) for k in RECIPE_KEYS},
        "code_version": _code_version(REPO),
        "measured_at": dt.date.today().isoformat(),
        "command": "python scripts/guard_finetune_indomain.py --holdout unseen "
        + ("--contrast" if recipe.contrast else "--no-contrast")
        + f" --seed {recipe.seed} --write-figures",
    }
    # the same recipe and seed replaces its row; a row from before labels named the seed is replaced too
    table["rows"] = [
        r
        for r in table["rows"]
        if r.get("guard") != row["guard"]
        and not (str(r.get("guard", "")).startswith(TUNED_ROW) and "run seed" not in str(r.get("guard")))
    ] + [row]
    path.write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
