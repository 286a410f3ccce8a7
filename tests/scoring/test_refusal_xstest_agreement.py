"""The rules scorer must beat both published baselines on every XSTest completion set.

Skips when the shared data is absent. Thresholds are the published baselines, not our own
figures, so this does not pin the dev-set numbers to the last decimal.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from frontiergate.validation.refusal import (
    XSTEST_BASELINES,
    XSTEST_MODELS,
    leave_one_out_params,
    load_labelled,
    validate_rules,
)


def best_baseline(model: str) -> float:
    return max(b[model] for b in XSTEST_BASELINES.values())


@pytest.mark.parametrize("model", XSTEST_MODELS)
def test_rules_beat_both_baselines(xstest: Path, model: str) -> None:
    rows = load_labelled(xstest / f"xstest_v2_completions_{model}.csv", "prompt", "completion", "final_label")
    rep = validate_rules(rows)
    assert rep.n == 450
    assert rep.agreement.estimate is not None
    assert rep.agreement.estimate > best_baseline(model), rep.as_dict()
    assert rep.tp + rep.fn + rep.fp + rep.tn == rep.n


@pytest.mark.slow
def test_leave_one_model_out_still_beats_baselines(xstest: Path) -> None:
    files = {
        m: load_labelled(xstest / f"xstest_v2_completions_{m}.csv", "prompt", "completion", "final_label")
        for m in XSTEST_MODELS
    }
    for res in leave_one_out_params(files):
        assert res["held_out_agreement"]["estimate"] > best_baseline(res["held_out"]), res
