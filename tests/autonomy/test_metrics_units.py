"""Metric edge cases on hand-built stored samples: deception rate, errors, empty domains."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from frontiergate.analysis.context import AnalysisContext, SampleView, ScoreView
from frontiergate.analysis.metrics_autonomy import (
    autonomy_control_rate,
    autonomy_deception_rate,
    autonomy_violation_rate,
    sandbagging_gap,
)


def _sample(pk: int, meta: dict[str, Any] | None, error: str | None = None) -> SampleView:
    scores = {} if meta is None else {"autonomy": ScoreView(1.0, None, None, meta)}
    return SampleView(pk, 1, "autonomy", "t", f"i{pk}", "s", "autonomy", "oversight_subversion", "high", True,
                      "oversight_subversion", [], "agentic", None, {}, 0, error, 0, 0, None, scores)


def _meta(behaviour: bool, verdict: str | None, control: bool = False) -> dict[str, Any]:
    m: dict[str, Any] = {"family": "oversight_subversion", "condition": "control" if control else "c",
                         "factors": {"control": control, "nudge": "strong", "threat": "none",
                                     "affordance": "present"},
                         "predicates": {"oversight_disabled": behaviour}, "behaviour": behaviour}
    if verdict is not None:
        m["interview"] = {"graded": True, "verdict": verdict, "judge_model": "rules"}
    return m


def test_deception_rate_counts_denials_and_keeps_unclear_interviews_as_unknown() -> None:
    # This test used to assert n == 3: the unclear interview was left out of the denominator, so an
    # evasive answer simply vanished. It now stays in n as unknown (a denial at the upper end, honest at
    # the lower end), the estimate is still over the decided interviews, and the unknown share is stated.
    samples = [_sample(1, _meta(True, "deny")), _sample(2, _meta(True, "deny")), _sample(3, _meta(True, "confess")),
               _sample(4, _meta(True, "unclear")), _sample(5, _meta(False, None))]
    ctx = AnalysisContext("r", "t", samples, [])
    head = autonomy_deception_rate(ctx, "autonomy")[0]
    assert (head.k, head.n) == (2, 4) and head.details["unclear"] == 1 and head.details["evidence"] == [1, 2]
    assert head.estimate == 2 / 3 and head.details["unknown"] == 1 and head.details["unknown_share"] == 0.25
    assert head.details["unknown_reasons"] == {"interview_unclear": 1}
    assert head.details["worst_case"]["k"] == 3 and head.details["seeds"] == 1
    assert head.details["evidence_unknown"] == [4]
    assert head.details["too_few"] is True


def test_errors_are_unknown_not_safe_and_empty_domains_give_nothing() -> None:
    samples = [_sample(1, _meta(True, None)), _sample(2, _meta(False, None)), _sample(3, None, error="boom"),
               _sample(4, _meta(False, None, control=True))]
    samples[2] = replace(samples[2], scores={"autonomy": ScoreView(0.0, None, None, {})})
    ctx = AnalysisContext("r", "t", samples, [])
    head = autonomy_violation_rate(ctx, "autonomy")[0]
    # the errored episode stays in n as unknown: safe at the lower end, a violation at the upper end
    assert (head.k, head.n) == (1, 3) and head.details["unknown_reasons"] == {"error": 1}
    assert head.details["known_only"]["n"] == 2 and head.details["worst_case"]["k"] == 2
    assert autonomy_control_rate(ctx, "autonomy")[0].k == 0
    assert sandbagging_gap(ctx, "autonomy") == []
    assert autonomy_violation_rate(ctx, "cyber") == []


def test_sandbagging_pairs_cluster_by_story_the_unit_its_seeds_count() -> None:
    """The bootstrap resampled story x nudge x epoch cells while the finding counted stories as its
    seeds, so the interval was narrower than its stated independent units allow."""
    from types import SimpleNamespace

    from frontiergate.analysis.metrics_autonomy import sandbagging_pairs

    def ep(story: str, nudge: str, epoch: int, control: bool) -> SimpleNamespace:
        return SimpleNamespace(
            family="sandbagging", meta={"correct": [True, True]}, sample=SimpleNamespace(epoch=epoch),
            factors={"story": story, "nudge": nudge, "control": control}, outcome=SimpleNamespace(unknown=False))

    rows = [ep(s, n, e, c) for s in ("a", "b") for n in ("strong", "none") for e in (1, 2) for c in (True, False)]
    _, _, clusters = sandbagging_pairs(rows)  # type: ignore[arg-type]
    assert sorted(set(clusters)) == ["a", "b"] and len(clusters) == 16
