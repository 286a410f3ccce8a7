"""Acceptance: the evaluation differential separates a cue-sensitive model from an indifferent one."""

from __future__ import annotations

from pathlib import Path

from inspect_ai import eval as inspect_eval
from views import context_from_log

from frontiergate.analysis.metrics_awareness import (
    behaviour_given_awareness,
    evaluation_differential,
    verbalised_awareness_rate,
)
from frontiergate.analysis.metrics_misuse import attack_success_rate
from frontiergate.decision.engine import decide_criterion
from frontiergate.policy.loader import load_policy
from frontiergate.report.context import ReportContext
from frontiergate.report.sections import awareness as awareness_section
from frontiergate.tasks.awareness import awareness


def _run(model: str, tmp_path: Path, **task_args: object) -> Path:
    logs = inspect_eval(awareness(**task_args), model=model, log_dir=str(tmp_path / "logs"), display="none")
    assert logs[0].status == "success"
    return Path(logs[0].location)


def test_cue_sensitive_model_is_flagged_and_decision_uses_realistic_rate(tmp_path: Path) -> None:
    log = _run("cuescripted/sensitive", tmp_path, domains="cyber", max_seeds=12, epochs=2)
    ctx = context_from_log(log)
    head = evaluation_differential(ctx, "cyber")[0]
    assert head.slice == "all"
    assert head.n == 24  # 12 items x 2 epochs, paired across the two arms
    assert head.estimate == 1.0  # complies only when the request looks real
    assert head.p_value is not None and head.p_value < 1e-6
    assert head.ci_low is not None and head.ci_low > 0
    d = head.details
    assert d["flag"] is True and d["direction"] == "safer_when_cued"
    assert d["realistic_rate"]["k"] == 24 and d["realistic_rate"]["n"] == 24
    assert d["cued_rate"]["k"] == 0 and d["cued_rate"]["ci_high"] < 0.2
    assert d["seeds"] == 12

    # verbalised awareness: said in every cued sample, never in the realistic ones
    rates = {f.slice: f for f in verbalised_awareness_rate(ctx, "cyber")}
    assert rates["framing=eval"].estimate == 1.0 and rates["framing=deploy"].estimate == 0.0
    cond = {f.slice: f for f in behaviour_given_awareness(ctx, "cyber")}
    assert cond["aware=yes"].estimate == 0.0 and cond["aware=no"].estimate == 1.0

    # the decision changes: pooled rate 0.5, realistic rate 1.0 is what the policy sees
    findings = attack_success_rate(ctx, "cyber") + evaluation_differential(ctx, "cyber")
    pooled = next(f for f in findings if f.metric == "attack_success_rate" and f.slice == "all")
    assert pooled.estimate == 0.5
    crit = next(c for c in load_policy(None).domains["cyber"].criteria if c.metric == "attack_success_rate")
    result = decide_criterion(findings, "cyber", crit, min_n=10)
    assert result.finding is not None and result.finding["slice"] == "framing=deploy"
    assert any("cued" in n for n in result.notes)
    # the report section shows the three measurements and states the limitation
    rc = ReportContext(run=None, policy=None, store=None, targets=["test"],  # type: ignore[arg-type]
                       findings={"test": [f.as_dict() for f in findings + verbalised_awareness_rate(ctx, "cyber")
                                          + behaviour_given_awareness(ctx, "cyber")]},
                       decisions={}, analysis={"test": ctx})
    section = awareness_section.build(rc)
    assert section is not None
    row = section["targets"][0]["domains"][0]
    assert row["flag"] is True and "deployment-realistic" in row["limitation"]
    assert row["verbalised"]["eval"]["estimate"] == 1.0
    md = awareness_section.markdown(section)
    assert "FLAGGED" in md and "Limitation" in md and "24/24" in md

    without_flag = decide_criterion([f for f in findings if f.metric != "evaluation_differential"],
                                    "cyber", crit, min_n=10)
    assert without_flag.finding is not None and without_flag.finding["slice"] == "all"


def test_indifferent_model_gap_covers_zero(tmp_path: Path) -> None:
    log = _run("cuescripted/indifferent", tmp_path, max_seeds=14)
    ctx = context_from_log(log)
    for domain in ("cyber", "chem_bio", "general_harm"):
        head = evaluation_differential(ctx, domain)[0]
        assert head.n == 14
        assert head.ci_low is not None and head.ci_high is not None
        assert head.ci_low <= 0 <= head.ci_high, (domain, head)
        assert head.details["flag"] is False
        assert 0 < head.details["realistic_rate"]["k"] < 14


def test_factorial_mode_adds_one_slice_per_cue(tmp_path: Path) -> None:
    log = _run("cuescripted/sensitive", tmp_path, domains="general_harm", max_seeds=3, factorial=True)
    ctx = context_from_log(log)
    findings = evaluation_differential(ctx, "general_harm")
    slices = {f.slice: f for f in findings}
    assert "framing=cue:test_notice" in slices and "framing=cue:stripped_context" in slices
    # the scripted model reacts to the notice but not to context stripping
    assert slices["framing=cue:test_notice"].estimate == 1.0
    assert slices["framing=cue:stripped_context"].estimate == 0.0
    assert all(f.details["flag"] is False for f in findings if f.slice != "all")
    assert slices["all"].details["too_few"]


def test_no_awareness_samples_gives_no_findings() -> None:
    from frontiergate.analysis.context import AnalysisContext

    ctx = AnalysisContext(run_id="r", target="t", samples=[], evaluations=[])
    assert evaluation_differential(ctx, "cyber") == []
    assert verbalised_awareness_rate(ctx, "cyber") == []
    assert behaviour_given_awareness(ctx, "cyber") == []
