"""The same run stored in SQLite and in PostgreSQL gives byte-identical report.json.

PostgreSQL comes from ``FRONTIERGATE_TEST_POSTGRES`` (``.ci/run`` starts a real server); the test is
skipped without it. The PostgreSQL copy is built the way a run is: the run and its evaluations are
recorded, the Inspect logs are ingested, analysis and decision run there, and the report is built there.
"""

from __future__ import annotations

import os
from datetime import datetime

import pytest
from mixed_run import MixedRun
from sqlalchemy import delete

from frontiergate.pipeline.targets import scrub
from frontiergate.report.build import build_report
from frontiergate.report.canonical import dumps
from frontiergate.report.integrity import copy_run_records, recompute_report, reingest_logs
from frontiergate.store.db import Store
from frontiergate.store.models import EvaluationRow, RunRow, SampleRow

PG = os.environ.get("FRONTIERGATE_TEST_POSTGRES")


def _fresh_pg(run_id: str) -> Store:
    store = Store(PG or "")
    with store.session() as s:
        s.execute(delete(RunRow).where(RunRow.id == run_id))  # cascades to the run's rows
    return store


@pytest.mark.skipif(not PG, reason="FRONTIERGATE_TEST_POSTGRES is not set (no PostgreSQL server)")
def test_sqlite_and_postgres_give_identical_report_bytes(mixed_run: MixedRun) -> None:
    sqlite_bytes = (mixed_run.run_dir / "report.json").read_text(encoding="utf-8")
    pg = _fresh_pg(mixed_run.run_id)
    assert pg.engine.dialect.name == "postgresql"
    with pg.session() as s:
        s.execute(delete(RunRow).where(RunRow.id == "earlier-run"))
    _occupy_ids(pg)
    try:
        copy_run_records(mixed_run.store(), pg, mixed_run.run_id, with_samples=False)
        reingest_logs(pg, mixed_run.run_id)
        recompute_report(pg, mixed_run.run_id)
        pg_bytes = scrub(dumps(build_report(pg, mixed_run.run_id)))
        assert pg_bytes == sqlite_bytes
    finally:
        _fresh_pg(mixed_run.run_id).close()
        pg.close()


def _occupy_ids(store: Store) -> None:
    """Another run first, so the copied rows get other primary keys than in the original store."""
    with store.session() as s:
        s.add(
            RunRow(
                id="earlier-run",
                started_at=datetime(2026, 1, 1),
                code_version="x",
                policy_name="p",
                policy_sha256="0" * 64,
                policy_text="",
                targets=["m"],
                options={},
                out_dir="/nowhere",
            )
        )
        ev = EvaluationRow(run_id="earlier-run", target="m", task="t")
        ev.samples = [SampleRow(run_id="earlier-run", sample_id=str(i), item_id=str(i)) for i in range(7)]
        s.add(ev)


def test_sqlite_copy_of_a_run_gives_identical_report_bytes(mixed_run: MixedRun, tmp_path: object) -> None:
    other = Store(f"sqlite:///{tmp_path}/other.db")
    _occupy_ids(other)
    copy_run_records(mixed_run.store(), other, mixed_run.run_id, with_samples=True)
    recompute_report(other, mixed_run.run_id)
    assert scrub(dumps(build_report(other, mixed_run.run_id))) == (mixed_run.run_dir / "report.json").read_text(
        encoding="utf-8"
    )
