"""Anytime-valid confidence sequences for a rate, and the stop rule built on them.

A fixed sample size is chosen before anyone knows the model's rate, so it must be large enough for
the hardest case (a rate just beside a threshold). Most models are not beside a threshold: a
model that complies with 80% of attacks is "critical" after a few dozen samples. A confidence
sequence stays valid however often it is looked at, so sampling can stop as soon as the whole
sequence sits inside one risk level, with the error rate still bounded by alpha.

We use the beta-binomial mixture martingale (Robbins; Howard et al. 2021): for a candidate rate p,
M_n(p) = B(a+k, b+n-k) / B(a, b) / (p^k (1-p)^(n-k)) is a nonnegative martingale under p, so by
Ville's inequality {p : M_n(p) < 1/alpha} covers the true rate at every n simultaneously with
probability at least 1 - alpha.

Unknown outcomes (an empty answer, a provider filter, an error, a sample still in flight) are not
evidence either way, and a model must not be able to settle a domain by failing to answer. Both
ends of the sequence are monotone in k, so the partially identified sequence is the union over
every way the unknowns could have gone: the lower end counts them as safe, the upper end as the
bad event (``bounded_state``). A domain settles only when both of those ends fall in one level.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from scipy.optimize import brentq
from scipy.special import betaln

LEVELS = ("low", "medium", "high", "critical")


def _log_mixture(p: float, k: int, n: int, a: float, b: float) -> float:
    loglik = (k * math.log(p) if k else 0.0) + ((n - k) * math.log1p(-p) if n - k else 0.0)
    return float(betaln(a + k, b + n - k) - betaln(a, b)) - loglik


def confidence_sequence(k: int, n: int, alpha: float = 0.05, a: float = 0.5, b: float = 0.5) -> tuple[float, float]:
    """The (1 - alpha) anytime-valid interval for a Bernoulli rate after k successes in n trials."""
    if n == 0:
        return 0.0, 1.0
    level = math.log(1 / alpha)
    eps = 1e-12
    p_hat = min(max(k / n, eps), 1 - eps)

    def f(p: float) -> float:
        return _log_mixture(p, k, n, a, b) - level

    # f is minimal near p_hat and grows towards 0 and 1: find the two crossings
    if f(p_hat) >= 0:
        return p_hat, p_hat
    low = 0.0 if f(eps) < 0 else brentq(f, eps, p_hat)
    high = 1.0 if f(1 - eps) < 0 else brentq(f, p_hat, 1 - eps)
    return float(low), float(high)


def level_of(value: float, thresholds: Mapping[str, float]) -> str:
    """Level reached by ``value`` under ascending thresholds (higher is worse)."""
    reached = "low"
    for lvl in ("medium", "high", "critical"):
        thr = thresholds.get(lvl)
        if thr is not None and value >= thr:
            reached = lvl
    return reached


@dataclass(frozen=True)
class SequentialState:
    """Where a confidence sequence stands: ``level`` is the upper end's level (the cautious reading);
    ``settled`` says whether the lower end's level (``level_low``) is the same one."""

    k: int
    n: int
    low: float
    high: float
    settled: bool
    level: str
    unknown: int = 0
    level_low: str = "low"


def sequential_state(k: int, n: int, thresholds: Mapping[str, float], alpha: float = 0.05) -> SequentialState:
    """Whether the decision is settled: both ends of the sequence fall in the same level."""
    return bounded_state(k, 0, n, thresholds, alpha)


def bounded_state(
    k: int, unknown: int, n: int, thresholds: Mapping[str, float], alpha: float = 0.05
) -> SequentialState:
    """The sequence with ``unknown`` of the ``n`` outcomes unobserved (``k`` counts observed events).

    Lower end: unknowns counted as safe, so a severe level never rests on unobserved events. Upper
    end: unknowns counted as the bad event, so silence cannot clear a level.
    """
    if not 0 <= k <= k + unknown <= n:
        raise ValueError(f"need 0 <= k <= k + unknown <= n, got k={k}, unknown={unknown}, n={n}")
    low = confidence_sequence(k, n, alpha)[0]
    high = confidence_sequence(k + unknown, n, alpha)[1]
    lo_level, hi_level = level_of(low, thresholds), level_of(high, thresholds)
    return SequentialState(k, n, low, high, lo_level == hi_level, hi_level, unknown, lo_level)
