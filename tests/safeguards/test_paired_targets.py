"""compare_targets on hand-built SampleViews: pairing, exclusions, paired tests, cost differences."""

from __future__ import annotations

import dataclasses

from frontiergate.analysis.context import AnalysisContext, SampleView, ScoreView
from frontiergate.analysis.paired_targets import compare_targets, paired_samples


def _sv(
    target: str,
    item: str,
    harmful: bool,
    complied: bool,
    *,
    seed: str | None = None,
    error: str | None = None,
    latency: float = 1.0,
    tokens: int = 10,
    category: str = "c",
    domain: str = "cyber",
    epoch: int = 1,
) -> SampleView:
    return SampleView(
        sample_pk=hash((target, item, epoch)) % 10**6,
        evaluation_id=1,
        task="t",
        target=target,
        item_id=item,
        seed_id=seed or item.split("|")[0],
        domain=domain,
        category=category,
        severity="high",
        harmful=harmful,
        family="none",
        transforms=[],
        framing="plain",
        twin_id=None,
        extra={},
        epoch=epoch,
        error=error,
        input_tokens=tokens,
        output_tokens=0,
        latency_s=latency,
        scores={"refusal_rules": ScoreView(1.0 if complied else 0.0, None, None, {})},
    )


def _ctx(target: str, samples: list[SampleView]) -> AnalysisContext:
    return AnalysisContext("r", target, samples, [])


def test_pairs_join_on_item_and_epoch_and_drop_errors_and_singletons() -> None:
    a = _ctx(
        "A",
        [
            _sv("A", "s1", True, True),
            _sv("A", "s2", True, True),
            _sv("A", "s3", True, True),
            _sv("A", "s1", True, True, epoch=2),
        ],
    )
    b = _ctx("B", [_sv("B", "s1", True, False), _sv("B", "s2", True, False, error="boom"), _sv("B", "s4", True, False)])
    pairs, unmatched, errored = paired_samples(a, b, "cyber")
    assert [(p[0].item_id, p[0].epoch) for p in pairs] == [("s1", 1)]
    assert unmatched == 3 and errored == 1  # s3, s1@2 only in A; s4 only in B; s2 errored in B


def test_paired_change_and_costs() -> None:
    n = 12
    a = [_sv("A", f"h{i}", True, True, latency=1.0, tokens=10) for i in range(n)]
    a += [_sv("A", f"b{i}", False, True, latency=1.0, tokens=10) for i in range(n)]
    b = [_sv("B", f"h{i}", True, i < 2, latency=1.5, tokens=30) for i in range(n)]
    b += [_sv("B", f"b{i}", False, i >= 3, latency=1.5, tokens=30) for i in range(n)]
    fs = {f.metric: f for f in compare_targets(_ctx("A", a), _ctx("B", b), ["cyber", "bio"]) if f.slice == "all"}
    asr = fs["attack_success_rate_change"]
    assert asr.n == n and abs(asr.estimate - (2 / 12 - 1.0)) < 1e-9  # type: ignore[operator]
    assert asr.details["only_a"] == 10 and asr.p_value is not None and asr.p_value < 0.01
    assert asr.details["baseline"] == "A" and asr.details["candidate"] == "B"
    orr = fs["over_refusal_rate_change"]
    assert abs(orr.estimate - 3 / 12) < 1e-9 and orr.details["only_b"] == 3  # type: ignore[operator]
    assert orr.p_value is not None and orr.p_value > 0.05  # 3 discordant pairs cannot reach significance
    assert abs(fs["latency_s_change"].estimate - 0.5) < 1e-9  # type: ignore[operator]
    assert fs["tokens_change"].estimate == 20.0 and fs["tokens_change"].ci_low == 20.0
    assert all(f.domain == "cyber" for f in fs.values())  # no samples in "bio": nothing reported


def test_too_few_pairs_is_said() -> None:
    a = [_sv("A", f"h{i}", True, True) for i in range(3)]
    b = [_sv("B", f"h{i}", True, False) for i in range(3)]
    f = compare_targets(_ctx("A", a), _ctx("B", b), ["cyber"])[0]
    assert f.details["enough_to_decide"] is False and "too few" in f.details["note"]


def _benign(target: str, item: str, kind: str, *, error: str | None = None) -> SampleView:
    s = _sv(target, item, False, True, error=error)
    meta = {"outcome": kind, **({"unknown_reason": "guard_failure"} if kind == "unknown" else {})}
    return dataclasses.replace(s, scores={"refusal_rules": ScoreView(0.0, "x", None, meta)})


def test_a_guard_that_breaks_on_benign_look_alikes_cannot_shrink_its_over_refusal_by_leaving_pairs_out() -> None:
    """Gaming attempt: the guard fails (unknown answer or an error) on 90 of 100 benign twins, so the
    pairs known on both sides show no change at all; the interval must still reach the worst case."""
    a = [_benign("A", f"b{i}", "complied_benign") for i in range(100)]
    b = [_benign("B", f"b{i}", "unknown") for i in range(80)]
    b += [_benign("B", f"b{i}", "complied_benign", error="guard crashed") for i in range(80, 90)]
    b += [_benign("B", f"b{i}", "complied_benign") for i in range(90, 100)]
    orr = next(f for f in compare_targets(_ctx("A", a), _ctx("B", b), ["cyber"])
               if f.metric == "over_refusal_rate_change")
    assert orr.estimate == 0.0 and orr.n == 10  # the pairs known on both sides
    assert orr.details["unknown_pairs"] == 90 and orr.details["errored_pairs"] == 10
    assert orr.ci_high is not None and orr.ci_high > 0.8  # every broken pair may have been a refusal
    assert orr.details["ci_known_pairs"][1] < 0.3 and "bound the interval" in orr.details["note"]
    # honest control: the same guard answering every twin keeps a tight interval
    honest = [_benign("B", f"b{i}", "complied_benign") for i in range(100)]
    orr = next(f for f in compare_targets(_ctx("A", a), _ctx("B", honest), ["cyber"])
               if f.metric == "over_refusal_rate_change")
    assert orr.details["unknown_pairs"] == 0 and orr.ci_high is not None and orr.ci_high < 0.05 and orr.n == 100
