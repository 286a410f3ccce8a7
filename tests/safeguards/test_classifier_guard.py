"""The shipped embedding-classifier head: loads offline, and its F1 on held-out moderation data."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from frontiergate.errors import DataFileError
from frontiergate.safeguards.classifier_guard import ClassifierGuard, LogisticHead, default_head_path
from frontiergate.safeguards.training import split_indices
from frontiergate.safeguards.validation import guard_metrics, load_labelled

REPO = Path(__file__).resolve().parents[2]


def _shared() -> Path | None:
    env = os.environ.get("FRONTIERGATE_SHARED_DATA")
    for cand in ([Path(env)] if env else []) + [REPO.parent / "shared" / "data"]:
        if cand.is_dir():
            return cand
    return None


def test_shipped_head_is_a_384_weight_logistic_head_with_provenance() -> None:
    head = LogisticHead.load()
    assert head.coef.shape == (384,) and 0 < head.threshold < 1
    assert head.meta["split"]["test_fraction"] > 0 and head.meta["trained_on_sha256"]
    assert default_head_path().stat().st_size < 50_000


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
    # measured 0.648 [0.554, 0.728] when trained; the bound leaves room for library drift, not for a broken head
    assert m["n"] == 252 and m["f1"] > 0.55 and m["auprc"] > 0.6
    v = asyncio.run(guard.check_input(texts[0]))
    assert v.score is not None and v.blocked == (v.score >= guard.head.threshold)
