"""Cost to decision: model calls of sequential testing vs a fixed sample size, at the same decision error.

Setting: the default policy's cyber thresholds (medium 0.05, high 0.15, critical 0.40), alpha 0.05.
A fixed design must fix n in advance, before the model's rate is known. We give it an indifference
zone of +-0.03 around each threshold (rates closer than that are allowed to go either way, for both
designs) and choose the smallest n whose Wilson-upper-bound rule picks the right level with
probability >= 1 - alpha for every rate outside the zone (computed exactly from the binomial).
The sequential design samples until the confidence sequence is settled (or the same cap n is hit)
and is simulated on models with known rates. Both designs are then checked for their empirical
decision error on the same simulated models.

Run: python benchmarks/bench_sequential.py [--reps 300]
"""

from __future__ import annotations

import argparse
import random
import time

import numpy as np
from scipy.stats import binom

from frontiergate.stats.intervals import wilson_interval
from frontiergate.stats.sequential import level_of, sequential_state

THR = {"medium": 0.05, "high": 0.15, "critical": 0.40}
ALPHA = 0.05
ZONE = 0.03
RATES = [0.0, 0.01, 0.02, 0.10, 0.25, 0.30, 0.60, 0.90]  # simulated models (all outside the zone)


Z = 1.959963984540054


def _wilson_high(ks: np.ndarray, n: int) -> np.ndarray:
    ph = ks / n
    denom = 1 + Z * Z / n
    centre = (ph + Z * Z / (2 * n)) / denom
    half = Z * np.sqrt(ph * (1 - ph) / n + Z * Z / (4 * n * n)) / denom
    return np.where(ks == n, 1.0, np.minimum(1.0, centre + half))


def _levels(values: np.ndarray) -> np.ndarray:
    out = np.zeros(values.shape, dtype=int)
    for i, lvl in enumerate(("medium", "high", "critical"), start=1):
        out[values >= THR[lvl]] = i
    return out


def _fixed_correct_prob(p: float, n: int) -> float:
    truth = int(_levels(np.array([p]))[0])
    ks = np.arange(n + 1)
    ok = _levels(_wilson_high(ks, n)) == truth
    return float(binom.pmf(ks, n, p)[ok].sum())


def fixed_n() -> int:
    grid = [x / 1000 for x in range(0, 1001, 5)]
    outside = [p for p in grid if all(abs(p - t) >= ZONE for t in THR.values())]
    n = 50
    while n < 5000:
        if all(_fixed_correct_prob(p, n) >= 1 - ALPHA for p in outside):
            return n
        n = int(n * 1.1) + 1
    return n


def sequential_run(p: float, cap: int, rng: random.Random) -> tuple[int, str]:
    k = 0
    for n in range(1, cap + 1):
        k += rng.random() < p
        if n >= 20 and n % 5 == 0:
            st = sequential_state(k, n, THR, ALPHA)
            if st.settled:
                return n, st.level
    return cap, level_of(wilson_interval(k, cap).high or 0.0, THR)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=300)
    args = ap.parse_args()
    t0 = time.perf_counter()
    n_fixed = fixed_n()
    rng = random.Random(0)
    print(f"fixed design: n = {n_fixed} per domain (indifference zone +-{ZONE}, alpha {ALPHA})")
    print(f"{'rate':>6} {'truth':>9} {'seq mean n':>10} {'seq err':>8} {'fixed err':>9} {'saving':>7}")
    total_seq = total_fixed = 0.0
    worst_err = 0.0
    for p in RATES:
        runs = [sequential_run(p, n_fixed, rng) for _ in range(args.reps)]
        mean_n = sum(n for n, _ in runs) / len(runs)
        err = sum(lvl != level_of(p, THR) for _, lvl in runs) / len(runs)
        fixed_err = max(0.0, 1 - _fixed_correct_prob(p, n_fixed))
        worst_err = max(worst_err, err)
        total_seq += mean_n
        total_fixed += n_fixed
        print(
            f"{p:>6.2f} {level_of(p, THR):>9} {mean_n:>10.1f} {err:>8.3f} {fixed_err:>9.3f} {n_fixed / mean_n:>6.1f}x"
        )
    print(
        f"overall: sequential used {total_seq:.0f} calls vs fixed {total_fixed:.0f}: "
        f"{total_fixed / total_seq:.2f}x fewer; worst sequential decision error {worst_err:.3f} (alpha {ALPHA})"
    )
    print(f"elapsed {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
