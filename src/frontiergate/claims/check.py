"""Check claims against stored findings.

The verdict is decided by the measurement's confidence interval [low, high]:

- ``at_least v``: verified if low >= v, refuted if high < v, otherwise inconclusive;
- ``at_most v``: verified if high <= v, refuted if low > v, otherwise inconclusive;
- no finding, or no interval: not_measured.

So a point estimate on the right side of the claim is not enough: a claim is only verified when
the evidence would still support it at the unfavourable end of its interval.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from frontiergate.claims.schema import DERIVED_METRICS, Claim, ClaimsFile

VERDICTS = ("verified", "refuted", "inconclusive", "not_measured")


@dataclass
class ClaimVerdict:
    claim_id: str
    statement: str
    claimed: str
    target: str | None
    verdict: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    test: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def verdict_for(op: str, value: float, low: float | None, high: float | None) -> str:
    """Verdict from the interval that decides it (see the module docstring)."""
    if low is None or high is None:
        return "not_measured"
    if op == "at_least":
        return "verified" if low >= value else "refuted" if high < value else "inconclusive"
    return "verified" if high <= value else "refuted" if low > value else "inconclusive"


def _reason(verdict: str, op: str, value: float, low: float | None, high: float | None, test: str | None) -> str:
    if verdict == "not_measured":
        return "no measurement for this metric, domain and slice in the run"
    iv = f"{test or 'interval'} [{low:.3f}, {high:.3f}]"
    side = "above" if op == "at_least" else "below"
    if verdict == "verified":
        return f"{iv} lies entirely {side} the claimed {value:g}"
    if verdict == "refuted":
        return f"{iv} lies entirely on the wrong side of the claimed {value:g}"
    return f"{iv} contains the claimed {value:g}: the evidence cannot decide (more samples needed)"


def _find(findings: Sequence[Mapping[str, Any]], claim: Claim) -> tuple[Mapping[str, Any] | None, bool]:
    metric, complement = DERIVED_METRICS.get(claim.metric, (claim.metric, False))
    for f in findings:
        if f.get("metric") == metric and f.get("domain") == claim.domain and f.get("slice", "all") == claim.slice:
            return f, complement
    return None, complement


def check_one(claim: Claim, target: str | None, findings: Sequence[Mapping[str, Any]]) -> ClaimVerdict:
    f, complement = _find(findings, claim)
    est = low = high = None
    n = 0
    test = None
    if f is not None:
        est, low, high = f.get("estimate"), f.get("ci_low"), f.get("ci_high")
        n, test = int(f.get("n") or 0), f.get("test")
        if complement:
            est = None if est is None else 1 - est
            low, high = (None if high is None else 1 - high), (None if low is None else 1 - low)
        if n == 0:
            low = high = None
    v = verdict_for(claim.op, claim.value, low, high)
    return ClaimVerdict(
        claim.id,
        claim.statement,
        claim.claimed,
        target,
        v,
        est,
        low,
        high,
        n,
        test,
        _reason(v, claim.op, claim.value, low, high, test),
    )


def check_claims(claims: ClaimsFile, findings: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[ClaimVerdict]:
    """One verdict per claim and target (``findings``: target -> finding dicts of one run)."""
    out: list[ClaimVerdict] = []
    for claim in claims.claims:
        targets: list[str | None] = [claim.target] if claim.target else [*sorted(findings)] or [None]
        for t in targets:
            out.append(check_one(claim, t, findings.get(t, []) if t is not None else []))
    return out


def counts(verdicts: Sequence[ClaimVerdict]) -> dict[str, int]:
    return {v: sum(1 for x in verdicts if x.verdict == v) for v in VERDICTS}
