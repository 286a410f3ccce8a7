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
