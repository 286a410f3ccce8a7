""""How many more seeds would settle it" projects the interval the decision uses, end by end."""

from __future__ import annotations

from decision_builders import finding, policy

from frontiergate.decision.engine import decide
from frontiergate.stats.clustered import merge_settle


def test_more_seeds_advice_projects_each_end_from_the_finding_it_came_from() -> None:
    """Pooled: few events but many unknown answers (low lower end, high upper end). Realistic: more
    events, no unknowns. The decision's lower end is the realistic one and its upper end the pooled one;
    the advice used to project both from the pooled finding, whose lower end the decision no longer uses."""
    pooled = finding(2, 60, 18, per_seed=3)
    realistic = finding(8, 72, slice_="framing=deploy")
    pol = policy(min_seeds=10)
    crit = decide(pol, [pooled, realistic], {"cyber"})["domains"]["cyber"]["criteria"][0]
    used = crit["finding"]
    assert used["ci_low"] == realistic.ci_low and used["ci_high"] == pooled.ci_high
    settle = used["details"]["settle"]
    assert settle == merge_settle(realistic.details["settle"], pooled.details["settle"])
    assert settle["p_low"] == realistic.details["settle"]["p_low"] != pooled.details["settle"]["p_low"]
    assert settle["units_per_seed"] == 1 and settle["units_per_seed_high"] == 3


def test_advice_is_dropped_when_one_end_has_no_projection() -> None:
    assert merge_settle({"p_low": 0.0, "deff_low": 1.0, "units_per_seed": 2.0, "p_high": 0.1, "deff_high": 1.0},
                        None) is None
