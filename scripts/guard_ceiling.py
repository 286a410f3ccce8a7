"""How far can the shipped kind of guard go on the moderation file? Three measurements of the ceiling.

Issue 23 asks for moderation held-out F1 >= 0.82. Every head tried reaches about 0.77 in repeated CV
(docs/guard-experiments.md). Before trying yet another head, this script asks what stands in the way
(``--fusion-only`` runs only 3 and 4):

1. **Learning curve.** The stacked mpnet head (the shipped recipe, moderation rows only) trained on
   nested fractions of each CV training fold, scored on the same test fold. An inverse power law
   ``F1(n) = a - b * n**-c`` fitted to the mean curve, refitted on fold-resampled curves
   (bootstrap over the 15 test folds), gives F1 at 840 rows (the whole dev file) and at 1,680 (the
   whole public set), and how many labelled rows 0.82 would take on this encoder.
2. **Threshold ceiling.** The best F1 any threshold reaches on each test fold, the threshold picked
   on that fold itself: an optimistic bound that no honest threshold rule can beat.
3. **Qwen fusion** (``--qwen``): the embedded Qwen2.5-Coder-0.5B-Instruct's residual stream (mean
   over the last 256 chat-formatted tokens, one layer chosen inside each training fold by inner-CV
   AUPRC) as one more combiner input of the stacked head; paired against the head without it.

4. **Pretrained signals** (``--signals FILE``): scores of small classifiers that ship their weights in
   their PyPI package (profanity, hate-speech and NSFW models), each and all together as extra combiner
   inputs, paired against the head without them. Every fusion is also scored on the fixed 30% split
   that ``frontiergate validate guard`` reports (the issue's yardstick).

Usage:
    python scripts/guard_ceiling.py --cache /tmp/fg/guard/cache [--qwen /tmp/fg/qprobe/cache] \\
        --out /tmp/fg/ceiling.json

mpnet embeddings are cached under ``--cache`` (about 10 minutes for the 840 rows on one core the
first time); Qwen activations under the ``--qwen`` folder (about 1.1 s a text on two threads).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

REPO = Path(__file__).resolve().parents[1]
FRACTIONS = (0.25, 0.4, 0.55, 0.7, 0.85, 1.0)
TARGET = 0.82
QWEN_LAYERS = (4, 8, 12, 16, 20)
QWEN_MODEL = "frontiergate/qwen2.5-coder-0.5b-instruct"


def power_law(n: NDArray[np.float64] | float, a: float, b: float, c: float) -> Any:
    return a - b * np.power(n, -c)


def fit_curve(n: NDArray[np.float64], f1: NDArray[np.float64]) -> tuple[float, float, float]:
    from scipy.optimize import curve_fit

    p, _ = curve_fit(
        power_law, n, f1, p0=[0.85, 2.0, 0.5], bounds=([0.5, 0.0, 0.05], [1.0, 1e3, 2.0]), maxfev=20000
    )
    return float(p[0]), float(p[1]), float(p[2])


def rows_needed(a: float, b: float, c: float, target: float = TARGET) -> float:
    """Training rows at which the fitted curve reaches ``target``; infinite when its asymptote is below."""
    return float("inf") if a <= target else float((b / (a - target)) ** (1.0 / c))


def learning_curve(
    x: NDArray[np.float64], y: NDArray[np.int64], cats: dict[str, NDArray[np.bool_]], repeats: int
) -> dict[str, Any]:
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    from frontiergate.safeguards.training import train_stacked_head

    f1 = []
    n_train = []
    oof_full = np.full(len(y), -1, dtype=np.int64)  # repeat 0's decisions at the full fraction, every row once
    for rep in range(repeats):
        for fold, (tr, te) in enumerate(StratifiedKFold(5, shuffle=True, random_state=rep).split(x, y)):
            rng = np.random.default_rng(1000 * rep + fold)
            pos, neg = rng.permutation(tr[y[tr] == 1]), rng.permutation(tr[y[tr] == 0])
            row, ns = [], []
            for f in FRACTIONS:  # nested subsets: each fraction adds rows to the previous one
                sub = np.sort(np.concatenate([pos[: round(f * len(pos))], neg[: round(f * len(neg))]]))
                sub_cats = {k: v[sub].tolist() for k, v in cats.items()}
                head = train_stacked_head(x[sub], [bool(v) for v in y[sub]], sub_cats)
                decided = head.predict_proba(x[te]) >= 0.5
                row.append(float(f1_score(y[te], decided)))
                ns.append(len(sub))
                if rep == 0 and f == FRACTIONS[-1]:
                    oof_full[te] = decided.astype(np.int64)
            f1.append(row)
            n_train.append(ns)
            print(f"learning curve: repeat {rep} fold {fold}: F1 {[round(v, 3) for v in row]}", file=sys.stderr)
    f = np.array(f1)
    n = np.array(n_train, dtype=np.float64).mean(axis=0)
    a, b, c = fit_curve(n, f.mean(axis=0))
    rng = np.random.default_rng(0)
    boot: list[tuple[float, float, float]] = []
    for _ in range(2000):
        idx = rng.integers(0, len(f), len(f))
        try:
            boot.append(fit_curve(n, f[idx].mean(axis=0)))
        except RuntimeError:  # a resample the optimiser cannot fit is left out, and counted
            continue
    ba = np.array(boot)
    need = np.array([rows_needed(*p) for p in boot])

    def pct(v: Sequence[float] | NDArray[np.float64]) -> list[float]:
        return [float(q) for q in np.percentile(np.asarray(v, dtype=np.float64), [2.5, 50, 97.5])]

    return {
        "fractions": list(FRACTIONS),
        "n_train": n.tolist(),
        "f1_mean": f.mean(axis=0).tolist(),
        "f1_sd": f.std(axis=0).tolist(),
        "test_folds": len(f),
        "fit": {"a": a, "b": b, "c": c},
        "f1_at_840": float(power_law(840.0, a, b, c)),
        "f1_at_840_ci": pct([float(power_law(840.0, *p)) for p in boot]),
        "f1_at_1680": float(power_law(1680.0, a, b, c)),
        "f1_at_1680_ci": pct([float(power_law(1680.0, *p)) for p in boot]),
        "asymptote_ci": pct(ba[:, 0]),
        "rows_for_target": rows_needed(a, b, c),
        "rows_for_target_quartiles": [float(q) for q in np.percentile(need, [25, 50, 75])],
        "p_asymptote_below_target": float((ba[:, 0] <= TARGET).mean()),
        "bootstrap_fits": len(boot),
        "last_step_gain": float((f[:, -1] - f[:, -2]).mean()),
        "last_step_higher_folds": int((f[:, -1] > f[:, -2]).sum()),
        "_oof_full": oof_full,
    }


def threshold_ceiling(
    x: NDArray[np.float64], y: NDArray[np.int64], cats: dict[str, NDArray[np.bool_]], repeats: int
) -> dict[str, Any]:
    from sklearn.metrics import f1_score, precision_recall_curve
    from sklearn.model_selection import StratifiedKFold

    from frontiergate.safeguards.training import train_stacked_head

    at_half, best, fpr = [], [], []
    for rep in range(repeats):
        for tr, te in StratifiedKFold(5, shuffle=True, random_state=rep).split(x, y):
            head = train_stacked_head(x[tr], [bool(v) for v in y[tr]], {k: v[tr].tolist() for k, v in cats.items()})
            p = head.predict_proba(x[te])
            prec, rec, thr = precision_recall_curve(y[te], p)
            f = 2 * prec * rec / np.maximum(prec + rec, 1e-12)
            i = int(np.argmax(f[:-1]))
            at_half.append(float(f1_score(y[te], p >= 0.5)))
            best.append(float(f[i]))
            neg = y[te] == 0
            fpr.append(float(((p >= thr[i]) & neg).sum() / neg.sum()))
    return {
        "f1_at_0_5_mean": float(np.mean(at_half)),
        "f1_best_threshold_mean": float(np.mean(best)),
        "f1_best_threshold_sd": float(np.std(best)),
        "folds_at_or_above_target": int(sum(v >= TARGET for v in best)),
        "test_folds": len(best),
        "fpr_at_best_threshold_mean": float(np.mean(fpr)),
    }


def error_profile(
    blocked: NDArray[np.int64], y: NDArray[np.int64], cats: dict[str, NDArray[np.bool_]], texts: Sequence[str]
) -> dict[str, Any]:
    """Where the pooled out-of-fold decisions go wrong: recall per category (and for rows flagged in that
    category alone), false positives by text length. Why: F1 0.82 needs both fewer misses and fewer false
    alarms, and this says which."""
    pos, neg = y == 1, y == 0
    tp, fp = int((blocked[pos] == 1).sum()), int((blocked[neg] == 1).sum())
    flagged = np.sum([v.astype(int) for v in cats.values()], axis=0)
    per_cat = {}
    for k, v in cats.items():
        alone = v & (flagged == 1)
        per_cat[k] = {
            "n": int(v.sum()),
            "recall": float(blocked[v].mean()) if v.any() else None,
            "n_alone": int(alone.sum()),
            "recall_alone": float(blocked[alone].mean()) if alone.any() else None,
        }
    words = np.array([len(t.split()) for t in texts])
    by_len = []
    for lo, hi in ((0, 30), (30, 100), (100, None)):
        m = (words >= lo) & (words < hi if hi is not None else True)
        by_len.append({
            "words": f"{lo}-{hi - 1}" if hi is not None else f"{lo}+",
            "n": int(m.sum()),
            "unsafe": int((m & pos).sum()),
            "recall": float(blocked[m & pos].mean()) if (m & pos).any() else None,
            "fpr": float(blocked[m & neg].mean()) if (m & neg).any() else None,
        })
    return {"tp": tp, "fp": fp, "fn": int(pos.sum()) - tp, "tn": int(neg.sum()) - fp, "categories": per_cat,
            "by_length": by_len}


def qwen_activations(texts: list[str], cache: Path) -> NDArray[np.float32]:
    """Per-layer mean residual activations (rows x layers x width) of the embedded Qwen, cached per text."""
    from frontiergate.whitebox.activations import extract
    from frontiergate.whitebox.loading import load

    wb = load(QWEN_MODEL, threads=2)
    out = []
    for i in range(0, len(texts), 20):
        out.append(extract(wb, texts[i : i + 20], cache, max_tokens=256).mean)
        print(f"qwen activations: {min(i + 20, len(texts))}/{len(texts)}", file=sys.stderr)
    return np.concatenate(out)


Extra = Callable[[NDArray[np.int64], NDArray[np.int64]], tuple[NDArray[np.float64], NDArray[np.float64], Any]]
"""Extra combiner inputs for one CV fold: (training rows' out-of-fold columns, test rows' columns, a note)."""


def qwen_extra(q: NDArray[np.float64], y: NDArray[np.int64]) -> Extra:
    """The Qwen residual stream as one combiner input: a probe on one layer, the layer chosen inside
    each training fold by inner-CV AUPRC, its out-of-fold probabilities the training column."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def probe() -> Any:
        return make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=5000, class_weight="balanced"))

    def extra(tr: NDArray[np.int64], te: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64], Any]:
        inner = StratifiedKFold(5, shuffle=True, random_state=1)
        best_ap, layer, best_oof = -1.0, -1, np.zeros(len(tr))
        for k in QWEN_LAYERS:
            p = cross_val_predict(probe(), q[tr, k], y[tr], cv=inner, method="predict_proba")[:, 1]
            ap = float(average_precision_score(y[tr], p))
            if ap > best_ap:
                best_ap, layer, best_oof = ap, k, p
        q_test = probe().fit(q[tr, layer], y[tr]).predict_proba(q[te, layer])[:, 1]
        return best_oof[:, None], q_test[:, None], layer

    return extra


