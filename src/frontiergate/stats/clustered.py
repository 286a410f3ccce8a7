"""Intervals for a rate whose samples cluster by seed scenario.

Why: one cyber seed expands into dozens of variants, framings and epochs. A model that complies
with one seed tends to comply with its variants too, so 1,100 variants of 60 seeds carry far less
information than 1,100 independent requests, and a Wilson interval over the variants is too narrow.
The seed is the independent unit.

Method: Kish's design effect with the one-way ANOVA estimator of the intra-cluster correlation for
binary outcomes (Donner & Klar): ``deff = 1 + (m - 1) * icc`` with ``m`` the size-weighted mean
cluster size (Kish's form for unequal clusters), ``n_eff = n / deff``, and a Wilson interval on the
effective count whose critical value is Student's t with (seeds - 1) degrees of freedom where the
design effect is estimated from that many seeds (not where every seed simply counts once). When the
correlation cannot be estimated (a single seed, or no variation at all, e.g. zero events) the
conservative choice is made: every seed counts once (``deff = n / seeds``), never more. Nothing
below ``n_eff = seeds`` is ever claimed.

Coverage (simulated, true rate 0.10, beta-binomial seeds; share of draws whose upper end falls
below the truth, 2.5% allowed): 12 seeds x 20 units 4.2% / 7.6% / 10.4% at ICC 0.1 / 0.3 / 0.6
(5.6% / 8.9% / 11.8% with the normal value and n0), 30 seeds x 40 units 3.6% / 4.3% / 5.0%, one seed
of 200 units among 19 of 5 2.9% / 1.6% / 0.9% (about 20% before). A dozen strongly correlated seeds
still under-cover: the estimated ICC is biased low with that few clusters.

A cluster bootstrap was the alternative; with zero or very few events (the common, important case
for a safe model) it collapses to [0, 0], which is exactly the false certainty this module exists
to avoid.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

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


def _n0(cells: Sequence[tuple[float, int]]) -> float:
    c, n = len(cells), sum(m for _, m in cells)
    return (n - sum(m * m for _, m in cells) / n) / (c - 1) if c > 1 else float(n)


def _size_weighted_mean(cells: Sequence[tuple[float, int]]) -> float:
    """Kish's cluster size for unequal clusters, sum(m^2) / sum(m): a unit sits, on average, in a
    cluster this big. The ANOVA n0 is smaller when sizes differ (one seed of 200 units among 19 of
    5 gives n0 = 8 but 137 here), and a design effect on n0 then under-states the clustering."""
    n = sum(m for _, m in cells)
    return sum(m * m for _, m in cells) / n if n else 0.0


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
    worst = n / seeds  # every seed counts once
    deff = worst if icc is None else min(worst, max(1.0, 1.0 + (_size_weighted_mean(cells) - 1.0) * icc))
    n_eff = n / deff
    p = total / n
    # t only where the design effect was estimated: counting every seed once needs no estimate
    estimated = icc is not None and deff < worst
    low, high = wilson_effective(p * n_eff, n_eff, confidence, df=seeds - 1 if estimated else None)
    k = int(round(total))
    return ClusteredRate(k, n, seeds, p, low, high, round(deff, 10), round(n_eff, 10), icc, confidence)


def seeds_to_settle(
    p_low: float,
    p_high: float,
    units_per_seed: float,
    deff_low: float,
    deff_high: float,
    settled: Callable[[float, float], bool],
    confidence: float = 0.95,
    seeds_now: int = 0,
) -> int | None:
    """Total seeds at which the interval would settle if new seeds behaved like the observed ones.

    ``p_low``/``p_high`` are the rates behind the lower and upper ends (unknowns counted as safe
    and as events), ``settled(low, high)`` says whether an interval decides the level. None when
    no number of seeds would (a rate sitting on a threshold, or unknowns that straddle one).
    """

    def ok(seeds: int) -> bool:
        n = seeds * units_per_seed
        ne_low, ne_high = n / deff_low, n / deff_high
        # as in ``clustered_rate``: t where the design effect is an estimate below "every seed once"
        df_low = seeds - 1 if deff_low < units_per_seed else None
        df_high = seeds - 1 if deff_high < units_per_seed else None
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
