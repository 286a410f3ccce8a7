"""report.json follows its published, versioned JSON Schema."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from mixed_run import MixedRun

from frontiergate.report import SCHEMA_VERSION
from frontiergate.report.schema import load_schema, schema_errors, schema_filename

REPO = Path(__file__).resolve().parents[2]


def test_schema_version_matches_package_and_docs_copy() -> None:
    schema = load_schema()
    assert schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION
    assert schema_filename() == f"report-{SCHEMA_VERSION}.schema.json"
    docs = json.loads((REPO / "docs" / "report.schema.json").read_text())
    assert docs == schema


def test_real_mixed_report_validates(mixed_run: MixedRun) -> None:
    report = json.loads((mixed_run.run_dir / "report.json").read_text())
    assert schema_errors(report) == []
    assert {"misuse", "before_after"} <= set(report["sections"])
    assert len(report["targets"]) == 2


def test_schema_rejects_broken_reports(mixed_run: MixedRun) -> None:
    report = json.loads((mixed_run.run_dir / "report.json").read_text())
    bad = copy.deepcopy(report)
    bad["policy"]["sha256"] = "not-a-hash"
    bad["targets"][0]["findings"][0]["n"] = -1
    del bad["limitations"]
    errors = schema_errors(bad)
    assert any(e.startswith("policy/sha256") for e in errors)
    assert any(e.startswith("targets/0/findings/0/n") for e in errors)
    assert any("limitations" in e for e in errors)


def test_sections_stay_open_for_new_capabilities(mixed_run: MixedRun) -> None:
    report = json.loads((mixed_run.run_dir / "report.json").read_text())
    report["sections"]["autonomy"] = {"anything": [1, 2, {"nested": True}]}
    assert schema_errors(report) == []


def test_schema_covers_the_banner_pruned_slices_and_summary_sections(mixed_run: MixedRun) -> None:
    report = json.loads((mixed_run.run_dir / "report.json").read_text())
    assert "banner" in report and isinstance(report["appendix"]["pruned_slices"], list)
    bad = copy.deepcopy(report)
    del bad["banner"]
    bad["appendix"]["pruned_slices"].append(
        {"target": "t", "domain": "d", "metric": "m", "slice": "all", "n": 3, "k": 0, "estimate": 0.0,
         "ci_low": 0.0, "ci_high": 0.5, "reason": "small n"}
    )
    bad["sections"]["domain_summary"]["targets"][0]["domains"][0]["would_change"] = []
    bad["sections"]["sign_off"]["targets"][0]["roles"] = []
    errors = schema_errors(bad)
    assert any("banner" in e for e in errors)
    assert any(e.startswith("appendix/pruned_slices/") for e in errors)  # the 'all' slice is never pruned
    assert any(e.startswith("sections/domain_summary/") for e in errors)
    assert any(e.startswith("sections/sign_off/") for e in errors)
    # a section that failed to build still validates as an error
    report["sections"]["domain_summary"] = {"error": "section could not be built: KeyError"}
    assert schema_errors(report) == []


def test_decision_keys_of_issue_20_are_typed(mixed_run: MixedRun) -> None:
    report = json.loads((mixed_run.run_dir / "report.json").read_text())
    dom = next(iter(report["targets"][0]["decision"]["domains"].values()))
    dom["safeguards"] = {"level": "medium", "required": {}, "evaluated": True, "target": "safeguarded/m",
                         "validated": "yes", "checks": []}
    dom["alerts"] = [{"metric": "m", "level": "medium", "value": 0.1, "threshold": "0.2"}]
    errors = schema_errors(report)
    assert any("safeguards" in e for e in errors) and any("alerts" in e for e in errors)


def test_reports_of_the_previous_schema_version_still_validate_against_it() -> None:
    old = load_schema("1.1.0")
    assert old["properties"]["schema_version"]["const"] == "1.1.0"
