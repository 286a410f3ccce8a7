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


def test_before_after_rows_are_json_rows_from_the_measured_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    import pytest

    from frontiergate.errors import DataFileError
    from frontiergate.safeguards.generalisation import before_after_rows

    rate = {"value": 0.5, "ci": [0.4, 0.6], "k": 10, "n": 20, "seeds": 20}
    path = tmp_path / "g.json"
    path.write_text(
        json.dumps(
            {
                "rows": [{"guard": "rules, default", "recall_unseen": rate, "fpr_unseen": rate,
                          "recall_seen": rate, "fpr_seen": rate}],
                "unseen_families": ["encoding"],
                "head": "h",
                "measured_at": "2026-12-04",
            }
        )
    )
    rows = before_after_rows(path)
    assert rows[0]["guard"] == "rules, default" and rows[0]["recall_unseen"]["n"] == 20
    assert rows[0]["table_unseen_families"] == ["encoding"] and json.loads(json.dumps(rows)) == rows
    assert before_after_rows(tmp_path / "absent.json") == []
    path.write_text("{")
    with pytest.raises(DataFileError):
        before_after_rows(path)
