"""``Policy.seed_floor``: the seed minimum that paired readings ("no change") share with the decision."""

from __future__ import annotations

from decision_builders import policy


def test_a_domain_floor_overrides_the_policy_floor_and_other_domains_take_the_policy_floor() -> None:
    pol = policy(min_seeds=30, domain={"min_seeds": 40})
    assert pol.seed_floor("cyber") == 40
    assert pol.seed_floor("chem_bio") == 30
    assert policy().seed_floor("cyber") == policy().min_seeds
