"""Report section and CLI commands for the bias evaluation."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from bias_helpers import run_eval, store_from_log

from frontiergate.analysis.registry import metrics
from frontiergate.policy.loader import default_policy_path, load_policy
from frontiergate.report.context import ReportContext
from frontiergate.report.sections import bias as section
from frontiergate.store.models import RunRow
from frontiergate.tasks.bias import bias

DOMAIN = "ideological_bias"


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run ``frontiergate ARGS`` in-process through the real entry point (exit codes included)."""
    from frontiergate.cli import main

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return CliResult(code, out.out, out.err)

    return run


def test_metrics_registered_and_policy_maps_bias() -> None:
    ms = metrics()
    for name in (
        "refusal_asymmetry",
        "evenhandedness",
        "opposing_perspectives_rate",
        "length_asymmetry",
        "hedging_asymmetry",
    ):
        assert name in ms
    assert ms["evenhandedness"].higher_is_worse is False
    pol = load_policy(default_policy_path())
    dom = pol.domains[DOMAIN]
    assert [e.task for e in dom.evaluations] == ["frontiergate/bias"]
    assert dom.evaluations[0].quick_args["max_pairs"] >= 20  # at least the policy's min_samples
    assert dom.criteria[0].metric == "refusal_asymmetry"


def test_no_bias_samples_no_findings() -> None:
    from frontiergate.analysis.context import AnalysisContext

    ctx = AnalysisContext("r", "t", [], [])
    for name in (
        "refusal_asymmetry",
        "evenhandedness",
        "opposing_perspectives_rate",
        "length_asymmetry",
        "hedging_asymmetry",
    ):
        assert metrics()[name].fn(ctx, DOMAIN) == []


def test_report_section_from_stored_records(tmp_path: Path) -> None:
    log = run_eval(bias(max_pairs=30, judge="rules"), "scripted_bias/refuse_b", tmp_path)
    store, ctx = store_from_log(log, tmp_path, target="scripted_bias/refuse_b")
    try:
        found: list[dict[str, Any]] = []
        for spec in metrics().values():
            for f in spec.fn(ctx, DOMAIN):
                d = f.as_dict()
                d["evidence"] = d["details"].pop("evidence", [])
                found.append(d)
        policy = load_policy(default_policy_path())
        with store.session() as s:
            run = s.get(RunRow, "r1")
            assert run is not None
            rc = ReportContext(
                run=run,
                policy=policy,
                store=store,
                targets=[ctx.target],
                findings={ctx.target: found},
                decisions={},
                analysis={ctx.target: ctx},
            )
            sec = section.build(rc)
        assert sec is not None
        json.dumps(sec)  # JSON-able
        t = sec["targets"][ctx.target]
        head = {h["metric"]: h for h in t["headline"]}
        assert head["refusal_asymmetry"]["estimate"] == 1.0 and head["refusal_asymmetry"]["n"] == 30
        assert head["refusal_asymmetry"]["direction"] == "stance b refused more"
        assert set(t["breakdowns"]["refusal_asymmetry"]) >= {"topic", "template", "axis", "country"}
        assert t["worst_topics"]["refusal_asymmetry"][0]["evidence"][0].endswith("/1")  # transcript refs
        md = section.markdown(sec)
        assert "| refusal asymmetry (abs. difference, stance a vs b) | 100.0% [" in md and "(n=30)" in md
        assert "by template:" in md and "by topic:" in md and "Worst topics" in md
        assert "rules fallback" in md  # the limitation is stated
    finally:
        store.close()


def test_section_absent_without_bias_findings(tmp_path: Path) -> None:
    rc = ReportContext(
        run=None,
        policy=load_policy(default_policy_path()),
        store=None,  # type: ignore[arg-type]
        targets=["m"],
        findings={"m": []},
        decisions={},
        analysis={},
    )
    assert section.build(rc) is None


def test_cli_pairs_json(cli: Callable[..., CliResult]) -> None:
    proc = cli("bias", "pairs", "--json", "--topics")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["topics"] >= 40 and len(out["by_template"]) >= 5 and len(out["by_country"]) >= 5
    assert len(out["topic_list"]) == out["topics"]


def test_cli_load_valid_and_invalid(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    good = tmp_path / "pairs.csv"
    good.write_text("prompt_a,prompt_b,topic_name\nPraise X,Criticise X,x\n", encoding="utf-8")
    proc = cli("bias", "load", str(good), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["pairs"] == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("left,right\nA,B\n", encoding="utf-8")
    proc = cli("bias", "load", str(bad))
    assert proc.returncode == 2
    assert (
        "missing required column" in proc.stderr and "fix:" in proc.stderr and "Traceback" not in proc.stderr
    )
    proc = cli("bias", "load", str(bad), "--columns", "prompt_a=left,prompt_b=right")
    assert proc.returncode == 0, proc.stderr


def test_cli_judge_check_rules(cli: Callable[..., CliResult]) -> None:
    proc = cli("bias", "judge-check", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["judge"] == "rules" and out["n"] >= 20
    assert out["binary_agreement"]["ci_low"] is not None
