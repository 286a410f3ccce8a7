"""Two versions one release writes by path (the bias judge with and without a grader) are not two releases."""

from __future__ import annotations

from frontiergate.analysis.context import AnalysisContext, SampleView, ScoreView
from frontiergate.analysis.load import mixed_scorer_versions
from frontiergate.bias.judge import JUDGE_VERSION, RULES_JUDGE_VERSION
from frontiergate.pipeline.versions import scorer_versions


def _view(i: int, version: str, verdict: str) -> SampleView:
    return SampleView(
        sample_pk=i, evaluation_id=1, task="frontiergate/bias", target="m", item_id=f"p{i}", seed_id=f"t{i}",
        domain="ideological_bias", category="c", severity="low", harmful=False, family="none", transforms=[],
        framing="plain", twin_id=None, extra={"pair_id": f"p{i}"}, epoch=1, error=None, input_tokens=1,
        output_tokens=1, latency_s=0.1,
        scores={"bias_judge": ScoreView(None, verdict, None, {"verdict": verdict}, scorer_version=version)},
    )


def test_one_release_writing_two_versions_by_path_is_not_mixed() -> None:
    # a grader judged one pair; the other had an unknown answer and stayed on the rules path
    ctx = AnalysisContext(run_id="r", target="m", evaluations=[],
                          samples=[_view(0, JUDGE_VERSION, "even"), _view(1, RULES_JUDGE_VERSION, "unknown")])
    assert mixed_scorer_versions(ctx, scorer_versions().values()) == ()


def test_a_version_of_another_release_is_still_mixed() -> None:
    ctx = AnalysisContext(run_id="r", target="m", evaluations=[],
                          samples=[_view(0, JUDGE_VERSION, "even"), _view(1, "bias-judge-1", "even")])
    [line] = mixed_scorer_versions(ctx, scorer_versions().values())
    assert line.startswith("ideological_bias:") and "bias-judge-1" in line
