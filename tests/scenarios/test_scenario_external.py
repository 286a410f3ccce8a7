"""Bring-your-own behaviour sets: column mapping, errors that name the fix, HarmBench val."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frontiergate.errors import DataFileError
from frontiergate.scenarios.expand import expand
from frontiergate.scenarios.external import ColumnMapping, load_external


def _csv(tmp_path: Path) -> Path:
    p = tmp_path / "behaviours.csv"
    p.write_text(
        "Behavior,Cat,BehaviorID,Ctx,Safe\n"
        "Synthetic harmful request one,cyber_thing,b1,,Synthetic benign question one\n"
        "Synthetic harmful request two,Chem Thing,b2,Some context here,\n"
        ",empty,b3,,\n",
        encoding="utf-8",
    )
    return p


def test_csv_with_column_mapping(tmp_path: Path) -> None:
    seeds = load_external(_csv(tmp_path), ColumnMapping(prompt="Behavior", id="BehaviorID", category="Cat",
                                                        domain="general_harm", context="Ctx", benign="Safe"))
    assert [s.id for s in seeds] == ["ext-b1", "ext-b2"]  # the empty-prompt row is skipped
    assert seeds[0].category == "cyber_thing" and seeds[1].category == "chem_thing"
    assert seeds[0].benign is not None and seeds[0].benign.turns == ["Synthetic benign question one"]
    assert seeds[1].benign is None  # no twin unless a column provides one
    assert seeds[1].turns == ["Some context here\n\nSynthetic harmful request two"]
    assert all(s.domain == "general_harm" and s.source == "external:behaviours.csv" for s in seeds)


def test_jsonl_with_domain_column_and_row_numbered_ids(tmp_path: Path) -> None:
    p = tmp_path / "set.jsonl"
    rows = [{"goal": "Synthetic request A", "area": "cyber", "sev": "high"},
            {"goal": "Synthetic request B", "area": "chem_bio", "sev": "critical"}]
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    seeds = load_external(p, ColumnMapping(prompt="goal", domain_column="area", severity="sev"))
    assert [(s.domain, s.severity, s.category) for s in seeds] == [
        ("cyber", "high", "uncategorized"), ("chem_bio", "critical", "uncategorized")]
    assert seeds[0].id == "ext-set-00001" and seeds[1].id == "ext-set-00002"


def test_missing_column_lists_the_available_ones(tmp_path: Path) -> None:
    with pytest.raises(DataFileError) as exc:
        load_external(_csv(tmp_path), ColumnMapping(prompt="Prompt", domain="cyber"))
    assert "'Prompt'" in exc.value.cause and "--prompt-column" in exc.value.cause
    assert "Behavior" in exc.value.fix


def test_domain_is_required(tmp_path: Path) -> None:
    with pytest.raises(DataFileError) as exc:
        load_external(_csv(tmp_path), ColumnMapping(prompt="Behavior"))
    assert "--domain" in exc.value.fix


@pytest.mark.parametrize("content,suffix", [("{not json\n", ".jsonl"), ("x", ".txt")])
def test_malformed_files_raise_user_errors(tmp_path: Path, content: str, suffix: str) -> None:
    p = tmp_path / f"f{suffix}"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(DataFileError):
        load_external(p, ColumnMapping(domain="cyber"))


def test_harmbench_val_runs_through_the_transforms(shared_data: Path) -> None:
    path = shared_data / "harmbench" / "harmbench_behaviors_text_val.csv"
    if not path.is_file():
        pytest.skip("HarmBench val file not present")
    seeds = load_external(path, ColumnMapping(prompt="Behavior", id="BehaviorID", category="SemanticCategory",
                                              domain="general_harm", context="ContextString"))
    assert len(seeds) == 80
    assert len({s.id for s in seeds}) == 80 and all(s.benign is None for s in seeds)
    assert {"chemical_biological", "cybercrime_intrusion"} <= {s.category for s in seeds}
    items = list(expand(seeds, transforms="roleplay,encoding", stack_depth=1))
    assert len(items) == 80 * (1 + 7)
    assert len({"\x1e".join(it.turns) for it in items}) == len(items)
    assert all(not it.harmful or it.source.startswith("external:") for it in items)
