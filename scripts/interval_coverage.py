"""How often the seed-clustered interval misses the true rate (docs/decisions.md, stats/clustered.py).

Simulates beta-binomial seeds (each seed's rate drawn from a beta with the given mean and
intra-cluster correlation, then its units drawn binomially) and reports, per configuration, the
share of draws whose upper end falls below the truth, whose lower end lies above it (2.5% each is
what a 95% interval allows), and the mean width.

    python scripts/interval_coverage.py --reps 1500
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from frontiergate.stats.clustered import clustered_rate

LAYOUTS = {
    "12x20": [20] * 12,
    "6x30": [30] * 6,
    "30x40": [40] * 30,
    "60x20": [20] * 60,
    "1x200+19x5": [200] + [5] * 19,
}


def coverage(sizes: list[int], rate: float, icc: float, reps: int, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    upper_miss = lower_miss = 0
    width = 0.0
    for _ in range(reps):
        if icc > 0:
            s = 1 / icc - 1
            rates = rng.beta(rate * s, (1 - rate) * s, size=len(sizes))
        else:
            rates = np.full(len(sizes), rate)
        ks = rng.binomial(sizes, rates)
        r = clustered_rate(list(zip(ks.tolist(), sizes, strict=True)))
        assert r.low is not None and r.high is not None
        upper_miss += r.high < rate
        lower_miss += r.low > rate
        width += r.high - r.low
    return {"upper_miss_pct": round(100 * upper_miss / reps, 1), "lower_miss_pct": round(100 * lower_miss / reps, 1),
            "mean_width": round(width / reps, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=1500)
    ap.add_argument("--rates", type=float, nargs="+", default=[0.10, 0.02])
    ap.add_argument("--iccs", type=float, nargs="+", default=[0.0, 0.1, 0.3, 0.6])
    ap.add_argument("--layouts", nargs="+", default=list(LAYOUTS), choices=list(LAYOUTS))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    for rate in args.rates:
        for name in args.layouts:
            for icc in args.iccs:
                row = {"layout": name, "rate": rate, "icc": icc,
                       **coverage(LAYOUTS[name], rate, icc, args.reps, args.seed)}
                print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
