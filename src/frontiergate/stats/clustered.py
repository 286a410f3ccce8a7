"""Intervals for a rate whose samples cluster by seed scenario.

Why: one cyber seed expands into dozens of variants, framings and epochs. A model that complies
with one seed tends to comply with its variants too, so 1,100 variants of 60 seeds carry far less
information than 1,100 independent requests, and a Wilson interval over the variants is too narrow.
The seed is the independent unit.

Method: Kish's design effect ``deff = 1 + (m - 1) * icc`` with ``m`` the size-weighted mean cluster
size (Kish's form for unequal clusters), ``n_eff = n / deff``, and a Wilson interval on the effective
count whose critical value is Student's t with (seeds - 1) degrees of freedom where the design effect
is estimated. The ``icc`` in the design effect is not the point estimate but its **upper one-sided 95%
confidence limit**, by profile likelihood under a beta-binomial model of the seeds (the likelihood
ratio against the best fit stays within the chi-square(1) 90% point, 2.706). The point estimate
(ANOVA, Donner & Klar) is biased low with a dozen seeds, and with few events it cannot tell
independent samples from a few all-or-nothing seeds: one event in 240 samples of 12 seeds estimates
an ICC of 0 and gave an upper end of 0.027, below the 0.24 that zero events give. The upper limit
stays high while the data cannot rule strong clustering out, and falls as seeds accumulate.
When the correlation cannot be estimated at all (a single seed, or no variation, e.g. zero events)
every seed counts once (``deff = n / seeds``). The design effect never exceeds ``m`` (every seed
one unit, weighted by its size), which for unequal seeds is below "every seed counts once": one
seed of 200 samples among 19 of 5 dominates the estimate, and the interval says so.

Coverage (``scripts/interval_coverage.py``: beta-binomial seeds, true rate 0.10, 2,000 draws; share
of upper ends below the truth, 2.5% allowed; ICC 0 / 0.1 / 0.3 / 0.6): 12 seeds x 20 units
0.1 / 0.1 / 1.1 / 0.9% (point estimate: 0.4 / 3.4 / 7.9 / 10.6%), 6 x 30 0.0% throughout (up to 11.8%),
30 x 40 0.3 / 1.1 / 1.3 / 1.4% (up to 4.4%), 60 x 20 0.8 / 0.9 / 1.6 / 1.6%. Lower ends above the
truth stay at or below 2.6%, except one seed of 200 among 19 of 5 at ICC 0.6: 6.1% (about 12%
before). The price is width where nothing clusters (ICC 0): +36% at 12 x 20, +22% at 30 x 40,
+14% at 60 x 20.

A cluster bootstrap was the alternative; with zero or very few events (the common, important case
for a safe model) it collapses to [0, 0], which is exactly the false certainty this module exists
to avoid.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.special import betaln, xlogy
from scipy.stats import chi2
from scipy.stats import t as student_t
from statsmodels.stats.proportion import proportion_confint

MAX_SEEDS_SEARCHED = 1_000_000


@dataclass(frozen=True)
class ClusteredRate:
    """A proportion over clustered units: events k of n units in ``seeds`` clusters."""

    k: int
    n: int
    seeds: int
    estimate: float | None
    low: float | None
    high: float | None
    design_effect: float | None
    n_effective: float | None
    icc: float | None
    confidence: float = 0.95
    icc_upper: float | None = None
    """The ICC the design effect used: the upper confidence limit of ``icc`` (None: every seed once)."""

    @property
    def estimable(self) -> bool:
        return self.n > 0 and self.low is not None and self.high is not None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _icc(cells: Sequence[tuple[float, int]]) -> float | None:
    """ANOVA estimator of the intra-cluster correlation of a binary outcome; None if undefined."""
    c = len(cells)
    n = sum(m for _, m in cells)
    if c < 2 or n <= c:
        return None
    p = sum(k for k, _ in cells) / n
    msb = sum(m * (k / m - p) ** 2 for k, m in cells if m) / (c - 1)
    msw = sum(k * (1 - k / m) for k, m in cells if m) / (n - c)
    n0 = (n - sum(m * m for _, m in cells) / n) / (c - 1)
    denom = msb + (n0 - 1) * msw
    if denom <= 0:
        return None
    return min(1.0, max(0.0, (msb - msw) / denom))


def _size_weighted_mean(cells: Sequence[tuple[float, int]]) -> float:
    """Kish's cluster size for unequal clusters, sum(m^2) / sum(m): a unit sits, on average, in a
    cluster this big. The ANOVA n0 is smaller when sizes differ (one seed of 200 units among 19 of
    5 gives n0 = 8 but 137 here), and a design effect on n0 then under-states the clustering."""
    n = sum(m for _, m in cells)
    return sum(m * m for _, m in cells) / n if n else 0.0


ICC_LIMIT_LEVEL = 0.95
"""One-sided level of the ICC's upper limit: the design effect is that large with 95% confidence."""
_LR_CRITICAL = float(chi2.ppf(2 * ICC_LIMIT_LEVEL - 1, 1))
_RHO_GRID = np.concatenate([[0.0], np.geomspace(1e-3, 0.995, 48)])


