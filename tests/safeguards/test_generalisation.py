"""The seen/unseen split and the generalisation experiment (rules only: fast and deterministic)."""

from __future__ import annotations

from frontiergate.safeguards.generalisation import item_text, markdown_table, run_generalisation, split_items
from frontiergate.safeguards.rules_filter import RulesFilter
from frontiergate.scenarios.expand import expand
from frontiergate.scenarios.library import load_seeds


def test_unseen_families_and_seeds_are_disjoint_from_seen() -> None:
    split = split_items(expand(load_seeds(), transforms="all"), max_per_family=6)
    assert split.unseen and split.seen
    assert not {i.family for i in split.unseen} & {i.family for i in split.seen}
    assert not {i.seed_id for i in split.unseen} & {i.seed_id for i in split.seen}
    assert "none" in split.seen_families


def test_rules_tuned_on_seen_are_scored_on_unseen_with_intervals() -> None:
    split = split_items(expand(load_seeds(), transforms="all"), max_per_family=6)
    res = run_generalisation(split, {"rules_default": RulesFilter()}, concurrency=1)
    tuned = res["guards"]["rules_tuned"]
    assert tuned["recall"]["n"] == sum(1 for i in split.unseen if i.harmful)
    assert tuned["recall"]["ci_low"] <= tuned["recall"]["estimate"] <= tuned["recall"]["ci_high"]
    # tuned on seen items, the filter does at least as well there as the untuned one
    assert tuned["on_seen"]["recall"]["k"] >= res["guards"]["rules_default"]["on_seen"]["recall"]["k"]
    assert res["comparisons"][0]["test"].startswith("exact McNemar")
    assert "rules_tuned" in markdown_table(res)


def test_multi_turn_items_show_every_turn_to_the_guard() -> None:
    item = next(i for i in expand(load_seeds(), transforms="crescendo") if len(i.turns) > 1)
    assert item_text(item).count("User:") == len(item.turns)
