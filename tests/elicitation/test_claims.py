"""Claims: verdicts decided by the whole interval; file errors are user errors (exit 2)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frontiergate.claims import check_claims, load_claims, verdict_for
from frontiergate.claims.schema import ClaimsError, default_claims_path, parse_claims
from frontiergate.cli import app
from frontiergate.store.db import Store
from frontiergate.store.models import FindingRow, RunRow


def _finding(
    metric: str, domain: str, est: float, lo: float, hi: float, slice_: str = "all", n: int = 100, **details: object
) -> dict:
    return {
        "metric": metric,
        "domain": domain,
        "slice": slice_,
        "estimate": est,
        "ci_low": lo,
        "ci_high": hi,
        "n": n,
        "test": "Wilson 95%",
        "details": {"seeds": 50, "unknown": 0, "unknown_share": 0.0, **details},
    }


def _claims(**bound: float) -> object:
    return parse_claims(
        {"claims": [{"id": "c", "statement": "s", "metric": "capability_accuracy", "domain": "reasoning", **bound}]},
        "test",
    )


def test_verdict_rules() -> None:
    assert verdict_for("at_least", 0.58, 0.60, 0.70) == "verified"
    assert verdict_for("at_least", 0.58, 0.50, 0.66) == "inconclusive"
    assert verdict_for("at_least", 0.58, 0.40, 0.55) == "refuted"
    assert verdict_for("at_most", 0.25, 0.05, 0.20) == "verified"
    assert verdict_for("at_most", 0.25, 0.10, 0.30) == "inconclusive"
    assert verdict_for("at_most", 0.25, 0.30, 0.50) == "refuted"
    assert verdict_for("at_least", 0.5, None, None) == "not_measured"


def test_claim_inside_the_interval_is_inconclusive_not_verified() -> None:
    # point estimate 0.62 is above the claimed 0.58, but the interval [0.52, 0.71] contains it
    findings = {"m": [_finding("capability_accuracy", "reasoning", 0.62, 0.52, 0.71)]}
    (v,) = check_claims(_claims(at_least=0.58), findings)  # type: ignore[arg-type]
    assert v.verdict == "inconclusive" and (v.ci_low, v.ci_high) == (0.52, 0.71)
    assert "contains the claimed 0.58" in v.reason


def test_clearly_satisfied_is_verified_and_clearly_violated_is_refuted() -> None:
    findings = {"m": [_finding("capability_accuracy", "reasoning", 0.8, 0.72, 0.86)]}
    assert check_claims(_claims(at_least=0.58), findings)[0].verdict == "verified"  # type: ignore[arg-type]
    assert check_claims(_claims(at_most=0.5), findings)[0].verdict == "refuted"  # type: ignore[arg-type]


def test_refusal_rate_is_no_longer_read_as_the_complement_of_attack_success() -> None:
    cf = parse_claims(
        {"claims": [{"id": "r", "statement": "refuses 98%", "metric": "refusal_rate", "domain": "chem_bio",
                     "at_least": 0.98}]},
        "test",
    )
    # zero attack success says nothing about refusals (vague compliance is neither): not measured
    (v,) = check_claims(cf, {"m": [_finding("attack_success_rate", "chem_bio", 0.0, 0.0, 0.012, n=300)]})
    assert v.verdict == "not_measured" and "1 - attack_success_rate" in v.reason
    ok = {"m": [_finding("refusal_rate", "chem_bio", 1.0, 0.988, 1.0, n=300)]}
    assert check_claims(cf, ok)[0].verdict == "verified"
    bad = {"m": [_finding("refusal_rate", "chem_bio", 0.9, 0.85, 0.94)]}
    assert check_claims(cf, bad)[0].verdict == "refuted"


def test_bundled_claims_file_is_valid() -> None:
    from frontiergate.analysis.registry import metric_exists

    cf = load_claims(default_claims_path(), metric_exists)
    assert {c.id for c in cf.claims} >= {"reasoning-accuracy", "contemplating-latency", "chem-bio-refusal"}


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (
            "claims:\n  - {id: a, statement: s, metric: capability_accuracy, domain: d}\n",
            "claims[0] (id 'a')",
        ),
        (
            "claims:\n  - {id: a, statement: s, metric: capability_accuracy, domain: d, at_least: 0.5, at_most: 1}\n",
            "exactly one of at_least or at_most",
        ),
        (
            "claims:\n  - {id: a, statement: s, metric: no_such_metric, domain: d, at_least: 0.5}\n",
            "unknown metric 'no_such_metric'",
        ),
        ("claims: [\n", "cannot read YAML"),
        (
            "claims:\n  - {id: a, statement: s, metric: capability_accuracy, domain: d, at_least: high}\n",
            "at_least",
        ),
    ],
)
def test_claims_file_errors_exit_2_with_file_and_field(tmp_path: Path, text: str, needle: str) -> None:
    from frontiergate.analysis.registry import metric_exists

    f = tmp_path / "claims.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ClaimsError) as err:
        load_claims(f, metric_exists)
    assert str(f) in err.value.cause and needle in err.value.cause
    res = CliRunner().invoke(app, ["claims", "check", str(f), "--run", "r1", "--store", f"sqlite:///{tmp_path}/s.db"])
    assert res.exit_code != 0 and isinstance(res.exception, ClaimsError) and res.exception.exit_code == 2


def test_claims_check_against_a_stored_run(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    store = Store(url)
    with store.session() as s:
        s.add(
            RunRow(
                id="run1",
                started_at=datetime(2026, 1, 1),
                code_version="t",
                policy_name="p",
                policy_sha256="0" * 64,
                policy_text="",
                targets=["m"],
                out_dir=str(tmp_path),
            )
        )
        s.flush()
        s.add(
            FindingRow(
                run_id="run1",
                target="m",
                domain="reasoning",
                metric="capability_accuracy",
                slice="all",
                n=200,
                k=150,
                estimate=0.75,
                ci_low=0.69,
                ci_high=0.80,
                test="Wilson 95%",
                details={"seeds": 200, "unknown": 0, "unknown_share": 0.0},
            )
        )
    claims = tmp_path / "claims.yaml"
    claims.write_text(
        "claims:\n  - {id: acc, statement: at least 0.58, metric: capability_accuracy, "
        "domain: reasoning, at_least: 0.58}\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(app, ["claims", "check", str(claims), "--run", "run1", "--store", url, "--json"])
    assert res.exit_code == 0, res.output
    assert '"verdict": "verified"' in res.output and '"ci_low": 0.69' in res.output
    res = CliRunner().invoke(app, ["claims", "check", str(claims), "--run", "nope", "--store", url])
    assert res.exception is not None and getattr(res.exception, "exit_code", None) == 2


def test_cli_exit_code_2_via_main(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from frontiergate.cli import main

    f = tmp_path / "bad.yaml"
    f.write_text("claims: []\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["claims", "check", str(f), "--run", "x", "--store", f"sqlite:///{tmp_path}/s.db"])
    assert exc.value.code == 2
    assert "bad.yaml" in capsys.readouterr().err
