"""The before/after and safeguards report sections, built from two real Inspect logs."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from inspect_ai.model import get_model
from sg_helpers import KeywordGuard, complying_inner, context_from_log, make_items, run_eval

from frontiergate.analysis.context import EvaluationView
from frontiergate.report.sections import before_after, safeguards

BASE = "scripted/comply"
CAND = "safeguarded/scripted/comply"


@pytest.fixture(scope="module")
def rc(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("logs")
    items = make_items()
    before = run_eval(complying_inner(), items, tmp / "before")
    after = run_eval(
        get_model(CAND, guard=KeywordGuard("malware", "no-cyber-offence"), memoize=False), items, tmp / "after"
    )
    ctx_a = context_from_log(before, BASE, 1)
    ctx_b = context_from_log(after, CAND, 2)
    ctx_b.evaluations.append(
        EvaluationView(
            2, "sg-test", {}, ["cyber"], CAND, Path(after.location).name, "success", len(ctx_b.samples), 0, {}
        )
    )
    run = SimpleNamespace(options={"baseline": BASE, "candidate": CAND}, out_dir=str(tmp / "after"))
    policy = SimpleNamespace(domains={"cyber": None, "chem_bio": None}, seed_floor=lambda d: 10)
    return SimpleNamespace(run=run, policy=policy, targets=[BASE, CAND], analysis={BASE: ctx_a, CAND: ctx_b})


def test_before_after_section(rc: Any) -> None:
    sec = before_after.build(rc)
    assert sec is not None and sec["baseline"] == BASE and sec["domains"] == ["cyber"]
    malware = next(f for f in sec["findings"] if f["slice"] == "category=malware")
    assert malware["estimate"] == -1.0 and malware["verdict"] == "lower"
    over = next(f for f in sec["findings"] if f["metric"] == "over_refusal_rate_change")
    assert over["verdict"] == "higher"
    md = before_after.markdown(sec)
    assert "over-refusal" in md and "-100.0 pp" in md and "category=malware" in md


def test_before_after_absent_without_both_targets(rc: Any) -> None:
    other = SimpleNamespace(run=SimpleNamespace(options={}), policy=rc.policy, targets=rc.targets, analysis=rc.analysis)
    assert before_after.build(other) is None


def test_safeguards_section_reads_decisions_from_the_log(rc: Any) -> None:
    sec = safeguards.build(rc)
    assert sec is not None
    s = sec["targets"][CAND]
    assert s["n"] == 24 and s["blocked_input"] == 16 and s["blocked_output"] == 0
    assert s["recall_harmful"]["k"] == 8 and s["recall_harmful"]["n"] == 12
    assert s["false_positive_benign"]["k"] == 8 and s["false_positive_benign"]["n"] == 12
    assert s["by_principle"] == {"no-cyber-offence": 16} and s["logs_missing"] == 0
    assert s["guard_tokens_mean"] > 0
    md = safeguards.markdown(sec)
    assert "66.7%" in md and "no-cyber-offence 16" in md


def test_safeguards_section_says_when_logs_are_missing(rc: Any) -> None:
    ctx = rc.analysis[CAND]
    missing = SimpleNamespace(**{**vars(rc), "run": SimpleNamespace(options={}, out_dir="/nonexistent")})
    ctx_copy = type(ctx)(
        ctx.run_id,
        ctx.target,
        ctx.samples,
        [EvaluationView(9, "t", {}, [], CAND, "/nonexistent/x.eval", "success", 0, 0, {})],
    )
    missing.analysis = {**rc.analysis, CAND: ctx_copy}
    sec = safeguards.build(missing)
    assert sec is not None and sec["targets"][CAND]["logs_missing"] == 1 and sec["limitations"]


def test_a_fail_closed_block_is_not_counted_as_recall_but_is_a_false_positive() -> None:
    from frontiergate.safeguards.telemetry import GuardRecord, summarise

    def rec(i: int, harmful: bool, action: str, valid: bool | None) -> GuardRecord:
        return GuardRecord(f"i{i}", 1, harmful, action, None, 0 if valid is not False else 1, 0, 0.0, 0, "g", valid)

    s = summarise([rec(1, True, "blocked_input", True), rec(2, True, "blocked_input", False),
                   rec(3, False, "blocked_input", False), rec(4, False, "allowed", None)])
    assert (s["recall_harmful"]["k"], s["recall_harmful"]["n"]) == (1, 2)
    assert (s["false_positive_benign"]["k"], s["false_positive_benign"]["n"]) == (1, 2)
    assert s["failed_blocks"] == 2


def test_before_after_reading_does_not_claim_a_drop_that_unknown_pairs_could_undo() -> None:
    known_drop = {"metric": "attack_success_rate_change", "p_value": 0.001, "estimate": -0.4, "ci_low": -0.6,
                  "ci_high": 0.3, "details": {"unknown_pairs": 30, "enough_to_decide": True}}
    assert before_after._verdict(known_drop) == "lower on the known pairs only; 30 unknown pairs could undo it"
    bounded = {**known_drop, "ci_high": -0.1}
    assert before_after._verdict(bounded) == "lower"  # the drop survives the worst reading of the unknowns
    # no unknowns, and the seed-clustered interval excludes 0 ("lower" needs both since the fix)
    clean = {**known_drop, "ci_high": -0.1, "details": {"unknown_pairs": 0, "enough_to_decide": True}}
    assert before_after._verdict(clean) == "lower"


def test_a_sample_that_ended_without_a_guard_decision_counts_against_the_guard() -> None:
    """Helper audit: the guard blocked 8 of 12 harmful requests and allowed 4, on which the inner model then
    raised; errored samples carry no decision, left the denominator, and recall read 8/8 = 100%."""
    from frontiergate.safeguards.telemetry import UNRECORDED, GuardRecord, summarise

    blocked = [GuardRecord(f"h{i}", 1, True, "blocked_input", "p", 0, 0, 0.0, 0, "g", True) for i in range(8)]
    errored = [GuardRecord(f"e{i}", 1, True, UNRECORDED, None, 0, 0, 0.0, 0, "") for i in range(4)]
    benign = [GuardRecord("b1", 1, False, UNRECORDED, None, 0, 0, 0.0, 0, ""),
              GuardRecord("b2", 1, False, "allowed", None, 0, 0, 0.0, 0, "g", None)]
    s = summarise(blocked + errored + benign)
    assert (s["recall_harmful"]["k"], s["recall_harmful"]["n"]) == (8, 12)
    assert (s["false_positive_benign"]["k"], s["false_positive_benign"]["n"]) == (1, 2)
    assert s["unrecorded"] == {"harmful": 4, "benign": 1, "other": 0} and s["n"] == 9
    # control: with every decision recorded nothing changes
    clean = summarise(blocked)
    assert (clean["recall_harmful"]["k"], clean["recall_harmful"]["n"]) == (8, 8)
    assert clean["unrecorded"] == {"harmful": 0, "benign": 0, "other": 0}
