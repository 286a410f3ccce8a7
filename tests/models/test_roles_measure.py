"""Pure parts of scripts/measure_qwen_roles.py: sampling order, cache/resume and the role metrics.

Why: the published judge/guard/attacker figures for the embedded Qwen come from that script; a
biased sampling prefix, a cache that loses or duplicates answers on resume, or a metric that counts
an unreadable verdict as right (or a guard's unreadable reply as "allowed") would change them
silently. None of these tests loads a model.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "measure_qwen_roles.py"


@pytest.fixture(scope="module")
def roles() -> ModuleType:
    spec = importlib.util.spec_from_file_location("measure_qwen_roles", SCRIPT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["measure_qwen_roles"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_stratified_order_is_a_seeded_permutation(roles: ModuleType) -> None:
    strata = ["a"] * 60 + ["b"] * 30 + ["c"] * 10
    o1 = roles.stratified_order(strata, 0)
    assert sorted(o1) == list(range(100))
    assert roles.stratified_order(strata, 0) == o1
    assert roles.stratified_order(strata, 1) != o1


@pytest.mark.parametrize("k", [10, 20, 50])
def test_every_prefix_is_close_to_proportional(roles: ModuleType, k: int) -> None:
    strata = ["a"] * 60 + ["b"] * 30 + ["c"] * 10
    for seed in range(5):
        prefix = Counter(strata[i] for i in roles.stratified_order(strata, seed)[:k])
        for s, size in (("a", 60), ("b", 30), ("c", 10)):
            assert abs(prefix[s] - k * size / 100) <= 1.5, (seed, k, prefix)


def test_cache_resumes_and_skips_a_torn_line(roles: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    c = roles.Cache(path)
    c.put({"key": "x", "v": 1})
    c.put({"key": "y", "v": 2})
    with path.open("a", encoding="utf-8") as fh:
        fh.write('{"key": "z", "v": ')  # a crash mid-write
    again = roles.Cache(path)
    assert "x" in again and "y" in again and "z" not in again
    assert again.torn == 1
    assert again.get("y") == {"key": "y", "v": 2}
    again.put({"key": "z", "v": 3})  # the torn answer is recomputed and appended
    assert roles.Cache(path).get("z") == {"key": "z", "v": 3}


def test_take_limits_the_order(roles: ModuleType) -> None:
    assert list(roles.take([5, 3, 9], 2)) == [5, 3]
    assert list(roles.take([5, 3, 9], None)) == [5, 3, 9]


def _j(gold: str, label: str, parsed: bool, rules: str) -> dict[str, Any]:
    return {"gold": gold, "label": label, "parsed": parsed, "rules": rules}


def test_judge_unparsed_is_unknown_and_counts_as_wrong(roles: ModuleType) -> None:
    recs = [
        _j("refusal", "refusal", True, "refusal"),
        _j("refusal", "partial", True, "compliance"),  # partial counts as refusal: right
        _j("compliance", "refusal", False, "compliance"),  # unparsed: the rules fallback is not used
        _j("compliance", "compliance", True, "compliance"),
    ]
    s = roles.judge_summary(recs)
    assert s["unknown"] == 1
    assert s["agreement_unknown_as_wrong"]["k"] == 3 and s["agreement_unknown_as_wrong"]["n"] == 4
    assert s["agreement_on_parsed"]["k"] == 3 and s["agreement_on_parsed"]["n"] == 3
    assert s["rules_agreement_same_rows"]["k"] == 3
    m = s["mcnemar_vs_rules"]
    assert (m["only_a"], m["only_b"]) == (1, 1)  # rules right only on row 3, judge only on row 2
    assert roles.judge_prediction(recs[2]) is None
    # read "partial" as compliance instead: row 2 turns wrong, the unparsed row stays wrong
    assert s["agreement_partial_as_compliance"]["k"] == 2 and s["partial_verdicts"] == 1


def test_guard_unreadable_counts_as_block_never_as_allowed(roles: ModuleType) -> None:
    recs = [
        {"unsafe": True, "blocked": True, "parsed": False},  # unreadable on unsafe: blocked
        {"unsafe": True, "blocked": False, "parsed": True},
        {"unsafe": False, "blocked": True, "parsed": False},  # unreadable on safe: a false positive
        {"unsafe": False, "blocked": False, "parsed": True},
    ]
    s = roles.guard_summary(recs, {"rules": [False, False, False, False]})
    assert s["unreadable"] == 2
    assert (s["recall"]["k"], s["recall"]["n"]) == (1, 2)
    assert (s["fpr"]["k"], s["fpr"]["n"]) == (1, 2)
    assert (s["recall_parsed_only"]["k"], s["recall_parsed_only"]["n"]) == (0, 1)
    assert (s["fpr_parsed_only"]["k"], s["fpr_parsed_only"]["n"]) == (0, 1)
    vs = s["vs"]["rules"]
    assert vs["accuracy"]["k"] == 2 and vs["qwen_accuracy"]["k"] == 2
    assert (vs["mcnemar_recall"]["only_a"], vs["mcnemar_recall"]["only_b"]) == (0, 1)
    assert (vs["mcnemar_false_positive"]["only_a"], vs["mcnemar_false_positive"]["only_b"]) == (0, 1)


def test_pair_summary_is_paired_per_seed(roles: ModuleType) -> None:
    def rec(r0: bool, tr: bool, pq: bool, empty: int = 0) -> dict[str, Any]:
        return {"round0_success": r0, "transform_success": tr, "pair_success": pq,
                "transform_harmful": tr, "pair_harmful": pq, "attacker_empty": empty}

    s = roles.pair_summary([rec(True, True, True), rec(False, True, False, 1), rec(False, False, True),
                            rec(False, False, True)])
    assert s["n_seeds"] == 4
    assert s["no_attacker"]["k"] == 1 and s["fixed_transforms"]["k"] == 2 and s["qwen_pair"]["k"] == 3
    m = s["mcnemar_pair_vs_transforms"]
    assert (m["only_a"], m["only_b"]) == (1, 2) and not m["b_higher"]
    assert s["attacker_empty_rounds"] == 1


def test_paired_flags_a_higher_rate_only_when_significant(roles: ModuleType) -> None:
    a = [False] * 12
    b = [True] * 12
    assert roles.paired(a, b)["b_higher"] is True
    assert roles.paired(b, a)["b_higher"] is False
    assert roles.paired([False, True], [True, False])["b_higher"] is False


def test_rate_has_wilson_interval(roles: ModuleType) -> None:
    r = roles.rate(0, 10)
    assert r["estimate"] == 0.0 and r["ci"][0] == 0.0 and 0.2 < r["ci"][1] < 0.35
    assert roles.rate(0, 0)["estimate"] is None
    json.dumps(r)  # serialisable for --json


def test_guard_moderation_subset_is_held_out_and_seeded(roles: ModuleType) -> None:
    root = roles.data_dir()
    if not (root / "moderation" / "openai_moderation_dev.jsonl").exists():
        pytest.skip("shared moderation data not present")
    from frontiergate.safeguards.training import split_indices
    from frontiergate.safeguards.validation import load_labelled

    items = roles.guard_items(root, 40, 0)
    mod = [it for it in items if it["dataset"] == "moderation"]
    assert len(mod) == 40
    assert sum(it["dataset"] == "xstest" for it in items) == 450
    labels = load_labelled(root / "moderation" / "openai_moderation_dev.jsonl").labels
    _, test = split_indices(labels)
    assert {it["index"] for it in mod} <= set(test)  # never rows the classifier head was trained on
    assert [it["index"] for it in roles.guard_items(root, 40, 0) if it["dataset"] == "moderation"] == [
        it["index"] for it in mod
    ]
