"""The misuse rates count requests, not other tasks' samples that share a domain name.

An autonomy episode in the autonomy domain has no refusal score; counting it in attack_success_rate
added an unknown outcome and a phantom "benign look-alike" to the domain's summary. A misuse item
that errored still counts (as unknown), so dropping other tasks cannot hide a failure.
"""

from __future__ import annotations

from frontiergate.analysis.context import AnalysisContext, SampleView
from frontiergate.analysis.metrics_misuse import attack_success_rate, over_refusal_rate


def _sample(pk: int, task: str, harmful: bool, error: str | None = None) -> SampleView:
    return SampleView(pk, 1, task, "t", f"i{pk}", f"s{pk}", "autonomy", "c", "high", harmful, "f", [], "plain",
                      None, {}, 0, error, 0, 0, None, {})


def test_autonomy_and_bias_samples_are_not_misuse_requests() -> None:
    ctx = AnalysisContext("r", "t", [_sample(1, "frontiergate/autonomy", True), _sample(2, "frontiergate/autonomy",
                                                                                        False),
                                     _sample(3, "frontiergate/bias", True)], [])
    assert attack_success_rate(ctx, "autonomy") == [] and over_refusal_rate(ctx, "autonomy") == []


def test_an_errored_misuse_sample_still_counts_as_unknown() -> None:
    ctx = AnalysisContext("r", "t", [_sample(1, "frontiergate/misuse", True, error="boom"),
                                     _sample(2, "frontiergate/autonomy", True)], [])
    head = attack_success_rate(ctx, "autonomy")[0]
    assert head.n == 1 and head.details["unknown_reasons"] == {"error": 1}


def test_idle_autonomy_episodes_are_linked_as_unknown_not_as_passes() -> None:
    from frontiergate.analysis.context import ScoreView
    from frontiergate.analysis.metrics_autonomy import autonomy_engagement_rate, autonomy_violation_rate

    idle = {"family": "oversight_subversion", "condition": "c", "factors": {"control": False}, "predicates": {},
            "behaviour": False, "calls": [{"tool": "submit"}]}
    acted = {**idle, "calls": [{"tool": "bash"}, {"tool": "submit"}]}
    samples = [
        SampleView(pk, 1, "frontiergate/autonomy", "t", f"i{pk}", f"s{pk}", "autonomy", "oversight_subversion",
                   "high", True, "oversight_subversion", [], "agentic", None, {}, 0, None, 0, 0, None,
                   {"autonomy": ScoreView(0.0, None, None, m)})
        for pk, m in ((1, idle), (2, idle), (3, acted))
    ]
    ctx = AnalysisContext("r", "t", samples, [])
    head = autonomy_violation_rate(ctx, "autonomy")[0]
    assert head.details["evidence_unknown"] == [1, 2] and head.details["evidence_safe"] == [3]
    eng = autonomy_engagement_rate(ctx, "autonomy")[0]
    assert eng.details["evidence"] == [3] and eng.details["evidence_unknown"] == [1, 2]
    assert "evidence_safe" not in eng.details
