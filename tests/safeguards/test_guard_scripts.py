"""Pure parts of the guard measurement scripts (no encoder, no model).

Why: the learning-curve extrapolation in docs/guard-experiments.md (how many labelled rows moderation
F1 0.82 would take) and the tuned encoder's row of the packaged before/after table come from these
scripts. A curve fit that reports a finite row count for a target above its asymptote, or a table
row that names one training recipe while holding another's figures, would mislead silently.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def _load(name: str) -> ModuleType:
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))  # guard_finetune_indomain imports guard_indomain as a sibling
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def ceiling() -> ModuleType:
    return _load("guard_ceiling")


@pytest.fixture(scope="module")
def finetune() -> ModuleType:
    return _load("guard_finetune_indomain")


def test_power_law_fit_recovers_a_known_curve_and_the_rows_it_needs(ceiling: ModuleType) -> None:
    n = np.array([170.0, 270.0, 370.0, 470.0, 570.0, 670.0])
    a, b, c = ceiling.fit_curve(n, ceiling.power_law(n, 0.9, 3.0, 0.6))
    assert (a, b, c) == pytest.approx((0.9, 3.0, 0.6), rel=1e-3)
    need = ceiling.rows_needed(a, b, c, 0.82)
    assert ceiling.power_law(need, a, b, c) == pytest.approx(0.82, abs=1e-6)
    assert need == pytest.approx((3.0 / 0.08) ** (1 / 0.6), rel=1e-3)


def test_a_target_above_the_asymptote_needs_infinitely_many_rows(ceiling: ModuleType) -> None:
    assert ceiling.rows_needed(0.80, 1.0, 0.5, 0.82) == float("inf")
    assert ceiling.rows_needed(0.82, 1.0, 0.5, 0.82) == float("inf")


def test_learning_curve_and_threshold_ceiling_on_separable_data(ceiling: ModuleType) -> None:
    rng = np.random.default_rng(0)
    y = np.array([1] * 60 + [0] * 120)
    x = rng.normal(size=(180, 8)) + y[:, None] * 1.5
    cats = {"A": (y == 1) & (np.arange(180) % 2 == 0), "B": (y == 1) & (np.arange(180) % 2 == 1)}
    lc = ceiling.learning_curve(x, y, cats, repeats=1)
    assert lc["test_folds"] == 5
    assert lc["n_train"] == sorted(lc["n_train"]) and lc["n_train"][-1] == pytest.approx(144)
    assert lc["f1_mean"][-1] > 0.8
    oof = lc.pop("_oof_full")
    assert set(oof.tolist()) <= {0, 1}, "every row gets exactly one out-of-fold decision"
    errors = ceiling.error_profile(oof, y, cats, ["word " * (i % 120) for i in range(180)])
    assert errors["tp"] + errors["fn"] == 60 and errors["fp"] + errors["tn"] == 120
    assert errors["categories"]["A"]["n"] == 30 and errors["categories"]["A"]["n_alone"] == 30
    assert sum(b["n"] for b in errors["by_length"]) == 180
    tc = ceiling.threshold_ceiling(x, y, cats, repeats=1)
    # the best threshold on the test fold can only match or beat the fixed 0.5
    assert tc["f1_best_threshold_mean"] >= tc["f1_at_0_5_mean"] - 1e-9
    text = ceiling.render({"learning_curve": lc, "threshold_ceiling": tc, "errors": errors})
    assert "Threshold ceiling" in text and "Recall by category: A" in text


def test_a_pretrained_signal_that_knows_the_label_lifts_the_fused_head_and_noise_does_not(
    ceiling: ModuleType,
) -> None:
    rng = np.random.default_rng(1)
    y = np.array([1] * 60 + [0] * 120)
    x = rng.normal(size=(180, 8)) + y[:, None] * 0.3  # a weak embedding
    cats = {"A": y == 1}
    informed = np.clip(0.2 + 0.6 * y + rng.normal(scale=0.05, size=180), 0.01, 0.99)
    gain = ceiling.fusion(x, y, cats, 1, ceiling.signal_extra(informed[:, None]))
    assert gain["f1_mean"][1] > gain["f1_mean"][0] + 0.2 and gain["mcnemar_only_with_right"] > 0
    assert gain["split_30"][1]["f1"] > gain["split_30"][0]["f1"] and gain["split_30"][0]["n"] == 54
    noise = rng.random(180)
    noise[::7] = np.nan  # a row the package could not score is imputed, never dropped
    flat = ceiling.fusion(x, y, cats, 1, ceiling.signal_extra(noise[:, None]))
    assert abs(flat["f1_mean"][1] - flat["f1_mean"][0]) < 0.1
    text = ceiling.render({"signal_fusion": {"informed": gain}})
    assert text.startswith("+ informed: CV F1") and "fixed 30% split (n = 54)" in text


def test_tuned_row_names_its_recipe_and_replaces_any_older_tuned_row(
    finetune: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frontiergate.safeguards import generalisation
    from frontiergate.safeguards.tuned_guard import RECIPE_KEYS, Recipe

    path = tmp_path / "guard_generalisation.json"
    old_tuned = {"guard": "classifier, tuned encoder (moderation + seen-family scenario rows + decode)"}
    path.write_text(json.dumps({"rows": [{"guard": "rules, default"}, old_tuned]}), encoding="utf-8")
    monkeypatch.setattr(generalisation, "generalisation_figures_path", lambda: path)
    rate = {"value": 0.5, "ci": [0.4, 0.6], "k": 1, "n": 2, "seeds": 2}
    tuned = {
        "held_out_families": {"recall": rate, "fpr_benign_twins": rate},
        "seen_families_held_out_seeds": {"recall": rate, "fpr_benign_twins": rate},
    }
    finetune._write_table_row(tuned, Recipe(seed=0, epochs=2, contrast=True))
    rows = json.loads(path.read_text(encoding="utf-8"))["rows"]
    assert [r["guard"] for r in rows][0] == "rules, default"
    assert len(rows) == 2, "the older tuned row (its label names no seed) is replaced, not kept beside the new one"
    row = rows[1]
    assert "benign contrast rows" in row["guard"] and "run seed 0" in row["guard"]
    assert set(row["recipe"]) == set(RECIPE_KEYS) and row["recipe"]["contrast"] is True
    assert "--contrast" in row["command"] and "--seed 0" in row["command"]
    # another training seed adds a row beside it; the same seed again replaces its own row
    finetune._write_table_row(tuned, Recipe(seed=1, epochs=2, contrast=True))
    finetune._write_table_row(tuned, Recipe(seed=1, epochs=2, contrast=True))
    names = [r["guard"] for r in json.loads(path.read_text(encoding="utf-8"))["rows"]]
    assert len(names) == 3 and len(set(names)) == 3
    assert "benign contrast rows" not in finetune.tuned_row_label(Recipe(contrast=False))
