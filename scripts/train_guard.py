"""Train the embedding guard's logistic head and measure it against the baselines.

Usage:
    python scripts/train_guard.py --moderation ../shared/data/moderation/openai_moderation_dev.jsonl \
        --xstest ../shared/data/xstest/xstest_prompts.csv [--encoder mpnet|minilm] [--write-head] \
        [--out metrics.json]

The head (stacked: one logistic head per moderation category, combined by a second logistic
regression; a single head where the file has no categories) is trained on a stratified 70% of
the moderation file only (split seed 0, see
frontiergate/safeguards/training.py); the remaining 30% and the whole XSTest prompt set are held
out. With ``--write-head`` the trained head is written to the package
(src/frontiergate/safeguards/data/classifier_head.json), so ``--guard classifier`` works offline.
Figures printed: F1 (bootstrap CI), AUPRC and FPR (Wilson CI) for the classifier, a TF-IDF + LR
baseline trained on the same 70%, a single logistic head (the previous guard) and the rules
filter; then mean F1 and AUPRC of the same head
over repeated stratified 5-fold CV on the whole file (the yardstick the encoder was chosen by,
see docs/guard-experiments.md). The encoder (default: mpnet) is recorded in the head's meta.

In-domain mode (``--scenarios``, issue 23): the head is also trained on scenario-library items
(harmful seeds, benign twins and one transform per family each, ``safeguards/indomain.py``) of
the seeds on hash half 0 only; half 1 is never trained on. With ``--decode`` the guard also judges
the decoded view of every text (``safeguards/decode.py``). The script then measures, and writes
into the head's ``meta["validation"]`` (never typed by hand): moderation held-out F1 (the same
30% split), unseen-family recall by leave-one-family-out on the held-out seeds with the benign
twins' false-positive rate (seed-clustered intervals), XSTest FPR on its safe prompts, and the
latency of one guarded request; each against the previously shipped head, paired. It also
writes the before/after table of the rules-versus-classifier generalisation experiment
(``--write-figures``: ``safeguards/data/guard_generalisation.json``, read by
``generalisation.before_after_rows``). ``--write-head`` ships the head itself.

    python scripts/train_guard.py --scenarios --decode --seed 0 --cache /tmp/fg/guard/cache \
        --skip-cv --write-figures --out /tmp/fg/guard/metrics.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEAD_PATH = REPO / "src" / "frontiergate" / "safeguards" / "data" / "classifier_head.json"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Train and evaluate the embedding guard head.")
    ap.add_argument(
        "--moderation", type=Path, default=REPO.parent / "shared/data/moderation/openai_moderation_dev.jsonl"
    )
    ap.add_argument("--xstest", type=Path, default=REPO.parent / "shared/data/xstest/xstest_prompts.csv")
    ap.add_argument("--encoder", default=None, help="sentence encoder: mpnet (default) or minilm")
    ap.add_argument("--write-head", action="store_true", help="write the trained head into the package")
    ap.add_argument("--out", type=Path, default=None, help="write all metrics as JSON")
    ap.add_argument("--scenarios", action="store_true", help="also train on scenario-library items (seed half 0)")
    ap.add_argument("--decode", action="store_true", help="judge the decoded view of each text too")
    ap.add_argument(
        "--contrast",
        action="store_true",
        help="with --scenarios: add the benign contrast rows (hash half 0) as negatives",
    )
    ap.add_argument("--seed", type=int, default=0, help="seed for the scenario sample (which transform per family)")
    ap.add_argument("--cache", type=Path, default=None, help="folder caching embeddings between runs")
    ap.add_argument("--skip-cv", action="store_true", help="skip the repeated-CV yardstick (minutes of CPU)")
    ap.add_argument(
        "--write-figures", action="store_true", help="write the before/after generalisation figures into the package"
    )
    ap.add_argument("--latency-n", type=int, default=40, help="requests timed for the latency figure")
    args = ap.parse_args(argv)
    if args.scenarios or args.decode:
        from guard_indomain import run_indomain  # scripts/ is on sys.path when run as a script

        return run_indomain(args, REPO, HEAD_PATH)

    import asyncio

    from frontiergate.ml.encoders import get_encoder
    from frontiergate.safeguards.classifier_guard import StackedHead
    from frontiergate.safeguards.rules_filter import RulesFilter
    from frontiergate.safeguards.training import (
        HEAD_C,
        HEAD_ENCODER,
        SPLIT_SEED,
        TEST_FRACTION,
        cross_validated_metrics,
        split_indices,
        tfidf_baseline_scores,
        train_head,
        train_stacked_head,
    )
    from frontiergate.safeguards.validation import guard_metrics, load_labelled

    mod = load_labelled(args.moderation)
    train, test = split_indices(mod.labels)
    encoder = get_encoder(args.encoder or HEAD_ENCODER)
    x = encoder.embed(mod.texts)
    ytr = [mod.labels[i] for i in train]
    yte = [mod.labels[i] for i in test]
    head = train_stacked_head(
        x[train],
        ytr,
        {k: [v[i] for i in train] for k, v in mod.categories.items()},
        meta={
            "encoder": encoder.name,
            "embedding_model": encoder.model,
            "trained_on": args.moderation.name,
            "trained_on_sha256": hashlib.sha256(args.moderation.read_bytes()).hexdigest(),
            "split": {"seed": SPLIT_SEED, "test_fraction": TEST_FRACTION, "n_train": len(train), "n_test": len(test)},
            "C": HEAD_C,
            "label": "unsafe = any moderation category flagged",
        },
    )
    kind = "stacked-lr" if isinstance(head, StackedHead) else "lr"  # a file without categories gives one head
    head.meta = {"name": f"{encoder.name}-moderation-{kind}", **head.meta}
    single = train_head(x[train], ytr)
    rules = RulesFilter()
    results: dict[str, dict[str, object]] = {}

    def rules_eval(texts: list[str], labels: list[bool]) -> dict[str, object]:
        verdicts = [asyncio.run(rules.check_input(t)) for t in texts]
        return guard_metrics(labels, [v.blocked for v in verdicts], [v.score or 0.0 for v in verdicts])

    p = head.predict_proba(x[test])
    results["moderation_test/classifier"] = guard_metrics(yte, list(p >= head.threshold), list(p))
    ps = single.predict_proba(x[test])
    results["moderation_test/single_head"] = guard_metrics(yte, list(ps >= 0.5), list(ps))
    tf = tfidf_baseline_scores([mod.texts[i] for i in train], ytr, [mod.texts[i] for i in test])
    results["moderation_test/tfidf_lr"] = guard_metrics(yte, list(tf >= 0.5), list(tf))
    results["moderation_test/rules"] = rules_eval([mod.texts[i] for i in test], yte)
    if args.xstest.is_file():
        xs = load_labelled(args.xstest)
        px = head.predict_proba(encoder.embed(xs.texts))
        results["xstest/classifier"] = guard_metrics(xs.labels, list(px >= head.threshold), list(px))
        pxs = single.predict_proba(encoder.embed(xs.texts))
        results["xstest/single_head"] = guard_metrics(xs.labels, list(pxs >= 0.5), list(pxs))
        tx = tfidf_baseline_scores([mod.texts[i] for i in train], ytr, xs.texts)
        results["xstest/tfidf_lr"] = guard_metrics(xs.labels, list(tx >= 0.5), list(tx))
        results["xstest/rules"] = rules_eval(xs.texts, xs.labels)
    print("| data / guard | n | F1 [95% CI] | AUPRC | FPR [95% CI] | recall |")
    print("|---|---|---|---|---|---|")
    for k, r in results.items():
        f1_ci = r["f1_ci"]
        fpr_ci = r["fpr_ci"]
        assert isinstance(f1_ci, list) and isinstance(fpr_ci, list)
        print(
            f"| {k} | {r['n']} | {r['f1']:.3f} [{f1_ci[0]:.3f}, {f1_ci[1]:.3f}] | {r['auprc']:.3f} | "
            f"{r['fpr']:.3f} [{fpr_ci[0]:.3f}, {fpr_ci[1]:.3f}] | {r['recall']:.3f} |"
        )
    for name, cats in (("classifier", mod.categories), ("single_head", None)):
        cv = cross_validated_metrics(x, mod.labels, categories=cats)
        results[f"moderation_cv/{name}"] = cv
        print(
            f"\nrepeated CV, {name} ({cv['repeats']}x{cv['folds']}-fold, n={cv['n']}): F1 {cv['f1_mean']:.3f} "
            f"(sd {cv['f1_sd']:.3f}), AUPRC {cv['auprc_mean']:.3f} (sd {cv['auprc_sd']:.3f})"
        )
    if args.write_head:
        head.save(HEAD_PATH)
        print(f"head written to {HEAD_PATH}")
    if args.out:
        args.out.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
