"""Paired comparisons: exact McNemar and a bootstrap clustered by seed scenario.

Before/after, eval-cued/realistic and stance A/B comparisons all measure the *same* items twice.
Treating the two arms as independent samples throws that pairing away and inflates the variance;
McNemar uses only the discordant pairs, and the clustered bootstrap respects the fact that
variants of one seed scenario are not independent evidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import binomtest, chi2

from frontiergate.stats.clustered import clustered_rate, wilson_effective


@dataclass(frozen=True)
class PairedResult:
    """Difference (b - a) in a binary outcome over matched pairs."""

    n_pairs: int
    rate_a: float | None
    rate_b: float | None
    diff: float | None
    ci_low: float | None
    ci_high: float | None
    only_a: int
    only_b: int
    p_value: float | None
    test: str = "exact McNemar"
    p_clustered: float | None = None
    """McNemar's test for clustered pairs (``mcnemar_clustered``) when several pairs share a cluster.

    ``p_value`` stays the exact test, which a precaution may lean on (it errs toward seeing a change);
    a *claim* about the model (an alignment trap flagged, say) takes the larger of the two."""

    @property
    def p_claim(self) -> float | None:
        """The p-value to state a finding on: the larger of the exact and the clustered test."""
        if self.p_value is None or self.p_clustered is None:
            return self.p_value
        return max(self.p_value, self.p_clustered)

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < 0.05

    def as_dict(self) -> dict[str, float | int | str | None | bool]:
        return {
            "n_pairs": self.n_pairs,
            "rate_a": self.rate_a,
            "rate_b": self.rate_b,
            "diff": self.diff,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "only_a": self.only_a,
            "only_b": self.only_b,
            "p_value": self.p_value,
            "p_clustered": self.p_clustered,
            "test": self.test,
            "significant": self.significant,
        }


def mcnemar_exact(a: Sequence[bool], b: Sequence[bool]) -> tuple[int, int, float | None]:
    """Exact (binomial) McNemar test; returns (a-only, b-only, two-sided p). No pairs → p None."""
    if len(a) != len(b):
        raise ValueError("paired outcomes must have equal length")
    only_a = sum(1 for x, y in zip(a, b, strict=True) if x and not y)
    only_b = sum(1 for x, y in zip(a, b, strict=True) if y and not x)
    discordant = only_a + only_b
    if len(a) == 0:
        return only_a, only_b, None
    if discordant == 0:
        return only_a, only_b, 1.0
    p = float(binomtest(only_b, discordant, 0.5, alternative="two-sided").pvalue)
    return only_a, only_b, min(1.0, p)


def mcnemar_clustered(a: Sequence[bool], b: Sequence[bool], clusters: Sequence[Hashable]) -> float | None:
    """Two-sided p of McNemar's test for clustered pairs (Durkalski et al., Stat Med 2003).

    Why: epochs and attack variants of one seed scenario are not independent pairs, and the exact
    McNemar test counts each of them as one: two epochs of a model that answers a prompt the same way
    every time double its discordant pairs and halve its p-value. The clustered statistic
    (sum_k (b_k - c_k))^2 / sum_k (b_k - c_k)^2, with b_k and c_k the discordant pairs of cluster k,
    weighs each cluster's net change by its own variability and reduces to the usual McNemar
    statistic when every cluster holds one pair. None without discordance (no test to make).
    """
    if not (len(a) == len(b) == len(clusters)):
        raise ValueError("paired outcomes and clusters must have equal length")
    net: dict[Hashable, int] = defaultdict(int)
    for x, y, key in zip(a, b, clusters, strict=True):
        net[key] += int(bool(y) and not x) - int(bool(x) and not y)
    numerator = float(sum(net.values())) ** 2
    denominator = float(sum(v * v for v in net.values()))
    if denominator == 0.0:
        return None
    return float(chi2.sf(numerator / denominator, df=1))


def mcnemar_completed(only_a: int, only_b: int, extra_b: int) -> float | None:
    """Exact McNemar p after ``extra_b`` unknown pairs are completed as b-only discordances.

    Why: a target that makes one arm unreadable exactly where it would have shown the change keeps a
    significant result down by shrinking the known pairs. Completing each unknown pair against b (its
    unknown arm the event, a's unknown arm none) and retesting says whether the unknowns could hide
    it. None when the completion does not lean towards b.
    """
    only_b += extra_b
    if only_b <= only_a:
        return None
    return mcnemar_exact([True] * only_a + [False] * only_b, [False] * only_a + [True] * only_b)[2]


def against_b(unknown: Sequence[tuple[bool | None, bool | None]]) -> int:
    """Unknown pairs (a, b) that completion against b turns into b-only discordances."""
    return sum(1 for x, y in unknown if x is not True and y is not False)


def newcombe_paired(
    both: float, only_b: float, only_a: float, neither: float, confidence: float = 0.95
) -> tuple[float, float] | None:
    """Newcombe's (1998, method 10) interval for rate_b - rate_a over matched pairs.

    Built from the two Wilson intervals and the pairs' correlation; unlike a percentile bootstrap it
    does not collapse to a point when every pair agrees (or every pair flips the same way). Counts
    may be fractional (design-effect-scaled).
    """
    n = both + only_b + only_a + neither
    if n <= 0:
        return None
    pb, pa = (both + only_b) / n, (both + only_a) / n
    bl, bh = wilson_effective(both + only_b, n, confidence)
    al, ah = wilson_effective(both + only_a, n, confidence)
    denom = (both + only_b) * (only_a + neither) * (both + only_a) * (only_b + neither)
    phi = 0.0 if denom <= 0 else (both * neither - only_b * only_a) / float(np.sqrt(denom))
    dl = (pb - bl) ** 2 - 2 * phi * (pb - bl) * (ah - pa) + (ah - pa) ** 2
    du = (bh - pb) ** 2 - 2 * phi * (bh - pb) * (pa - al) + (pa - al) ** 2
    diff = pb - pa
    return max(-1.0, diff - float(np.sqrt(max(dl, 0.0)))), min(1.0, diff + float(np.sqrt(max(du, 0.0))))


def _design_effect_newcombe(
    av: np.ndarray, bv: np.ndarray, keys: Sequence[Hashable], confidence: float
) -> tuple[float, float] | None:
    """Newcombe's paired interval on the pair counts divided by the seeds' design effect.

    The design effect is that of the discordant pairs per seed (``clustered_rate``: the ICC's upper
    limit, Kish's cluster size), the larger of the two directions that have any; with no discordant
    pair at all every seed counts once. This is the paired form of the clustered rate interval, and
    like it, one event is never read as more certain than none.
    """
    n = len(av)
    cells: tuple[dict[Hashable, list[int]], dict[Hashable, list[int]]] = (defaultdict(lambda: [0, 0]),
                                                                          defaultdict(lambda: [0, 0]))
    for x, y, key in zip(av, bv, keys, strict=True):
        for cell, event in ((cells[0][key], x > y), (cells[1][key], y > x)):
            cell[0] += int(event)
            cell[1] += 1
    seeds = len(cells[0])
    deffs = [clustered_rate([(k, m) for k, m in c.values()]).design_effect for c in cells
             if any(k for k, _ in c.values())]
    deff = max((d for d in deffs if d is not None), default=n / seeds if seeds else 1.0)
    both = float(((av == 1) & (bv == 1)).sum())
    only_a = float(((av == 1) & (bv == 0)).sum())
    only_b = float(((av == 0) & (bv == 1)).sum())
    return newcombe_paired(both / deff, only_b / deff, only_a / deff, (n - both - only_a - only_b) / deff,
                           confidence)


def cluster_bootstrap_diff(
    a: Sequence[bool],
    b: Sequence[bool],
    clusters: Sequence[Hashable] | None = None,
    *,
    n_boot: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> PairedResult:
    """Paired difference in rates with a percentile bootstrap that resamples whole clusters.

    Deterministic given ``seed`` so that a report recomputed from the store gives the same bytes.
    """
    n = len(a)
    only_a, only_b, p = mcnemar_exact(a, b)
    if n == 0:
        return PairedResult(0, None, None, None, None, None, 0, 0, None)
    av = np.asarray(a, dtype=float)
    bv = np.asarray(b, dtype=float)
    diff = float(bv.mean() - av.mean())
    keys = list(clusters) if clusters is not None else list(range(n))
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        groups[key].append(i)
    # Per-cluster sums let one bootstrap replicate cost O(clusters), not O(samples).
    sums_a = np.array([av[idx].sum() for idx in groups.values()])
    sums_b = np.array([bv[idx].sum() for idx in groups.values()])
    sizes = np.array([len(idx) for idx in groups.values()], dtype=float)
    rng = np.random.default_rng(seed)
    m = len(sizes)
    draws = rng.integers(0, m, size=(n_boot, m))
    tot = sizes[draws].sum(axis=1)
    boot = (sums_b[draws].sum(axis=1) - sums_a[draws].sum(axis=1)) / tot
    alpha = (1 - confidence) / 2
    low, high = np.quantile(boot, [alpha, 1 - alpha])
    test = "exact McNemar"
    # several pairs share a seed: the exact test alone reads them as independent evidence
    p_clustered = mcnemar_clustered(a, b, keys) if m < n else None
    scaled = _design_effect_newcombe(av, bv, keys, confidence)
    if m < 2 or float(high) - float(low) <= 0.0:
        # one cluster, or no replicate differs: the bootstrap says nothing about the uncertainty and
        # [0, 0] (or [-1, -1]) would read as certainty; the design-effect interval replaces it
        low, high = (float("nan"), float("nan")) if scaled is None else scaled
        test = "exact McNemar; Newcombe interval on design-effect-scaled pairs (bootstrap degenerate)"
    elif scaled is not None and (scaled[0] < low or scaled[1] > high):
        # a percentile bootstrap over a dozen seeds with rare discordance under-covers (one extra event
        # read narrower than none); the union with the design-effect interval does not
        low, high = min(float(low), scaled[0]), max(float(high), scaled[1])
        test = "exact McNemar; union of the seed bootstrap and a design-effect Newcombe interval"
    return PairedResult(
        n_pairs=n,
        rate_a=float(av.mean()),
        rate_b=float(bv.mean()),
        diff=round(diff, 12),
        ci_low=None if np.isnan(low) else round(float(low), 12),
        ci_high=None if np.isnan(high) else round(float(high), 12),
        only_a=only_a,
        only_b=only_b,
        p_value=p,
        test=test,
        p_clustered=p_clustered,
    )
