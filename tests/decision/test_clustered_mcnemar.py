"""McNemar's test for pairs that share a seed scenario (epochs, attack variants): Durkalski's statistic."""

from __future__ import annotations

import random

from frontiergate.stats.paired import cluster_bootstrap_diff, mcnemar_clustered, mcnemar_exact


def test_one_pair_per_cluster_is_the_usual_mcnemar_statistic() -> None:
    a = [True] * 2 + [False] * 8 + [True] * 5
    b = [False] * 2 + [True] * 8 + [True] * 5
    p = mcnemar_clustered(a, b, list(range(len(a))))
    # (8 - 2)^2 / (8 + 2) = 3.6 on one degree of freedom
    assert p is not None and abs(p - 0.05777) < 1e-4
    assert mcnemar_clustered([True, False], [True, False], [0, 1]) is None  # no discordance, no test


def test_repeated_epochs_do_not_count_as_new_evidence() -> None:
    # a model that answers each prompt the same way every time: 12 seeds, discordant 6 vs 1
    base_a = [False] * 6 + [True] + [False] * 5
    base_b = [True] * 6 + [False] + [False] * 5
    seeds = [f"s{i}" for i in range(12)]
    once = cluster_bootstrap_diff(base_a, base_b, seeds)
    twice = cluster_bootstrap_diff(base_a * 2, base_b * 2, seeds * 2)
    # the exact test reads the duplicated epochs as 12 vs 2 discordant pairs: p falls under 0.05
    assert mcnemar_exact(base_a * 2, base_b * 2)[2] < 0.05 < mcnemar_exact(base_a, base_b)[2]  # type: ignore[operator]
    # the exact p stays available to a precaution; a claim takes the clustered test's larger p
    assert twice.p_value is not None and twice.p_value < 0.05
    assert twice.p_claim is not None and twice.p_claim > 0.05 and twice.p_clustered == twice.p_claim
    assert once.p_clustered is None and once.p_claim == once.p_value  # one pair per seed: the exact test stands


def test_a_change_present_in_every_seed_stays_significant() -> None:
    rng = random.Random(0)
    a, b, seeds = [], [], []
    for s in range(20):
        for _ in range(3):
            a.append(rng.random() < 0.1)
            b.append(rng.random() < 0.8)
            seeds.append(s)
    res = cluster_bootstrap_diff(a, b, seeds)
    assert res.p_claim is not None and res.p_claim < 1e-4 and res.ci_low is not None and res.ci_low > 0
