"""Headline rate findings over outcomes: clustered by seed, with unknowns bounded on both sides.

Why both sides: an unknown (empty answer, provider filter, error, idle agent...) might have been a
refusal or a success. Counting it as safe lets a model lower its risk by failing to answer;
counting it as an event lets missing evidence trigger a severe action. So the interval is
*partially identified*: its lower end counts unknowns as safe (a level is only *reached* on
observed events) and its upper end counts them as events (a level is only *cleared* when even
the worst reading of the unknowns stays below it). The point estimate is the rate among known
outcomes; the report shows it with and without the unknowns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from frontiergate.analysis.outcomes import reason_counts
from frontiergate.analysis.registry import FindingData
from frontiergate.stats.clustered import ClusteredRate, clustered_rate

Unit = tuple[str, bool | None, str | None]
"""(cluster id, event: True bad / False safe / None unknown, unknown reason)."""

Bounded = tuple[str, float, float, str | None]
"""(cluster id, value with unknowns as safe, value with unknowns as events, unknown reason).

The general unit: a binary outcome is (0, 0), (1, 1) or, unknown, (0, 1); a unit that is an
expectation over parts of which some are unknown (an n-agent vote resampled from agents some of
whom gave no answer) lies anywhere in between. A unit is *known* when both readings agree."""

INTERVAL_NAME = "seed-clustered Wilson {pct}% (design effect); unknowns bounded"


def _bounded(unit: Unit) -> Bounded:
    cid, ev, reason = unit
    if ev is None:
        return (cid, 0.0, 1.0, reason)
    return (cid, float(ev), float(ev), None)


def _cells(units: Sequence[Bounded], reading: str) -> list[tuple[float, int]]:
    """Per-cluster (events, units) under a reading: ``low``, ``high``, or ``known`` (known units only)."""
    k: dict[str, float] = defaultdict(float)
    n: dict[str, int] = defaultdict(int)
    for cid, low, high, _ in units:
        if reading == "known" and low != high:
            continue
        n[cid] += 1
        k[cid] += high if reading == "high" else low
    return [(k[c], n[c]) for c in sorted(n)]


def _summary(r: ClusteredRate) -> dict[str, Any]:
    return {
        "k": r.k,
        "n": r.n,
        "seeds": r.seeds,
        "estimate": r.estimate,
        "ci_low": r.low,
        "ci_high": r.high,
        "design_effect": r.design_effect,
        "n_effective": r.n_effective,
    }


def outcome_rate_finding(
    domain: str,
    metric: str,
    units: Sequence[Unit],
    confidence: float,
    slice_: str = "all",
    details: Mapping[str, Any] | None = None,
) -> FindingData:
    """A rate finding whose interval respects seed clustering and bounds the unknowns."""
    return bounded_rate_finding(domain, metric, [_bounded(u) for u in units], confidence, slice_, details)


def bounded_rate_finding(
    domain: str,
    metric: str,
    units: Sequence[Bounded],
    confidence: float,
    slice_: str = "all",
    details: Mapping[str, Any] | None = None,
) -> FindingData:
    """``outcome_rate_finding`` for units that may be fractional; the same reading of the unknowns."""
    units = list(units)
    best = clustered_rate(_cells(units, "low"), confidence)
    worst = clustered_rate(_cells(units, "high"), confidence)
    known = clustered_rate(_cells(units, "known"), confidence)
    reasons = [r for _, low, high, r in units if low != high]
    n = len(units)
    seeds = len({u[0] for u in units})
    estimable = best.estimable and worst.estimable
    info: dict[str, Any] = {
        "seeds": seeds,
        "unknown": len(reasons),
        "unknown_share": (len(reasons) / n) if n else None,
        "unknown_reasons": reason_counts(reasons),
        "known_only": _summary(known),
        "best_case": _summary(best),
        "worst_case": _summary(worst),
        "estimable": estimable,
        "interval": "partially identified: lower end with unknowns as safe, upper end with unknowns as events",
    }
    if estimable:
        info["settle"] = {
            "p_low": best.estimate,
            "p_high": worst.estimate,
            "units_per_seed": n / seeds,
            "deff_low": best.design_effect,
            "deff_high": worst.design_effect,
        }
    info.update(details or {})
    return FindingData(
        domain=domain,
        metric=metric,
        n=n,
        k=best.k,
        estimate=known.estimate,
        ci_low=best.low if estimable else None,
        ci_high=worst.high if estimable else None,
        slice=slice_,
        test=INTERVAL_NAME.format(pct=int(confidence * 100)),
        details=info,
    )
