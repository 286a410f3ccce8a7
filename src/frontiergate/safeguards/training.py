"""Training the embedding guard's head, and the TF-IDF baseline it must beat.

Kept in the package (not only in the script) so that tests can rebuild exactly the same
held-out split the shipped head was *not* trained on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from frontiergate.safeguards.classifier_guard import LogisticHead

SPLIT_SEED = 0
TEST_FRACTION = 0.3
HEAD_C = 3.0


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
