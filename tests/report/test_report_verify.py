"""`frontiergate verify` recomputes the report from the store and the logs and names any tampering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mixed_run import MixedRun
from sqlalchemy import select
from typer.testing import CliRunner

from frontiergate.cli import app
from frontiergate.report.canonical import dumps
from frontiergate.store.models import ScoreRow


def _verify(mixed_run: MixedRun) -> tuple[int, str]:
    res = CliRunner().invoke(
        app, ["verify", str(mixed_run.run_dir), "--runs-dir", str(mixed_run.runs_dir)], terminal_width=400
    )
    return res.exit_code, res.output


def test_editing_one_number_in_report_json_fails_and_names_it(mixed_run: MixedRun) -> None:
    path = mixed_run.run_dir / "report.json"
    original = path.read_bytes()
    report = json.loads(original)
    idx = next(i for i, f in enumerate(report["targets"][0]["findings"]) if f["estimate"] == 1.0)
    try:
        edited = json.loads(original)
        edited["targets"][0]["findings"][idx]["ci_low"] = 0.123
        path.write_text(dumps(edited), encoding="utf-8")
        code, out = _verify(mixed_run)
        assert code == 1, out
        assert "verification FAILED" in out
        assert "report.json: SHA-256 changed" in out
        i = idx
        want = (
            f"$.targets[0].findings[{i}].ci_low: report has 0.123, recomputed "
            f"{report['targets'][0]['findings'][i]['ci_low']}"
        )
        assert want in out, out
        assert "recomputed from the stored samples" in out and "recomputed from the Inspect logs" in out
    finally:
        path.write_bytes(original)


@pytest.mark.slow
def test_untouched_run_verifies(mixed_run: MixedRun) -> None:
    code, out = _verify(mixed_run)
    assert code == 0, out
    assert "verified" in out and "re-read from the Inspect logs" in out


@pytest.mark.slow
def test_changed_score_in_store_is_caught_against_the_logs(mixed_run: MixedRun) -> None:
    store = mixed_run.store()
    with store.session() as s:
        sc = s.scalars(select(ScoreRow).order_by(ScoreRow.id)).first()
        assert sc is not None
        pk, old = sc.id, sc.value
        sc.value = 0.5 if old != 0.5 else 0.25
    try:
        code, out = _verify(mixed_run)
        assert code == 1
        assert "scores differ between the store" in out
    finally:
        with store.session() as s:
            row = s.get(ScoreRow, pk)
            assert row is not None
            row.value = old


@pytest.mark.slow
def test_changed_or_added_log_file_is_caught(mixed_run: MixedRun) -> None:
    log = sorted((mixed_run.run_dir / "logs").glob("*.eval"))[0]
    original = log.read_bytes()
    extra = mixed_run.run_dir / "logs" / "extra.eval"
    try:
        log.write_bytes(original + b"\0")
        extra.write_bytes(b"x")
        code, out = _verify(mixed_run)
        assert code == 1
        assert f"logs/{log.name}: SHA-256 changed" in out
        assert "logs/extra.eval: not in the manifest" in out
    finally:
        log.write_bytes(original)
        extra.unlink(missing_ok=True)


def test_manifest_lists_reports_and_every_log(mixed_run: MixedRun) -> None:
    manifest = json.loads((mixed_run.run_dir / "manifest.json").read_text())
    files = manifest["files"]
    assert {"report.json", "report.md", "report.html", "run.json"} <= set(files)
    logs = {p.relative_to(mixed_run.run_dir).as_posix() for p in (mixed_run.run_dir / "logs").rglob("*") if p.is_file()}
    assert logs and logs <= set(files)
    assert all(len(h) == 64 for h in files.values())


def test_unknown_run_is_a_user_error(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["verify", "nope", "--runs-dir", str(tmp_path)])
    assert res.exit_code != 0 and res.exception is not None and "no run 'nope'" in str(res.exception)