def signal_extra(signals: NDArray[np.float64]) -> Extra:
    """Pretrained classifiers' scores (rows x signals, probabilities) as combiner inputs, on the logit
    scale. They were not fitted to these rows, so the training rows' own scores are out of fold already;
    a missing score is the training fold's median."""

    def extra(tr: NDArray[np.int64], te: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64], Any]:
        z = np.log(np.clip(signals, 1e-4, 1 - 1e-4) / (1 - np.clip(signals, 1e-4, 1 - 1e-4)))
        med = np.nanmedian(z[tr], axis=0)
        z = np.where(np.isnan(z), med, z)
        return z[tr], z[te], None

    return extra


def fusion(
    x: NDArray[np.float64],
    y: NDArray[np.int64],
    cats: dict[str, NDArray[np.bool_]],
    repeats: int,
    extra: Extra,
) -> dict[str, Any]:
    """The stacked head with and without extra combiner inputs, paired on the same folds: F1 and AUPRC
    per fold, and McNemar on repeat 0's pooled out-of-fold decisions."""
    from scipy.stats import binomtest
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    from frontiergate.safeguards.training import STACK_C, category_heads, train_stacked_head

    def fit_predict(tr: NDArray[np.int64], te: NDArray[np.int64], with_extra: bool) -> tuple[NDArray[np.float64], Any]:
        cats_tr = {k: v[tr].tolist() for k, v in cats.items()}
        if not with_extra:  # the shipped recipe, unchanged
            return train_stacked_head(x[tr], [bool(v) for v in y[tr]], cats_tr).predict_proba(x[te]), None
        _, coefs, intercepts, oof = category_heads(x[tr], cats_tr)
        test = 1.0 / (1.0 + np.exp(-(x[te] @ coefs.T + intercepts)))
        extra_tr, extra_te, note = extra(tr, te)
        stack = LogisticRegression(C=STACK_C, max_iter=5000, class_weight="balanced")
        stack.fit(np.column_stack([oof, extra_tr]), y[tr])
        return stack.predict_proba(np.column_stack([test, extra_te]))[:, 1], note

    f1 = []
    ap = []
    notes = []
    pooled = {False: np.zeros(len(y)), True: np.zeros(len(y))}
    for rep in range(repeats):
        for tr, te in StratifiedKFold(5, shuffle=True, random_state=rep).split(x, y):
            row_f, row_a = [], []
            for with_extra in (False, True):
                p, note = fit_predict(tr, te, with_extra)
                row_f.append(float(f1_score(y[te], p >= 0.5)))
                row_a.append(float(average_precision_score(y[te], p)))
                if rep == 0:
                    pooled[with_extra][te] = p
                if with_extra:
                    notes.append(note)
            f1.append(row_f)
            ap.append(row_a)
            print(f"fusion: repeat {rep}: F1 {[round(v, 3) for v in row_f]}", file=sys.stderr)
    fa, aa = np.array(f1), np.array(ap)
    right0 = (pooled[False] >= 0.5) == y
    right1 = (pooled[True] >= 0.5) == y
    only0, only1 = int((right0 & ~right1).sum()), int((~right0 & right1).sum())
    # the yardstick: the fixed stratified 30% split that `validate guard` reports
    from frontiergate.safeguards.training import split_indices

    tr_s, te_s = (np.asarray(v, dtype=np.int64) for v in split_indices([bool(v) for v in y]))
    split = []
    for with_extra in (False, True):
        p, _ = fit_predict(tr_s, te_s, with_extra)
        neg = y[te_s] == 0
        split.append({"f1": float(f1_score(y[te_s], p >= 0.5)), "fpr": float((p[neg] >= 0.5).mean()),
                      "n": len(te_s)})
    return {
        "split_30": split,
        "f1_mean": fa.mean(axis=0).tolist(),
        "f1_sd": fa.std(axis=0).tolist(),
        "auprc_mean": aa.mean(axis=0).tolist(),
        "f1_higher_with": int((fa[:, 1] > fa[:, 0]).sum()),
        "auprc_higher_with": int((aa[:, 1] > aa[:, 0]).sum()),
        "test_folds": len(fa),
        "notes": notes,
        "pooled_f1_repeat0": [float(f1_score(y, pooled[k] >= 0.5)) for k in (False, True)],
        "mcnemar_only_without_right": only0,
        "mcnemar_only_with_right": only1,
        "mcnemar_p": float(binomtest(only0, only0 + only1).pvalue) if only0 + only1 else 1.0,
    }


