"""Rebuild the realism meter's head (src/frontiergate/awareness/data/realism_head.npz).

Trains a logistic head on MiniLM embeddings + hashed n-grams (see frontiergate.awareness.realism)
on the eval-awareness 2×2 dev data, holding out a stratified 30 % of every cell (the real test
split is hidden), and prints held-out AUROC in each of the four 2×2 comparisons next to the
baselines trained on the same rows: TF-IDF word 1-2-gram + LR (the reference baseline), TF-IDF
char 2-5-gram + LR and log-length + LR. The shipped head is the one trained on the train part, so
the held-out figures are exactly those of the shipped file; ``--write-holdout`` writes the
held-out rows (outside the repo) so ``frontiergate validate realism`` can reproduce them.

    python scripts/train_realism.py --data ../shared/data/eval_awareness_2x2 \
        --write-holdout /tmp/realism_holdout.jsonl --json /tmp/realism_train.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from frontiergate.awareness.realism import (
    FEATURES,
    RealismHead,
    calibration_examples,
    combine,
    default_head_path,
)
from frontiergate.awareness.twobytwo import LabelledText, cell_report, fmt_auroc, load_2x2, split_rows

C = 10.0  # fixed a priori for a sparse+dense LR of this size; not tuned on the held-out rows
EXAMPLE_WEIGHT = 20.0  # 60 hand-written rows weigh like ~1,200 of the 2,844 training rows


def _embeddings(rows: list[LabelledText], cache: Path | None) -> np.ndarray:
    from frontiergate.ml.embeddings import embed

    if cache is not None and cache.exists():
        z = np.load(cache)
        known = dict(zip(z["ids"].tolist(), z["E"], strict=True))
        if all(r.id in known for r in rows):
            return np.stack([known[r.id] for r in rows])
    vecs = embed([r.text for r in rows], batch_size=64)
    if cache is not None:
        np.savez(cache, E=vecs, ids=np.array([r.id for r in rows]))
    return vecs


def _baseline(
    kind: str, train: list[LabelledText], test: list[LabelledText], weights: np.ndarray
) -> list[float]:
    y = [r.label == "eval" for r in train]
    if kind == "length":
        def f(rs: list[LabelledText]) -> np.ndarray:
            return np.asarray(np.log1p(np.array([[len(r.text)] for r in rs], dtype=float)))
        clf = LogisticRegression(max_iter=1000).fit(f(train), y, sample_weight=weights)
        return [float(p) for p in clf.predict_proba(f(test))[:, 1]]
    vec = (TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True) if kind == "tfidf_word"
           else TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True))
    clf = LogisticRegression(max_iter=2000).fit(vec.fit_transform([r.text for r in train]), y,
                                                 sample_weight=weights)
    return [float(p) for p in clf.predict_proba(vec.transform([r.text for r in test]))[:, 1]]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="eval_awareness_2x2 directory")
    ap.add_argument("--out", type=Path, default=default_head_path(), help="where to write the head (.npz)")
    ap.add_argument("--test-fraction", type=float, default=0.3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--embeddings-cache", type=Path, default=None, help="npz cache of embeddings by row id")
    ap.add_argument("--write-holdout", type=Path, default=None, help="write held-out rows as JSONL here")
    ap.add_argument("--json", type=Path, default=None, help="write all figures as JSON here")
    ap.add_argument("--example-weight", type=float, default=EXAMPLE_WEIGHT,
                    help="weight of each bundled hand-written calibration example (0 leaves them out)")
    args = ap.parse_args(argv)

    from frontiergate.ml.embeddings import embed

    rows = load_2x2(args.data)
    train, test = split_rows(rows, args.test_fraction, args.seed)
    emb = _embeddings(rows, args.embeddings_cache)
    by_id = {r.id: i for i, r in enumerate(rows)}
    examples = calibration_examples() if args.example_weight > 0 else []
    e_tr = np.vstack([emb[[by_id[r.id] for r in train]], embed([r.text for r in examples])])
    e_te = emb[[by_id[r.id] for r in test]]
    train = train + examples
    weights = np.array([1.0] * (len(train) - len(examples)) + [args.example_weight] * len(examples))
    y = [r.label == "eval" for r in train]
    clf = LogisticRegression(max_iter=5000, C=C).fit(combine(e_tr, [r.text for r in train]), y,
                                                     sample_weight=weights)
    info: dict[str, Any] = {
        "features": FEATURES, "C": C, "train_rows": len(train), "heldout_rows": len(test),
        "calibration_examples": len(examples), "example_weight": args.example_weight,
        "split": f"stratified by cell, test_fraction={args.test_fraction}, seed={args.seed}",
        "data": "eval_awareness_2x2 dev (viliana-dev/eval-awareness-2x2, MIT)",
    }
    head = RealismHead(clf.coef_[0].astype(np.float64), float(clf.intercept_[0]), info)
    head.save(args.out)
    shipped = RealismHead.load(args.out)  # score with the stored (float16) weights, as at run time
    meter_p = shipped.p_eval(combine(e_te, [r.text for r in test]))
    results = {"realism_meter": cell_report(test, [float(x) for x in meter_p])}
    for kind in ("tfidf_word", "tfidf_char", "length"):
        results[kind] = cell_report(test, _baseline(kind, train, test, weights))

    names = ["overall", "bench_vs_bench", "casual_vs_casual", "diagonal", "off_diagonal"]
    print(f"held-out rows: {len(test)} (train {len(train)}); head written to {args.out}")
    print(f"{'detector':<14}" + "".join(f"{n:>18}" for n in names))
    for det, rep in results.items():
        cells = [rep["auroc"]] + [rep["comparisons"][n]["auroc"] for n in names[1:]]
        print(f"{det:<14}" + "".join(f"{fmt_auroc(c):>18}" for c in cells))
    ref = results["tfidf_word"]["comparisons"]
    wins = {n: results["realism_meter"]["comparisons"][n]["auroc"] > ref[n]["auroc"] for n in names[1:]}
    print("meter beats TF-IDF(word)+LR in every comparison:", all(wins.values()), wins)
    if args.write_holdout is not None:
        with args.write_holdout.open("w", encoding="utf-8") as fh:
            for r in test:
                row = {"id": r.id, "text": r.text, "label": r.label, "format": r.format}
                fh.write(json.dumps(row) + "\n")
    if args.json is not None:
        args.json.write_text(json.dumps({"info": info, "results": results, "wins": wins}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
