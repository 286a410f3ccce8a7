"""Training the embedding guard's head, and the TF-IDF baseline it must beat.

Kept in the package (not only in the script) so that tests can rebuild exactly the same
held-out split the shipped head was *not* trained on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from frontiergate.safeguards.classifier_guard import Head, LogisticHead, StackedHead

SPLIT_SEED = 0
TEST_FRACTION = 0.3
HEAD_C = 3.0
# all-mpnet-base-v2 beat all-MiniLM-L6-v2 in repeated 5-fold CV on the moderation dev set
# (docs/guard-experiments.md); C=3 was within noise of the C chosen by inner CV in every fold.
HEAD_ENCODER = "mpnet"
CV_FOLDS = 5
CV_REPEATS = 3
# stacked head: categories with fewer training positives than this get no head of their own
# (their texts still count as unsafe for the combiner); the combiner is fitted on out-of-fold
# category probabilities (STACK_FOLDS folds inside the training data), never on in-sample ones
MIN_CATEGORY_POSITIVES = 5
STACK_FOLDS = 5
STACK_C = 1.0


def split_indices(
    labels: Sequence[bool], test_fraction: float = TEST_FRACTION, seed: int = SPLIT_SEED
) -> tuple[list[int], list[int]]:
    """Deterministic stratified (train, test) index split."""
    rng = np.random.default_rng(seed)
    train: list[int] = []
    test: list[int] = []
    for cls in (True, False):
        idx = np.array([i for i, y in enumerate(labels) if bool(y) is cls])
        rng.shuffle(idx)
        k = int(round(len(idx) * test_fraction))
        test.extend(int(i) for i in idx[:k])
        train.extend(int(i) for i in idx[k:])
    return sorted(train), sorted(test)


def train_head(
    x: NDArray[np.floating[Any]], y: Sequence[bool], *, c: float = HEAD_C, meta: dict[str, Any] | None = None
) -> LogisticHead:
    """Class-balanced logistic regression on embeddings; the threshold stays at 0.5 (not tuned on
    the data, so the reported F1 is not flattered by threshold search)."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    clf.fit(np.asarray(x), np.asarray(y, dtype=int))
    return LogisticHead(clf.coef_[0], float(clf.intercept_[0]), 0.5, meta)


def train_stacked_head(
    x: NDArray[np.floating[Any]],
    y: Sequence[bool],
    categories: Mapping[str, Sequence[bool]],
    *,
    c: float = HEAD_C,
    meta: dict[str, Any] | None = None,
) -> Head:
    """One class-balanced logistic head per harm category, combined by a logistic regression over
    their out-of-fold probabilities; threshold 0.5, as for the single head.

    Falls back to the single head when fewer than two categories have enough positives (a plain
    safe/unsafe file has none).
    """
    from sklearn.linear_model import LogisticRegression

    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=int)
    if len(headed_categories(categories)) < 2:
        return train_head(xa, y, c=c, meta=meta)
    names, coefs, intercepts, oof = category_heads(xa, categories, c=c)
    stack = LogisticRegression(C=STACK_C, max_iter=5000, class_weight="balanced").fit(oof, ya)
    return StackedHead(
        names,
        coefs,
        intercepts,
        stack.coef_[0],
        float(stack.intercept_[0]),
        0.5,
        {**(meta or {}), "stack_C": STACK_C, "min_category_positives": MIN_CATEGORY_POSITIVES},
    )


def headed_categories(categories: Mapping[str, Sequence[bool]]) -> list[str]:
    """The categories with enough positives (``MIN_CATEGORY_POSITIVES``) to get a head of their own."""
    return [k for k, v in categories.items() if sum(bool(b) for b in v) >= MIN_CATEGORY_POSITIVES]


def category_heads(
    x: NDArray[np.float64], categories: Mapping[str, Sequence[bool]], *, c: float = HEAD_C
) -> tuple[list[str], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The stacked head's first layer: one class-balanced logistic head per category with at least
    ``MIN_CATEGORY_POSITIVES`` positives, as (names, coefficients, intercepts, out-of-fold
    probabilities with one column per head). The combiner is fitted on the out-of-fold columns, never
    on in-sample ones; kept apart so that experiments can add a column (scripts/guard_ceiling.py)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    names = headed_categories(categories)
    inner = StratifiedKFold(STACK_FOLDS, shuffle=True, random_state=1)
    coefs, intercepts, oof = [], [], []
    for name in names:
        yc = np.asarray(categories[name], dtype=int)
        clf = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
        oof.append(cross_val_predict(clf, x, yc, cv=inner, method="predict_proba")[:, 1])
        clf.fit(x, yc)
        coefs.append(clf.coef_[0])
        intercepts.append(float(clf.intercept_[0]))
    width = x.shape[1]
    return (
        names,
        np.array(coefs).reshape(len(names), width),
        np.array(intercepts, dtype=np.float64),
        np.array(oof).T.reshape(x.shape[0], len(names)),
    )


def cross_validated_metrics(
    x: NDArray[np.floating[Any]],
    y: Sequence[bool],
    *,
    c: float = HEAD_C,
    folds: int = CV_FOLDS,
    repeats: int = CV_REPEATS,
    categories: Mapping[str, Sequence[bool]] | None = None,
) -> dict[str, Any]:
    """Mean and spread of F1 (threshold 0.5) and AUPRC over repeated stratified k-fold CV; with
    ``categories``, of the stacked head (trained inside each training fold only).

    Why: one 30% split of 840 rows has an F1 interval about 0.17 wide, too noisy to choose an
    encoder by; averaging over ``folds x repeats`` test folds that cover every row is the yardstick
    the shipped head was chosen with.
    """
    from sklearn.metrics import average_precision_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=int)
    cats = {k: np.asarray(v, dtype=bool) for k, v in (categories or {}).items()}
    f1s: list[float] = []
    aps: list[float] = []
    for rep in range(repeats):
        for tr, te in StratifiedKFold(folds, shuffle=True, random_state=rep).split(xa, ya):
            ytr = [bool(v) for v in ya[tr]]
            head = (
                train_stacked_head(xa[tr], ytr, {k: v[tr].tolist() for k, v in cats.items()}, c=c)
                if cats
                else train_head(xa[tr], ytr, c=c)
            )
            p = head.predict_proba(xa[te])
            f1s.append(float(f1_score(ya[te], p >= 0.5)))
            aps.append(float(average_precision_score(ya[te], p)))
    return {
        "n": int(len(ya)),
        "folds": folds,
        "repeats": repeats,
        "f1_mean": float(np.mean(f1s)),
        "f1_sd": float(np.std(f1s)),
        "auprc_mean": float(np.mean(aps)),
        "auprc_sd": float(np.std(aps)),
    }


def tfidf_baseline_scores(
    train_texts: Sequence[str], train_y: Sequence[bool], test_texts: Sequence[str]
) -> NDArray[np.float64]:
    """p(unsafe) from a TF-IDF (word 1-2 grams) + class-balanced logistic regression baseline."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2))
    xt = vec.fit_transform(list(train_texts))
    clf = LogisticRegression(C=10.0, max_iter=5000, class_weight="balanced").fit(xt, np.asarray(train_y, dtype=int))
    return np.asarray(clf.predict_proba(vec.transform(list(test_texts)))[:, 1], dtype=np.float64)
