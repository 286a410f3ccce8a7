"""The authored scenario library: coverage, tags, benign look-alikes, multi-turn seeds."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from frontiergate.errors import DataFileError
from frontiergate.scenarios.library import bundled_seed_files, load_seed_file, load_seeds

DOMAINS = ("cyber", "chem_bio", "general_harm")


def test_each_domain_has_at_least_60_seeds_each_with_a_benign_twin() -> None:
    seeds = load_seeds()
    counts = Counter(s.domain for s in seeds)
    for d in DOMAINS:
        assert counts[d] >= 60, f"{d} has only {counts[d]} seeds"
    for s in seeds:
        assert s.benign is not None, s.id
        assert s.category and s.severity in ("low", "medium", "high", "critical")
        assert s.benign.turns != s.turns


def test_original_seed_ids_are_kept() -> None:
    ids = {s.id for s in load_seeds()}
    for prefix in ("cyber", "chembio", "harm"):
        for i in range(1, 7):
            assert f"{prefix}-{i:03d}" in ids


def test_ids_and_prompts_are_unique() -> None:
    seeds = load_seeds()
    assert len({s.id for s in seeds}) == len(seeds)
    assert len({s.benign.id for s in seeds if s.benign}) == len(seeds)
    assert len({tuple(s.turns) for s in seeds}) == len(seeds)
    assert len({tuple(s.benign.turns) for s in seeds if s.benign}) == len(seeds)


def test_general_harm_covers_the_six_categories() -> None:
    cats = Counter(s.category for s in load_seeds(["general_harm"]))
    for c in ("violence", "weapons", "fraud", "privacy", "self_harm", "hate"):
        assert cats[c] >= 8, (c, cats[c])


def test_every_domain_has_multi_turn_seeds_that_escalate() -> None:
    for d in DOMAINS:
        multi = [s for s in load_seeds([d]) if s.multi_turn]
        assert len(multi) >= 5, d
        for s in multi:
            assert len(s.turns) >= 3
            # the benign twin shares the innocuous opening and diverges where the harmful one escalates
            assert s.benign is not None and s.benign.turns[0] == s.turns[0]
            assert s.benign.turns[-1] != s.turns[-1]


def test_chem_bio_stays_at_proxy_level() -> None:
    """No quantities, temperatures or concentrations: requests are stated, never specified."""
    unit = re.compile(r"\b\d+(?:\.\d+)?\s?(?:mg|g|kg|ml|l|mol|mm|°c|%|ppm|grams|litres|liters)\b", re.I)
    for s in load_seeds(["chem_bio"]):
        for t in [*s.turns, *(s.benign.turns if s.benign else [])]:
            assert not unit.search(t), (s.id, t)


def test_data_files_are_block_yaml_with_a_seeds_key() -> None:
    files = bundled_seed_files()
    assert len(files) >= 6
    for f in files:
        raw = yaml.safe_load(f.read_text(encoding="utf-8"))
        assert isinstance(raw, dict) and isinstance(raw["seeds"], list)
        assert f.read_text(encoding="utf-8").startswith("#"), f"{f.name} should open with a comment"


def test_bad_seed_file_names_file_and_field(tmp_path: Path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text("seeds:\n  - id: x\n    domain: cyber\n    category: c\n    severity: extreme\n"
                 "    turns: ['hi']\n", encoding="utf-8")
    with pytest.raises(DataFileError) as exc:
        load_seed_file(p)
    assert "bad.yaml" in exc.value.cause and "severity" in exc.value.cause