def qwen_fusion(
    x: NDArray[np.float64],
    q: NDArray[np.float64],
    y: NDArray[np.int64],
    cats: dict[str, NDArray[np.bool_]],
    repeats: int,
) -> dict[str, Any]:
    res = fusion(x, y, cats, repeats, qwen_extra(q, y))
    res["layers_chosen"] = res.pop("notes")
    return res


def _fusion_line(label: str, qf: dict[str, Any]) -> str:
    folds = qf["test_folds"]
    f1, auprc, pooled = qf["f1_mean"], qf["auprc_mean"], qf["pooled_f1_repeat0"]
    return (
        f"{label}: CV F1 {f1[0]:.3f} -> {f1[1]:.3f} (higher in {qf['f1_higher_with']}/{folds} folds), "
        f"AUPRC {auprc[0]:.3f} -> {auprc[1]:.3f} (higher in {qf['auprc_higher_with']}/{folds}); "
        f"pooled repeat-0 F1 {pooled[0]:.3f} -> {pooled[1]:.3f}, McNemar {qf['mcnemar_only_without_right']} vs "
        f"{qf['mcnemar_only_with_right']}, p = {qf['mcnemar_p']:.2g}; fixed 30% split (n = {qf['split_30'][0]['n']}) "
        f"F1 {qf['split_30'][0]['f1']:.3f} -> {qf['split_30'][1]['f1']:.3f}, FPR {qf['split_30'][0]['fpr']:.3f} -> "
        f"{qf['split_30'][1]['fpr']:.3f};"
    )


