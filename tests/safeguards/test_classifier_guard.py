"""The shipped embedding-classifier head: loads offline, and its F1 on held-out moderation data."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import numpy as np
import pytest

from frontiergate.errors import DataFileError
from frontiergate.ml.encoders import ENCODERS, Encoder
from frontiergate.safeguards.classifier_guard import (
    ClassifierGuard,
    LogisticHead,
    StackedHead,
    default_head_path,
    load_head,
)
from frontiergate.safeguards.training import cross_validated_metrics, split_indices, train_stacked_head
from frontiergate.safeguards.validation import MODERATION_KEYS, guard_metrics, load_labelled

REPO = Path(__file__).resolve().parents[2]


def _shared() -> Path | None:
    env = os.environ.get("FRONTIERGATE_SHARED_DATA")
    for cand in ([Path(env)] if env else []) + [REPO.parent / "shared" / "data"]:
        if cand.is_dir():
            return cand
    return None


def test_shipped_head_is_a_stacked_mpnet_head_with_provenance() -> None:
    head = load_head()
    assert isinstance(head, StackedHead)
    assert head.encoder == "mpnet" and 0 < head.threshold < 1
    moderation = [c for c in head.categories if c in MODERATION_KEYS]
    scenario = [c for c in head.categories if c not in MODERATION_KEYS]
    assert len(moderation) >= 2 and all(c.startswith("scenario_") for c in scenario)
    # trained on half of the library's seeds: the decision leaves those out of the residual
    trained = head.meta["trained_on"]
    assert trained["scenario_seed_ids"] and trained["families"] and "image" not in trained["families"]
    assert head.meta["validation"]["unseen_family_recall"]["n"] > 0
    assert head.coef.shape == (len(head.categories), 768)
    assert head.meta["embedding_model"] == ENCODERS["mpnet"].model
    assert head.meta["split"]["test_fraction"] > 0 and head.meta["trained_on_sha256"]
    assert default_head_path().stat().st_size < 200_000


def _two_harms(n: int = 300, seed: int = 0) -> tuple[np.ndarray, list[bool], dict[str, list[bool]]]:
    """Synthetic embeddings: harm A shows on dimension 0, harm B on dimension 1, safe rows on neither."""
    rng = np.random.default_rng(seed)
    kind = rng.integers(0, 3, size=n)  # 0 safe, 1 harm A, 2 harm B
    x = rng.normal(size=(n, 6))
    x[kind == 1, 0] += 3.0
    x[kind == 2, 1] += 3.0
    return x, [bool(k) for k in kind], {"A": [k == 1 for k in kind], "B": [k == 2 for k in kind], "rare": [False] * n}


def test_stacked_head_learns_each_harm_and_round_trips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    x, y, cats = _two_harms()
    head = train_stacked_head(x, y, cats, meta={"encoder": "tiny"})
    assert isinstance(head, StackedHead) and head.categories == ["A", "B"]  # "rare" has no positives
    xt, yt, _ = _two_harms(seed=1)
    p = head.predict_proba(xt)
    m = guard_metrics(yt, list(p >= head.threshold), list(p))
    assert m["f1"] > 0.85 and m["auprc"] > 0.9
    q = head.category_proba(xt)
    assert q.shape == (300, 2) and q[xt[:, 0] > 4, 0].mean() > q[xt[:, 0] > 4, 1].mean()
    # saved and loaded (the width is checked against the encoder the head names)
    monkeypatch.setitem(ENCODERS, "tiny", Encoder("tiny", 6, "synthetic", lambda texts: np.zeros((1, 6))))
    path = tmp_path / "stacked.json"
    head.save(path)
    again = load_head(path)
    assert isinstance(again, StackedHead) and np.allclose(again.predict_proba(xt), p, atol=1e-5)


def test_stacked_head_falls_back_to_one_head_without_categories() -> None:
    x, y, _ = _two_harms()
    assert isinstance(train_stacked_head(x, y, {}), LogisticHead)


def test_malformed_stacked_head_is_a_user_error(tmp_path: Path) -> None:
    p = tmp_path / "head.json"
    cats = {"S": {"coef": [0.1] * 768, "intercept": 0.0}, "H": {"coef": [0.1] * 768, "intercept": 0.0}}
    p.write_text(json.dumps({"encoder": "mpnet", "categories": cats, "stack": {"coef": [1.0], "intercept": 0.0}}))
    with pytest.raises(DataFileError, match="malformed"):
        load_head(p)
    p.write_text(json.dumps({"encoder": "mpnet", "categories": cats, "stack": {"intercept": 0.0}}))
    with pytest.raises(DataFileError, match="cannot read classifier head"):
        load_head(p)
    short = {k: {"coef": [0.1] * 384, "intercept": 0.0} for k in cats}
    p.write_text(json.dumps({"encoder": "mpnet", "categories": short, "stack": {"coef": [1.0, 1.0], "intercept": 0}}))
    with pytest.raises(DataFileError, match="384 weights per category but encoder 'mpnet' gives 768"):
        load_head(p)


def _head_file(tmp_path: Path, n: int, **meta: object) -> Path:
    p = tmp_path / "head.json"
    p.write_text(json.dumps({**meta, "coef": [0.01] * n, "intercept": 0.0, "threshold": 0.5}))
    return p


def test_a_head_without_encoder_field_is_a_minilm_head(tmp_path: Path) -> None:
    head = LogisticHead.load(_head_file(tmp_path, 384))
    assert head.encoder == "minilm"
    assert ClassifierGuard(head).describe()["encoder"] == "minilm"


def test_unknown_encoder_or_wrong_width_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="unknown sentence encoder 'bert-xl'"):
        LogisticHead.load(_head_file(tmp_path, 768, encoder="bert-xl"))
    with pytest.raises(DataFileError, match="384 weights but encoder 'mpnet' gives 768"):
        LogisticHead.load(_head_file(tmp_path, 384, encoder="mpnet"))


def test_malformed_head_is_a_user_error(tmp_path: Path) -> None:
    p = tmp_path / "head.json"
    p.write_text(json.dumps({"coef": [0.1, 0.2]}))
    with pytest.raises(DataFileError, match="intercept"):
        LogisticHead.load(p)


def test_split_is_deterministic_stratified_and_disjoint() -> None:
    labels = [i % 3 == 0 for i in range(100)]
    tr, te = split_indices(labels)
    assert split_indices(labels) == (tr, te)
    assert not set(tr) & set(te) and len(tr) + len(te) == 100
    assert sum(labels[i] for i in te) == round(34 * 0.3)


def test_cross_validated_metrics_average_over_every_fold() -> None:
    rng = np.random.default_rng(0)
    y = [i % 3 == 0 for i in range(150)]
    x = rng.normal(size=(150, 4)) + np.outer(np.array(y, dtype=float), [3.0, 0, 0, 0])
    cv = cross_validated_metrics(x, y, folds=5, repeats=2)
    assert cv["n"] == 150 and cv["folds"] == 5 and cv["repeats"] == 2
    assert cv["f1_mean"] > 0.85 and cv["auprc_mean"] > 0.9 and cv["f1_sd"] >= 0
    noise = cross_validated_metrics(rng.normal(size=(150, 4)), y, folds=5, repeats=2)
    assert noise["auprc_mean"] < 0.6  # no signal: AUPRC near the 1/3 base rate
    # the stacked head, trained inside each training fold on the category labels
    x2, y2, cats = _two_harms()
    stacked = cross_validated_metrics(x2, y2, folds=5, repeats=1, categories=cats)
    assert stacked["f1_mean"] > 0.85 and stacked["repeats"] == 1


@pytest.mark.slow
def test_classifier_f1_on_held_out_moderation_split() -> None:
    root = _shared()
    if root is None or not (root / "moderation" / "openai_moderation_dev.jsonl").is_file():
        pytest.skip("shared moderation data not available")
    data = load_labelled(root / "moderation" / "openai_moderation_dev.jsonl")
    _, test = split_indices(data.labels)  # the 30% the shipped head was not trained on
    guard = ClassifierGuard()
    texts = [data.texts[i] for i in test]
    labels = [data.labels[i] for i in test]
    p = guard.scores(texts)
    m = guard_metrics(labels, list(p >= guard.head.threshold), list(p))
    # measured F1 0.734 [0.652, 0.809], AUPRC 0.845 when trained (the single mpnet head it replaced: 0.707,
    # 0.815; MiniLM before that: 0.648, 0.721); the bounds leave room for library drift, not for a broken
    # head or a head over the wrong encoder
    assert guard.head.encoder == "mpnet"
    assert m["n"] == 252 and m["f1"] > 0.65 and m["auprc"] > 0.79
    v = asyncio.run(guard.check_input(texts[0]))
    assert v.score is not None and v.blocked == (v.score >= guard.head.threshold)
    unsafe = next(t for t, y, s in zip(texts, labels, p, strict=True) if y and s >= guard.head.threshold)
    blocked = asyncio.run(guard.check_input(unsafe))
    assert blocked.blocked and "most like category" in blocked.rationale
