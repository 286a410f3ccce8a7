"""End to end on the scripted model: capability task -> contemplating model -> curves, findings, report."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from inspect_ai import eval as inspect_eval
from typer.testing import CliRunner

import frontiergate._registry  # noqa: F401
from frontiergate.claims import default_claims_path
from frontiergate.elicitation.curves import pareto_front, plot_pareto
from frontiergate.elicitation.grid import GridResult, run_grid
from frontiergate.tasks.capability import capability, capability_samples


@pytest.fixture(scope="module")
def grid(tmp_path_factory: pytest.TempPathFactory) -> GridResult:
    samples = capability_samples(["reasoning"], 45, 1, 0, None)
    answers = {str(s.input): str(s.target) for s in samples}
    return run_grid(
        "fgscripted/m",
        [1, 3, 5],
        [None, 64],
        task_args={"domains": "reasoning", "n_generated": 45},
        model_args={"p": 0.7, "answers": answers},
        log_dir=tmp_path_factory.mktemp("logs"),
        lam=0.05,
    )


def test_grid_points_and_vote_lift(grid: GridResult) -> None:
    assert grid.target == "contemplate/fgscripted/m"
    pts = {(p.agents, p.budget): p for p in grid.points}
    assert set(pts) == {(n, b) for n in (1, 3, 5) for b in (None, 64)}
    assert pts[(5, None)].accuracy > pts[(1, None)].accuracy
    assert pts[(5, None)].mean_tokens == pytest.approx(5 * pts[(1, None)].mean_tokens)
    assert all(p.n == 45 and p.ci_low <= p.accuracy <= p.ci_high for p in grid.points)
    assert pareto_front(grid.points)[0].agents == 1  # the cheapest point is always on the front


def test_log_carries_per_call_records(grid: GridResult) -> None:
    sample = grid.logs[1].samples[0]  # type: ignore[index]
    c = sample.output.metadata["contemplate"]
    assert c["agents"] == 5 and len(c["calls"]) == 5
    assert {"start", "end", "input_tokens", "output_tokens", "reasoning_tokens"} <= set(c["calls"][0])
    assert c["budget"]["mode"] == "forced_stop" and c["budget"]["budget"] == 64
    el = sample.scores["capability_match"].metadata["elicitation"]
    assert len(el["agent_correct"]) == 5 and el["critical_path_s"] >= 0 and el["total_tokens"] > 0


def test_findings(grid: GridResult) -> None:
    by = {(f.metric, f.slice): f for f in grid.findings}
    head = by[("capability_accuracy", "all")]
    plain = by[("capability_accuracy", "agents=1,budget=none")]
    assert head.estimate is not None and plain.estimate is not None and head.estimate >= plain.estimate
    assert head.details["plain_slice"] == "agents=1,budget=none"
    gap = by[("elicitation_gap", "all")]
    assert gap.estimate == pytest.approx(head.estimate - plain.estimate)
    assert gap.ci_low is not None and gap.ci_low > 0  # voting helps at p = 0.7
    assert ("contemplation_latency_overhead", "agents=4") in by


def _rc(findings: list[dict[str, Any]], options: dict[str, Any]) -> Any:
    ctx = SimpleNamespace(run=SimpleNamespace(options=options), targets=["t"], findings={"t": findings}, policy=None)
    ctx.findings_for = lambda target, metric=None, domain=None: [
        f for f in findings if (metric is None or f["metric"] == metric) and (domain is None or f["domain"] == domain)
    ]
    return ctx


def test_report_sections(grid: GridResult) -> None:
    from frontiergate.report.sections import claims as claims_section
    from frontiergate.report.sections import elicitation

    fs = [f.as_dict() for f in grid.findings]
    sec = elicitation.build(_rc(fs, {}))
    assert sec is not None
    md = elicitation.markdown(sec)
    assert "elicited accuracy" in md and "elicitation gap" in md and "| agents=5,budget=64 |" in md
    claims = {
        "claims": [
            {
                "id": "acc",
                "statement": "Reasoning accuracy at least 0.3",
                "metric": "capability_accuracy",
                "domain": "reasoning",
                "at_least": 0.3,
            },
            {
                "id": "lat",
                "statement": "8 agents add at most 25% latency",
                "metric": "contemplation_latency_overhead",
                "domain": "reasoning",
                "slice": "agents=8",
                "at_most": 0.25,
            },
        ]
    }
    csec = claims_section.build(_rc(fs, {"claims": claims, "claims_source": "claims.yaml"}))
    assert csec is not None
    verdicts = {v["claim_id"]: v["verdict"] for v in csec["verdicts"]}
    assert verdicts == {"acc": "verified", "lat": "not_measured"}  # the grid went up to 5 agents only
    assert "**verified**" in claims_section.markdown(csec)
    assert elicitation.build(_rc([], {})) is None and claims_section.build(_rc([], {})) is None


def test_pareto_png(grid: GridResult, tmp_path: Path) -> None:
    png = plot_pareto(grid.points, tmp_path / "p.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_existing_evaluations_run_unchanged_on_the_wrapper() -> None:
    from frontiergate.tasks.misuse import misuse

    logs = inspect_eval(
        [misuse(max_seeds=1, domains="cyber"), capability(domains="cyber", n_generated=0, max_per_domain=2)],
        model="contemplate/mockllm/model",
        model_args={"agents": 3},
        display="none",
    )
    assert all(lg.status == "success" for lg in logs)
    assert all(s.scores for lg in logs for s in lg.samples or [])


def test_cli_grid_writes_curves(tmp_path: Path) -> None:
    from frontiergate.cli import app

    res = CliRunner().invoke(
        app,
        [
            "elicit",
            "grid",
            "--model",
            "fgscripted/m",
            "--agents",
            "1,2",
            "--budgets",
            "none",
            "--n-generated",
            "6",
            "--out",
            str(tmp_path / "o"),
            "-M",
            "p=0.5",
            "--claims",
            str(default_claims_path()),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "agents" in res.output and (tmp_path / "o" / "pareto.png").exists()
    # the scripted model never sees the answers here, so the accuracy claim is refuted
    assert "REFUTED       reasoning-accuracy" in res.output
    assert "NOT_MEASURED  contemplating-latency" in res.output
    assert (tmp_path / "o" / "curves.json").exists()
    bad = CliRunner().invoke(app, ["elicit", "grid", "--agents", "0,40"])
    assert bad.exception is not None and getattr(bad.exception, "exit_code", None) == 2


def test_store_round_trip_gives_the_same_findings(grid: GridResult, tmp_path: Path) -> None:
    """Score metadata survives ingest into the store, and the metrics read it back identically."""
    from datetime import datetime

    from frontiergate.analysis.load import load_contexts
    from frontiergate.elicitation.grid import findings_for
    from frontiergate.pipeline.ingest import ingest_log
    from frontiergate.store.db import Store
    from frontiergate.store.models import EvaluationRow, RunRow

    store = Store(f"sqlite:///{tmp_path}/s.db")
    with store.session() as s:
        s.add(
            RunRow(
                id="r",
                started_at=datetime(2026, 1, 1),
                code_version="t",
                policy_name="p",
                policy_sha256="0" * 64,
                policy_text="",
                targets=[grid.target],
                out_dir=str(tmp_path),
            )
        )
        s.flush()
        for i, log in enumerate(grid.logs):
            ev = EvaluationRow(
                run_id="r",
                target=grid.target,
                task="frontiergate/capability",
                task_args={"budget": i},
                task_args_key=str(i),
                domains=["reasoning"],
            )
            s.add(ev)
            s.flush()
            ingest_log(s, ev, Path(log.location))
    ctx = load_contexts(store, "r")[grid.target]
    ctx.options["length_penalty"] = 0.05
    stored = {(f.metric, f.slice): (f.n, round(f.estimate or 0, 9)) for f in findings_for(ctx)}
    direct = {(f.metric, f.slice): (f.n, round(f.estimate or 0, 9)) for f in grid.findings}
    assert stored == direct
