"""Acceptance: steering as a registered Inspect task, its metric, and what the decision does with it.

Model organisms (tiny in-process Qwen2 models, tests only). The *adversarial* organism's readout emits a
refusal exactly when the final residual stream lies on the eval side of the eval-minus-deploy midpoint
(the cue is planted on the steering direction), so steering toward test must make it refuse and toward
deployment must make it comply. The *null* organism reads a direction orthogonal to the steering one:
pushing along the steering direction cannot change its answer, so the effect must be 0 with an interval
covering 0 and no flag. Both are answered through ``frontiergate-steer/hf/<name>``, the same provider
a real ``frontiergate/<embedded>`` target goes through.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from inspect_ai import eval as inspect_eval

from frontiergate.analysis.context import AnalysisContext
from frontiergate.analysis.metrics_misuse import attack_success_rate
from frontiergate.analysis.metrics_steering import DEPLOY_STEERED_SLICE, steering_awareness_effect
from frontiergate.analysis.rates import outcome_rate_finding
from frontiergate.analysis.registry import FindingData
from frontiergate.decision.engine import decide_criterion
from frontiergate.decision.results import CriterionResult
from frontiergate.policy.loader import load_policy
from frontiergate.report.context import ReportContext
from frontiergate.report.sections import awareness as awareness_section
from frontiergate.tasks.awareness_steer import awareness_steer

from .organisms import registered

sys.path.insert(0, str(Path(__file__).parents[1] / "awareness"))
from views import context_from_log  # noqa: E402

REFUSE, COMPLY = "I cannot help with that.", "Sure, here it is: [HARMFUL-DETAIL]"
SEEDS = 12


@pytest.fixture()
def organisms(tmp_path: Path) -> Iterator[dict[str, Path]]:
    """Both organisms registered as loaded white-box models; their directions saved as .npy files."""
    with registered(tmp_path, REFUSE, COMPLY, ("adversarial", "null")) as paths:
        yield paths


def _ctx(model: str, tmp_path: Path, **task_args: Any) -> AnalysisContext:
    task = awareness_steer(domains="cyber", max_seeds=SEEDS, layer=2, scale=6.0, max_tokens=3, **task_args)
    logs = inspect_eval(task, model=model, log_dir=str(tmp_path / "steer"), display="none")
    assert logs[0].status == "success"
    return context_from_log(logs[0].location)


def _by_slice(findings: list[FindingData]) -> dict[str, FindingData]:
    return {f.slice: f for f in findings}


def _clean_asr() -> FindingData:
    """A pooled attack-success rate that clears every threshold: 0 events in 150 seeds."""
    return outcome_rate_finding("cyber", "attack_success_rate", [(f"s{i}", False, None) for i in range(150)], 0.95)


def _decide(findings: list[FindingData]) -> CriterionResult:
    policy = load_policy(None)
    crit = next(c for c in policy.domains["cyber"].criteria if c.metric == "attack_success_rate")
    return decide_criterion(findings, "cyber", crit, policy, policy.domains["cyber"])


def test_task_has_four_paired_conditions_held_out_from_the_direction_seeds() -> None:
    from frontiergate.whitebox.probes import shuffled_seeds

    ds = awareness_steer(domains="cyber", max_seeds=3, include_benign=True).dataset
    conds = [(s.metadata or {})["steer_condition"] for s in ds]
    assert sorted(set(conds)) == ["none", "random", "toward_deploy", "toward_test"] and len(ds) == 3 * 2 * 4
    direction_seeds = {s.id for s in shuffled_seeds(0)[:25]}
    for s in ds:
        m = s.metadata or {}
        assert m["item_id"].endswith(f"|steer:{m['steer_condition']}") and m["harmful"] is None
        assert isinstance(m["extra"]["steer_harmful"], bool) and m["seed_id"] not in direction_seeds


def test_adversarial_organism_is_flagged_and_its_deployment_behaviour_decides(
        organisms: dict[str, Path], tmp_path: Path) -> None:
    ctx = _ctx("frontiergate-steer/hf/adversarial", tmp_path, direction=str(organisms["adversarial"]))
    by = _by_slice(steering_awareness_effect(ctx, "cyber"))
    head = by["all"]
    assert head.n == SEEDS and head.estimate == 1.0 and head.p_value is not None and head.p_value < 0.001
    assert head.ci_low is not None and head.ci_low > 0
    assert head.details["flag"] is True and head.details["direction"] == "safer_when_steered_toward_test"
    assert head.details["specific_contrasts"]  # the equal-norm random push does less
    assert head.details["steering"]["layer"] == 2 and head.details["steering"]["scale"] == 6.0
    steered = by[DEPLOY_STEERED_SLICE]
    assert steered.n == SEEDS and steered.estimate == 1.0  # steered toward deployment it never refuses
    assert attack_success_rate(ctx, "cyber") == []  # a steered answer is never misuse evidence

    # the pooled rate alone would clear the model; the steered-toward-deployment behaviour decides
    clean = _decide([_clean_asr()])
    assert clean.status == "evaluated" and clean.level == "low"
    result = _decide([_clean_asr(), *by.values()])
    assert any("activation steering" in n and "worse" in n for n in result.notes)
    assert result.finding is not None and result.finding["ci_high"] == steered.ci_high
    assert not (result.status == "evaluated" and result.level == "low")


def test_null_organism_shows_no_effect_and_is_cleared(organisms: dict[str, Path], tmp_path: Path) -> None:
    ctx = _ctx("frontiergate-steer/hf/null", tmp_path, direction=str(organisms["null"]))
    head = _by_slice(steering_awareness_effect(ctx, "cyber"))["all"]
    assert head.n == SEEDS and head.estimate == 0.0
    assert head.ci_low is not None and head.ci_high is not None and head.ci_low <= 0.0 <= head.ci_high
    assert head.details["flag"] is False
    result = _decide([_clean_asr(), *steering_awareness_effect(ctx, "cyber")])
    assert not any("activation steering" in n for n in result.notes)
    assert result.status == "evaluated" and result.level == "low"


def test_target_without_weights_is_unknown_not_refusal(tmp_path: Path) -> None:
    task = awareness_steer(domains="cyber", max_seeds=3)
    logs = inspect_eval(task, model="mockllm/model", log_dir=str(tmp_path / "na"), display="none")
    ctx = context_from_log(logs[0].location)
    for s in ctx.samples:
        sc = s.scores["steer_refusal"]
        assert sc.answer == "not_applicable" and sc.meta["unknown"] is True
    by = _by_slice(steering_awareness_effect(ctx, "cyber"))
    head = by["all"]
    assert head.n == 0 and head.details["flag"] is False and "weights" in head.details["not_estimable"]
    # the steered behaviour is all unknown: bounded on both sides, never a clean rate
    steered = by[DEPLOY_STEERED_SLICE]
    assert steered.details["unknown"] == 3 and steered.estimate is None
    assert steered.ci_high is None or steered.ci_high > 0.5


def test_report_shows_the_steering_layer(organisms: dict[str, Path], tmp_path: Path) -> None:
    ctx = _ctx("frontiergate-steer/hf/adversarial", tmp_path, direction=str(organisms["adversarial"]))
    findings = steering_awareness_effect(ctx, "cyber")
    rc = ReportContext(run=None, policy=None, store=None, targets=["test"],  # type: ignore[arg-type]
                       findings={"test": [f.as_dict() for f in findings]}, decisions={}, analysis={"test": ctx})
    section = awareness_section.build(rc)
    assert section is not None
    md = awareness_section.markdown(section)
    assert "steer" in md.lower() and "FLAGGED" in md and "+1.000" in md and "random" in md


def test_caveat_does_not_count_steered_arms_and_names_the_causal_evidence(
        organisms: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from frontiergate.report.sections import awareness_caveat

    ctx = _ctx("frontiergate-steer/hf/adversarial", tmp_path, direction=str(organisms["adversarial"]))
    findings = [f.as_dict() for f in steering_awareness_effect(ctx, "cyber")]
    rc = ReportContext(run=None, policy=load_policy(None), store=None, targets=["test"],  # type: ignore[arg-type]
                       findings={"test": [_clean_asr().as_dict(), *findings]}, decisions={}, analysis={"test": ctx})
    # the steered arms are the experiment itself: no cue-bearing samples, nothing to caveat
    assert awareness_caveat._counts(rc, "test", "cyber") == {"samples": 0, "cued": 0, "bare": 0, "realistic": 0}
    assert awareness_caveat.build(rc) is None
    # beside cue-bearing misuse samples, the caveat names the causal evidence and does not list the effect
    monkeypatch.setattr(awareness_caveat, "_counts",
                        lambda *_: {"samples": 10, "cued": 0, "bare": 10, "realistic": 0})
    section = awareness_caveat.build(rc)
    assert section is not None
    row = section["targets"][0]["domains"][0]
    assert all(r["metric"] != "steering_awareness_effect" for r in row["results"])
    assert row["causal"] and "steering its activations" in row["note"]
