"""Compare offline guard heads by repeated stratified 5-fold CV on the moderation dev set.

Usage:
    python scripts/guard_experiments.py --moderation ../shared/data/moderation/openai_moderation_dev.jsonl \\
        --cache /tmp/guard_exp [--gemma] [--out results.json]

Embeddings are computed once per encoder and cached as ``<cache>/<encoder>.npy`` (mpnet takes
about 10 minutes for the 840 rows on one core; with ``--gemma`` the embedded Gemma 3 270M adds
mean-pooled hidden states, about 30 minutes). Every approach is scored on the same 3x5 folds
(seeds 0, 1, 2) and on the fixed 30% split of ``frontiergate.safeguards.training``; the threshold
is 0.5 unless the name says ``inner-thr``, where it is chosen by 5-fold CV inside the training
fold only. Results and the table are in docs/guard-experiments.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

REPO = Path(__file__).resolve().parents[1]
Scorer = Callable[[NDArray[np.int64], NDArray[np.int64]], tuple[NDArray[np.float64], float]]


def gemma_mean_embeddings(texts: list[str], max_tokens: int = 512) -> NDArray[np.float32]:
    """Mean of Gemma 3 270M's last hidden states over the (truncated) text's tokens."""
    import llama_cpp

    from frontiergate.models.embedded import _silence_llama_logs, gguf_path

    _silence_llama_logs()
    llm = llama_cpp.Llama(
        model_path=str(gguf_path()),
        embedding=True,
        n_ctx=max_tokens + 8,
        n_batch=max_tokens + 8,
        n_ubatch=max_tokens + 8,
        n_threads=1,
        pooling_type=llama_cpp.LLAMA_POOLING_TYPE_NONE,  # MEAN aborts in this llama.cpp build for Gemma 3
        verbose=False,
    )
    out = []
    for text in texts:
        toks = llm.tokenize(text.encode("utf-8", "ignore"), add_bos=True)[:max_tokens]
        clipped = llm.detokenize(toks[1:]).decode("utf-8", "ignore") if len(toks) >= max_tokens else text
        out.append(np.asarray(llm.embed(clipped, truncate=True), dtype=np.float32).mean(axis=0))
    return np.stack(out)


def cached(
    cache: Path, name: str, embed: Callable[[list[str]], NDArray[np.float32]], texts: list[str]
) -> NDArray[np.float64]:
    """Embeddings of ``texts`` from ``<cache>/<name>.npy``, computed and saved on first use."""
    path = cache / f"{name}.npy"
    if not path.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        np.save(path, embed(texts))
    return np.asarray(np.load(path), dtype=np.float64)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Cross-validate guard heads over offline encoders.")
    ap.add_argument(
        "--moderation", type=Path, default=REPO.parent / "shared/data/moderation/openai_moderation_dev.jsonl"
    )
    ap.add_argument("--cache", type=Path, default=Path("/tmp/guard_exp"))
    ap.add_argument("--gemma", action="store_true", help="include the embedded Gemma 3 270M (slow)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    # SVC(probability=True) is deprecated in recent scikit-learn; it still gives Platt-scaled scores
    warnings.filterwarnings("ignore", message="The `probability` parameter", category=FutureWarning)

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score, f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.svm import SVC

    from frontiergate.ml.encoders import get_encoder
    from frontiergate.safeguards.training import split_indices
    from frontiergate.safeguards.validation import guard_metrics, load_labelled

    data = load_labelled(args.moderation)
    texts = np.array(data.texts, dtype=object)
    y = np.array(data.labels, dtype=int)
    feats: dict[str, NDArray[np.float64]] = {}
    for enc_name in ("minilm", "mpnet"):
        feats[enc_name] = cached(args.cache, enc_name, get_encoder(enc_name).embed, data.texts)
    if args.gemma:
        g = cached(args.cache, "gemma", gemma_mean_embeddings, data.texts)
        feats["gemma"] = (g - g.mean(0)) / (g.std(0) + 1e-6)  # raw hidden states are far from unit scale

    def inner_threshold(model: Any, x: Any, tr: NDArray[np.int64]) -> float:
        oof = cross_val_predict(
            model, x, y[tr], cv=StratifiedKFold(5, shuffle=True, random_state=123), method="predict_proba"
        )
        grid = np.linspace(0.1, 0.9, 81)
        return float(grid[int(np.argmax([f1_score(y[tr], oof[:, 1] >= t) for t in grid]))])

    def dense(x: NDArray[np.float64], c: float, svm: bool = False, tune: bool = False) -> Scorer:
        def score(tr: NDArray[np.int64], te: NDArray[np.int64]) -> tuple[NDArray[np.float64], float]:
            model: Any = (
                SVC(C=c, class_weight="balanced", probability=True, random_state=0)
                if svm
                else LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
            )
            thr = inner_threshold(model, x[tr], tr) if tune else 0.5
            return model.fit(x[tr], y[tr]).predict_proba(x[te])[:, 1], thr

        return score

    def tfidf(analyzer: str) -> Scorer:
        def score(tr: NDArray[np.int64], te: NDArray[np.int64]) -> tuple[NDArray[np.float64], float]:
            vec = (
                TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2))
                if analyzer == "word"
                else TfidfVectorizer(
                    sublinear_tf=True, min_df=2, analyzer="char_wb", ngram_range=(2, 5), max_features=100000
                )
            )
            xtr = vec.fit_transform(list(texts[tr]))
            clf = LogisticRegression(C=10.0, max_iter=5000, class_weight="balanced").fit(xtr, y[tr])
            return clf.predict_proba(vec.transform(list(texts[te])))[:, 1], 0.5

        return score

    def average(*members: Scorer) -> Scorer:
        def score(tr: NDArray[np.int64], te: NDArray[np.int64]) -> tuple[NDArray[np.float64], float]:
            return np.mean([m(tr, te)[0] for m in members], axis=0), 0.5

        return score

    approaches: dict[str, Scorer] = {
        "TF-IDF word 1-2g + LR (baseline)": tfidf("word"),
        "TF-IDF char 2-5g + LR": tfidf("char"),
        "MiniLM + LR C=3 (previous guard)": dense(feats["minilm"], 3.0),
        "mpnet + LR C=3 (shipped guard)": dense(feats["mpnet"], 3.0),
        "mpnet + LR C=3, inner-thr": dense(feats["mpnet"], 3.0, tune=True),
        "MiniLM ++ mpnet + LR C=1": dense(np.hstack([feats["minilm"], feats["mpnet"]]), 1.0),
        "mpnet + RBF-SVM C=3": dense(feats["mpnet"], 3.0, svm=True),
        "mpnet + RBF-SVM C=3, inner-thr": dense(feats["mpnet"], 3.0, svm=True, tune=True),
        "avg(mpnet LR, TF-IDF char LR)": average(dense(feats["mpnet"], 3.0), tfidf("char")),
    }
    if "gemma" in feats:
        approaches["Gemma-270M mean-pool + LR C=0.01"] = dense(feats["gemma"], 0.01)
        approaches["avg(mpnet LR, Gemma LR)"] = average(dense(feats["mpnet"], 3.0), dense(feats["gemma"], 0.03))

    split_tr, split_te = (np.array(a) for a in split_indices(data.labels))
    results: dict[str, dict[str, Any]] = {}
    print(
        "| approach | CV F1 mean (sd) | CV AUPRC mean | pooled OOF F1 [95% CI] | 30% split F1 [95% CI] | split AUPRC |"
    )
    print("|---|---|---|---|---|---|")
    for name, scorer in approaches.items():
        f1s, aps = [], []
        oof_p, oof_b = np.zeros(len(y)), np.zeros(len(y), dtype=bool)
        for rep in range(3):
            for tr, te in StratifiedKFold(5, shuffle=True, random_state=rep).split(texts, y):
                p, thr = scorer(tr, te)
                f1s.append(float(f1_score(y[te], p >= thr)))
                aps.append(float(average_precision_score(y[te], p)))
                if rep == 0:
                    oof_p[te], oof_b[te] = p, p >= thr
        pooled = guard_metrics(data.labels, list(oof_b), list(oof_p))
        p, thr = scorer(split_tr, split_te)
        split = guard_metrics([data.labels[i] for i in split_te], list(p >= thr), list(p))
        results[name] = {
            "cv_f1_mean": float(np.mean(f1s)),
            "cv_f1_sd": float(np.std(f1s)),
            "cv_auprc_mean": float(np.mean(aps)),
            "pooled_oof": pooled,
            "split": split,
        }
        print(
            f"| {name} | {np.mean(f1s):.3f} ({np.std(f1s):.3f}) | {np.mean(aps):.3f} | "
            f"{pooled['f1']:.3f} [{pooled['f1_ci'][0]:.3f}, {pooled['f1_ci'][1]:.3f}] | "
            f"{split['f1']:.3f} [{split['f1_ci'][0]:.3f}, {split['f1_ci'][1]:.3f}] | {split['auprc']:.3f} |",
            flush=True,
        )
    if args.out:
        args.out.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