def _profile_loglik(k: np.ndarray, m: np.ndarray, w: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """Beta-binomial log-likelihood maximised over the mean, for each ``rho`` in (0, 1) (constants dropped).

    The mean is found on nested logit grids at once for every ``rho``: coarse, then twice finer around
    each row's best point; enough for a likelihood-ratio limit read against 2.706.
    """
    s = ((1 - rho) / rho)[:, None]

    def ll(logit: np.ndarray) -> np.ndarray:
        mu = 1 / (1 + np.exp(-logit))
        a, b = (mu * s)[..., None], ((1 - mu) * s)[..., None]
        return np.asarray((w * (betaln(k + a, m - k + b) - betaln(a, b))).sum(-1))

    grid = np.broadcast_to(np.linspace(-16.0, 16.0, 65), (len(rho), 65))
    best = ll(grid)
    for half in (0.5, 0.025):
        centre = np.take_along_axis(grid, best.argmax(1)[:, None], 1)
        grid = centre + np.linspace(-half, half, 41)[None, :]
        best = np.maximum(best.max(1, keepdims=True), ll(grid))
    return np.asarray(best.max(1))


@functools.lru_cache(maxsize=8192)
def _icc_upper_counts(counts: tuple[tuple[int, int, int], ...]) -> float:
    k = np.array([c[0] for c in counts], float)
    m = np.array([c[1] for c in counts], float)
    w = np.array([c[2] for c in counts], float)
    p = float((w * k).sum() / (w * m).sum())
    at_zero = float((w * (xlogy(k, p) + xlogy(m - k, 1 - p))).sum())
    inner = _profile_loglik(k, m, w, _RHO_GRID[1:])
    top = max(at_zero, float(inner.max()))
    ok = np.concatenate([[True], 2 * (top - inner) <= _LR_CRITICAL])
    last = int(np.flatnonzero(ok).max())
    if last == len(_RHO_GRID) - 1:
        return 1.0
    lo, hi = float(_RHO_GRID[last]), float(_RHO_GRID[last + 1])
    for _ in range(8):  # bisection between the last grid point inside the limit and the first outside
        mid = (lo + hi) / 2
        inside = 2 * (top - float(_profile_loglik(k, m, w, np.array([mid]))[0])) <= _LR_CRITICAL
        lo, hi = (mid, hi) if inside else (lo, mid)
    return hi


def _icc_upper(cells: Sequence[tuple[float, int]]) -> float:
    """Upper one-sided ``ICC_LIMIT_LEVEL`` profile-likelihood limit of the ICC (beta-binomial seeds).

    Fractional events (units that are expectations) are rounded to whole events for this limit only.
    """
    counts = Counter((min(int(m), max(0, int(math.floor(k + 0.5)))), int(m)) for k, m in cells)
    if all(k == 0 for k, _ in counts) or all(k == m for k, m in counts):
        return 1.0
    return _icc_upper_counts(tuple(sorted((k, m, c) for (k, m), c in counts.items())))


def wilson_effective(k_eff: float, n_eff: float, confidence: float, df: int | None = None) -> tuple[float, float]:
    """Wilson interval on a (possibly fractional) effective count.

    With ``df`` (clusters - 1) the critical value is Student's t, not the normal one: the design
    effect behind ``n_eff`` is itself estimated from that many clusters, and with a dozen seeds the
    normal value under-covers (docs/decisions.md, "How intervals respect clustering").
    """
    if df is None:
        low, high = proportion_confint(k_eff, n_eff, alpha=1 - confidence, method="wilson")
    else:
        z = float(student_t.ppf(1 - (1 - confidence) / 2, max(df, 1)))
        p = k_eff / n_eff
        den = 1 + z * z / n_eff
        centre = (p + z * z / (2 * n_eff)) / den
        half = z * math.sqrt(max(p * (1 - p), 0.0) / n_eff + z * z / (4 * n_eff * n_eff)) / den
        low, high = centre - half, centre + half
    low = 0.0 if k_eff <= 0 else max(0.0, float(low))
    high = 1.0 if k_eff >= n_eff else min(1.0, float(high))
    return round(low, 12), round(high, 12)


def clustered_rate(cells: Sequence[tuple[float, int]], confidence: float = 0.95) -> ClusteredRate:
    """Rate and interval from per-seed cells ``(events, units)``; empty cells are ignored.

    ``events`` may be fractional (a unit that is itself an expectation in [0, 1], such as the
    accuracy of a resampled vote): the Wilson interval then assumes Bernoulli variance per unit,
    which is at least the variance of a [0, 1] value with the same mean, so it stays conservative.
    ``k`` is reported rounded.
    """
    cells = [(k, m) for k, m in cells if m > 0]
    total = sum(x for x, _ in cells)
    n = sum(m for _, m in cells)
    seeds = len(cells)
    if n == 0:
        return ClusteredRate(0, 0, 0, None, None, None, None, None, None, confidence)
    icc = _icc(cells)
    if icc is None:  # nothing to estimate the clustering from: every seed counts once
        icc_hi, deff = None, n / seeds
    else:
        icc_hi = _icc_upper(cells)
        deff = max(1.0, 1.0 + (_size_weighted_mean(cells) - 1.0) * icc_hi)
    n_eff = n / deff
    p = total / n
    # t only where the design effect was estimated below its maximum (an ICC limit under 1)
    estimated = icc_hi is not None and icc_hi < 1.0
    low, high = wilson_effective(p * n_eff, n_eff, confidence, df=seeds - 1 if estimated else None)
    k = int(round(total))
    return ClusteredRate(k, n, seeds, p, low, high, round(deff, 10), round(n_eff, 10), icc, confidence,
                         None if icc_hi is None else round(icc_hi, 10))


def seeds_to_settle(
    p_low: float,
    p_high: float,
    units_per_seed: float,
    deff_low: float,
    deff_high: float,
    settled: Callable[[float, float], bool],
    confidence: float = 0.95,
    seeds_now: int = 0,
    units_per_seed_high: float | None = None,
) -> int | None:
    """Total seeds at which the interval would settle if new seeds behaved like the observed ones.

    ``p_low``/``p_high`` are the rates behind the lower and upper ends (unknowns counted as safe
    and as events), ``settled(low, high)`` says whether an interval decides the level. None when
    no number of seeds would (a rate sitting on a threshold, or unknowns that straddle one).
    ``units_per_seed_high`` is for an upper end taken from another finding than the lower end (the
    realistic arm, a steered arm, another setting), whose seeds hold a different number of units.
    """
    units_high = units_per_seed if units_per_seed_high is None else units_per_seed_high

    def ok(seeds: int) -> bool:
        ne_low, ne_high = seeds * units_per_seed / deff_low, seeds * units_high / deff_high
        # as in ``clustered_rate``: t where the design effect is an estimate below "every seed once"
        df_low = seeds - 1 if deff_low < units_per_seed else None
        df_high = seeds - 1 if deff_high < units_high else None
        low, _ = wilson_effective(p_low * ne_low, ne_low, confidence, df=df_low)
        _, high = wilson_effective(p_high * ne_high, ne_high, confidence, df=df_high)
        return settled(low, high)

    lo = max(1, seeds_now)
    if ok(lo):
        return lo
    hi = lo * 2
    while not ok(hi):
        if hi >= MAX_SEEDS_SEARCHED:
            return None
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def merge_settle(low: Mapping[str, Any] | None, high: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The "how many more seeds" inputs of an interval whose ends come from two findings.

    Why: the decision takes the worse end of the pooled and the realistic (or steered, or another
    setting's) interval, possibly one end from each. Projecting both ends from one finding's rates
    and design effects answers for an interval the decision does not use. None when either end's
    finding gives no projection (then none is offered).
    """
    if not isinstance(low, Mapping) or not isinstance(high, Mapping):
        return None
    return {
        "p_low": low["p_low"],
        "deff_low": low["deff_low"],
        "units_per_seed": low["units_per_seed"],
        "p_high": high["p_high"],
        "deff_high": high["deff_high"],
        "units_per_seed_high": high.get("units_per_seed_high", high["units_per_seed"]),
    }