def render(res: dict[str, Any]) -> str:
    lines: list[str] = []
    if "learning_curve" in res:
        lines += _render_ceiling(res)
    if "qwen_fusion" in res:
        qf = res["qwen_fusion"]
        lines += ["", _fusion_line("Qwen fusion", qf) + f" layers chosen {sorted(set(qf['layers_chosen']))}."]
    for name, sf in (res.get("signal_fusion") or {}).items():
        lines += ["", _fusion_line(f"+ {name}", sf)]
    return "\n".join(lines).strip("\n")


def _render_ceiling(res: dict[str, Any]) -> list[str]:
    lc = res["learning_curve"]
    quartiles = ", ".join(f"{v:.0f}" for v in lc["rows_for_target_quartiles"])
    lines = [
        "| training rows (mean) | " + " | ".join(f"{v:.0f}" for v in lc["n_train"]) + " |",
        "|---" * (len(lc["n_train"]) + 1) + "|",
        f"| CV F1 mean over {lc['test_folds']} test folds | " + " | ".join(f"{v:.3f}" for v in lc["f1_mean"]) + " |",
        "| sd | " + " | ".join(f"{v:.3f}" for v in lc["f1_sd"]) + " |",
        "",
        f"Fit F1(n) = {lc['fit']['a']:.3f} - {lc['fit']['b']:.3f} n^-{lc['fit']['c']:.3f}: F1 at 840 rows "
        f"{lc['f1_at_840']:.3f} [{lc['f1_at_840_ci'][0]:.3f}, {lc['f1_at_840_ci'][2]:.3f}], at 1,680 "
        f"{lc['f1_at_1680']:.3f} [{lc['f1_at_1680_ci'][0]:.3f}, {lc['f1_at_1680_ci'][2]:.3f}]; F1 {TARGET} "
        f"at {lc['rows_for_target']:.0f} rows (bootstrap quartiles {quartiles}); "
        f"asymptote below {TARGET} in {lc['p_asymptote_below_target']:.0%} of {lc['bootstrap_fits']} fold resamples. "
        f"The last step ({lc['n_train'][-2]:.0f} -> {lc['n_train'][-1]:.0f} rows) adds {lc['last_step_gain']:+.3f} F1 "
        f"(higher in {lc['last_step_higher_folds']}/{lc['test_folds']} folds).",
    ]
    tc = res["threshold_ceiling"]
    lines += [
        "",
        f"Threshold ceiling: F1 at 0.5 {tc['f1_at_0_5_mean']:.3f}; the best threshold on each test fold itself "
        f"{tc['f1_best_threshold_mean']:.3f} (sd {tc['f1_best_threshold_sd']:.3f}), at or above {TARGET} in "
        f"{tc['folds_at_or_above_target']}/{tc['test_folds']} folds, FPR there {tc['fpr_at_best_threshold_mean']:.3f}.",
    ]
    if "errors" in res:
        e = res["errors"]
        cat = "; ".join(
            f"{k} {v['recall']:.2f} (n = {v['n']}"
            + (f", alone {v['recall_alone']:.2f} of {v['n_alone']})" if v["n_alone"] else ")")
            for k, v in e["categories"].items()
            if v["n"]
        )
        def share(v: float | None) -> str:
            return "–" if v is None else f"{v:.2f}"

        length = "; ".join(
            f"{b['words']} words: recall {share(b['recall'])}, FPR {share(b['fpr'])} (n = {b['n']})"
            for b in e["by_length"]
        )
        lines += [
            "",
            f"Errors (repeat 0, out of fold, all rows): TP {e['tp']}, FP {e['fp']}, FN {e['fn']}, TN {e['tn']}. "
            f"Recall by category: {cat}. By length: {length}.",
        ]
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Learning curve, threshold ceiling and Qwen fusion of the stacked mpnet head."
    )
    ap.add_argument(
        "--moderation", type=Path, default=REPO.parent / "shared/data/moderation/openai_moderation_dev.jsonl"
    )
    ap.add_argument("--cache", type=Path, default=None, help="folder caching mpnet embeddings between runs")
    ap.add_argument("--qwen", type=Path, default=None, help="folder caching Qwen activations; adds the fusion test")
    ap.add_argument(
        "--signals",
        type=Path,
        default=None,
        help="JSON of pretrained classifiers' scores ({'moderation': {NAME: [probability per row]}}): each signal, "
        "and all of them together, as extra combiner inputs",
    )
    ap.add_argument("--fusion-only", action="store_true", help="skip the learning curve and threshold ceiling")
    ap.add_argument("--repeats", type=int, default=3, help="repeats of stratified 5-fold CV (seeds 0..)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)

    from frontiergate.ml.encoders import get_encoder
    from frontiergate.safeguards.embedding_cache import EmbeddingCache
    from frontiergate.safeguards.training import HEAD_ENCODER
    from frontiergate.safeguards.validation import load_labelled

    mod = load_labelled(args.moderation)
    encoder = get_encoder(HEAD_ENCODER)
    embed = EmbeddingCache(args.cache, encoder.name, encoder.embed).embed if args.cache else encoder.embed
    x = np.asarray(embed(mod.texts), dtype=np.float64)
    y = np.asarray(mod.labels, dtype=np.int64)
    cats = {k: np.asarray(v, dtype=bool) for k, v in mod.categories.items()}
    res: dict[str, Any] = {"moderation": str(args.moderation), "n": len(y), "encoder": encoder.name,
                           "repeats": args.repeats}
    if not args.fusion_only:
        res["learning_curve"] = learning_curve(x, y, cats, args.repeats)
        res["threshold_ceiling"] = threshold_ceiling(x, y, cats, args.repeats)
        res["errors"] = error_profile(res["learning_curve"].pop("_oof_full"), y, cats, mod.texts)
    if args.signals is not None:
        scores = json.loads(args.signals.read_text(encoding="utf-8"))["moderation"]
        cols = {k: np.asarray(v, dtype=np.float64) for k, v in scores.items()}
        if any(len(v) != len(y) for v in cols.values()):
            raise SystemExit(f"{args.signals}: every signal needs one score per row of {args.moderation}")
        variants = {k: v[:, None] for k, v in cols.items()}
        if len(cols) > 1:
            variants["all signals"] = np.column_stack(list(cols.values()))
        res["signal_fusion"] = {k: fusion(x, y, cats, args.repeats, signal_extra(v)) for k, v in variants.items()}
    if args.qwen is not None:
        q = qwen_activations(mod.texts, args.qwen).astype(np.float64)
        res["qwen_fusion"] = qwen_fusion(x, q, y, cats, args.repeats)
    print(render(res))
    if args.out:
        args.out.write_text(json.dumps(res, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
