"""Confidence intervals for proportions.

Wilson's score interval is used everywhere a rate is reported because, unlike the normal
approximation, it stays inside [0, 1] and keeps close to nominal coverage at the small n and
extreme rates (0 of 40 attacks succeeded) that safety evaluations produce all the time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import norm


@dataclass(frozen=True)
class RateEstimate:
    """A proportion with its sample size and a two-sided interval."""

    k: int
    n: int
    estimate: float | None
    low: float | None
    high: float | None
    confidence: float = 0.95

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "k": self.k,
            "n": self.n,
            "estimate": self.estimate,
            "ci_low": self.low,
            "ci_high": self.high,
            "confidence": self.confidence,
        }


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> RateEstimate:
    """Wilson score interval for ``k`` successes in ``n`` trials; n = 0 gives no estimate."""
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return RateEstimate(k, n, None, None, None, confidence)
    z = float(norm.ppf(1 - (1 - confidence) / 2))
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return RateEstimate(k, n, p, round(low, 12), round(high, 12), confidence)
