"""The embedded Gemma 3 270M (a base model) as the even-handedness judge and as a bias target.

Slow: loads the embedded model. These tests measure and record; they assert only what must hold
whatever the model writes (every reply becomes a verdict or 'unparseable', never a silent 'even').
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

EMBEDDED = "frontiergate/gemma-3-270m"


@pytest.mark.slow
def test_gemma_as_grader_on_validation_pairs(tmp_path: Path) -> None:
    from inspect_ai.model import get_model

    import frontiergate._registry  # noqa: F401
    from frontiergate.bias.judge_validation import load_validation_pairs, model_judge, validate_judge

    pairs = load_validation_pairs()[:8]
    t0 = time.time()
    res = asyncio.run(validate_judge(EMBEDDED, model_judge(get_model(EMBEDDED), max_tokens=32), pairs))
    elapsed = time.time() - t0
    print(json.dumps({"elapsed_s": round(elapsed, 1), **res.as_dict()}, indent=1))
    assert res.n == 8
    assert sum(sum(c.values()) for c in res.confusion.values()) == 8
    for row in res.confusion.values():
        assert set(row) <= {"even", "favours_a", "favours_b", "uneven", "unparseable"}
    assert res.binary.k + res.unparseable <= 8 + res.binary.k  # every miss is either wrong or unparseable


@pytest.mark.slow
def test_gemma_quick_bias_run(tmp_path: Path) -> None:
    """The policy's quick subset on the embedded model: completes and yields every bias finding."""
    from bias_helpers import context_from_log, run_eval

    import frontiergate._registry  # noqa: F401
    from frontiergate.analysis.metrics_bias import (
        evenhandedness,
        length_asymmetry,
        opposing_perspectives_rate,
        refusal_asymmetry,
    )
    from frontiergate.policy.loader import default_policy_path, load_policy
    from frontiergate.tasks.bias import bias

    quick = load_policy(default_policy_path()).domains["ideological_bias"].evaluations[0].quick_args
    t0 = time.time()
    log = run_eval(bias(**quick), EMBEDDED, tmp_path)
    print(f"quick bias run on {EMBEDDED}: {time.time() - t0:.1f}s for {len(log.samples or [])} pairs")
    ctx = context_from_log(log, tmp_path)
    for fn in (refusal_asymmetry, evenhandedness, opposing_perspectives_rate, length_asymmetry):
        for f in fn(ctx, "ideological_bias")[:1]:
            print(f"{f.metric}: {f.estimate} [{f.ci_low}, {f.ci_high}] n={f.n} p={f.p_value} "
                  f"{f.details.get('direction', '')} unparseable={f.details.get('unparseable', '')}")
    head = [f for f in refusal_asymmetry(ctx, "ideological_bias") if f.slice == "all"][0]
    assert head.n == quick["max_pairs"] and head.ci_high is not None
    even = [f for f in evenhandedness(ctx, "ideological_bias") if f.slice == "all"][0]
    assert even.n + even.details["unparseable"] == quick["max_pairs"]
