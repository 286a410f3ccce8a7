"""The console summary a run ends with: it opens with the pipeline-check banner when the reports do, and
never prints a safeguarded configuration's own action as a second verdict."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from frontiergate.cli import cmd_run


def _target(model: str, action: str, level: str) -> dict[str, Any]:
    return {
        "model": model,
        "decision": {
            "overall": {"action": action, "level": level, "status": "decided", "rationale": "r"},
            "domains": {},
        },
    }


def _result(banner: str | None, targets: list[dict[str, Any]], options: dict[str, Any]) -> SimpleNamespace:
    report = {"banner": banner, "targets": targets, "run": {"options": options}}
    return SimpleNamespace(report=report, run_id="r1", report_paths={"md": "r.md", "json": "r.json"})


def _printed(capsys: pytest.CaptureFixture[str], result: SimpleNamespace) -> str:
    cmd_run.console.width = 200
    cmd_run.print_summary(result)
    return capsys.readouterr().out


def test_banner_opens_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    banner = "Pipeline check — not a deployment decision: x."
    out = _printed(capsys, _result(banner, [_target("m", "deploy", "low")], {}))
    assert out.index("not a deployment decision") < out.index("m: DEPLOY")


def test_no_banner_for_a_full_run(capsys: pytest.CaptureFixture[str]) -> None:
    out = _printed(capsys, _result(None, [_target("m", "deploy", "low")], {}))
    assert "not a deployment decision" not in out and "m: DEPLOY" in out


def test_safeguarded_configuration_is_not_a_second_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    targets = [_target("m", "deploy_with_safeguards", "medium"), _target("safeguarded/m", "deploy", "low")]
    opts = {"safeguards": {"target": "safeguarded/m", "of": "m", "args": {"guard": "rules"}}}
    out = _printed(capsys, _result(None, targets, opts))
    assert "m: DEPLOY WITH SAFEGUARDS" in out
    assert "safeguarded/m: post-mitigation configuration of m" in out
    assert "safeguarded/m: DEPLOY" not in out


def test_lineage_is_one_line_naming_grown_risk(capsys: pytest.CaptureFixture[str]) -> None:
    target = _target("m2", "do_not_deploy", "medium")
    target["decision"]["overall"]["lineage"] = {
        "previous_run": "r0",
        "previous_target": "m1",
        "domains": {
            "cyber": {"grew": True, "text": "cyber: attack_success_rate 0.542 → 0.833 (risk grew within medium)"},
            "chem_bio": {"grew": False, "text": "chem_bio: no change"},
        },
    }
    out = _printed(capsys, _result(None, [target], {}))
    assert "compared with run r0 (m1): risk grew in cyber: attack_success_rate 0.542 → 0.833" in out
    assert "chem_bio" not in out
    assert "no domain's risk grew significantly (1 compared)" in cmd_run.lineage_line(
        {"previous_run": "r0", "previous_target": "m1", "domains": {"cyber": {"grew": False}}}
    )
