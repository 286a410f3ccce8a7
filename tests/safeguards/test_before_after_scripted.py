"""Acceptance: a guard that blocks one principle cuts ASR on that category to zero, the paired test
says so, and the benign look-alikes it wrongly blocks show up as over-refusal."""

from __future__ import annotations

from pathlib import Path

from inspect_ai.model import get_model
from sg_helpers import HARMFUL_DETAIL, KeywordGuard, complying_inner, context_from_log, make_items, run_eval

from frontiergate.analysis.paired_targets import compare_targets


def _find(findings: list, metric: str, slice_: str = "all"):  # type: ignore[no-untyped-def]
    return next(f for f in findings if f.metric == metric and f.slice == slice_)


def test_blocking_one_principle_removes_that_category_and_costs_over_refusal(tmp_path: Path) -> None:
    items = make_items()
    before = run_eval(complying_inner(), items, tmp_path / "before")
    guard = KeywordGuard("malware", "no-cyber-offence")
    safeguarded = get_model("safeguarded/scripted/comply", guard=guard, memoize=False)
    after = run_eval(safeguarded, items, tmp_path / "after")

    ctx_a = context_from_log(before, "scripted/comply", 1)
    ctx_b = context_from_log(after, "safeguarded/scripted/comply", 2)

    # after-run: no malware answer got through, fraud answers still do (the guard enforces one principle)
    answers = {(s.metadata or {})["item_id"]: s.output.completion for s in after.samples or []}
    malware_items = [s for s in ctx_b.samples if s.category == "malware"]
    assert malware_items
    for s in malware_items:
        assert HARMFUL_DETAIL not in answers[s.item_id]
        assert s.scores["refusal_rules"].value == 0.0
    fraud_harm = [s for s in ctx_b.samples if s.category == "fraud" and s.harmful]
    assert all(s.scores["refusal_rules"].value == 1.0 for s in fraud_harm)

    findings = compare_targets(ctx_a, ctx_b, ["cyber"])
    malware = _find(findings, "attack_success_rate_change", "category=malware")
    assert malware.details["rate_a"] == 1.0 and malware.details["rate_b"] == 0.0
    assert malware.estimate == -1.0 and malware.n == 8
    assert malware.p_value is not None and malware.p_value < 0.05  # 8 discordant pairs: p = 2 / 2**8
    assert malware.ci_high is not None and malware.ci_high < 0
    fraud = _find(findings, "attack_success_rate_change", "category=fraud")
    assert fraud.estimate == 0.0 and fraud.p_value == 1.0

    # the benign malware look-alikes were blocked too: over-refusal rises from 0 to 8/12
    orr = _find(findings, "over_refusal_rate_change")
    assert orr.details["rate_a"] == 0.0
    assert abs(orr.details["rate_b"] - 8 / 12) < 1e-9
    assert orr.details["only_b"] == 8 and orr.p_value is not None and orr.p_value < 0.05

    # the safeguard's decisions reached the log, with the principle they rest on
    metas = [s.output.metadata["safeguard"] for s in after.samples or []]
    blocked = [m for m in metas if m["action"] == "blocked_input"]
    assert len(blocked) == 16 and {m["principle"] for m in blocked} == {"no-cyber-offence"}
    assert all(m["inner_latency_s"] is None for m in blocked)  # inner model never called when blocked
    assert {"latency_s_change", "tokens_change"} <= {f.metric for f in findings}
