"""Store access: engine creation, schema, and the few queries the pipeline needs.

SQLite is the default (a file beside the runs); any SQLAlchemy URL works, PostgreSQL included,
so a team can share one store across machines.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, delete, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from frontiergate.errors import FrontiergateError
from frontiergate.store.models import Base, DecisionRow, FindingRow, RunRow


def default_store_url(runs_dir: Path) -> str:
    return os.environ.get("FRONTIERGATE_STORE") or f"sqlite:///{(runs_dir / 'frontiergate.db').resolve()}"


def redact_url(url: str) -> str:
    """Hide the password of a database URL before it is printed or stored."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url


class Store:
    """A handle on one results database."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.engine: Engine = create_engine(url, future=True)
        except (ArgumentError, ImportError, ValueError) as exc:
            raise FrontiergateError(
                f"cannot open store {redact_url(url)}: {exc}",
                "use sqlite:///path.db or postgresql+psycopg://user:pass@host/db "
                "(pip install 'frontiergate[postgres]')",
            ) from None
        if url.startswith("sqlite"):
            Path(url.split("///", 1)[-1]).parent.mkdir(parents=True, exist_ok=True)

            @event.listens_for(self.engine, "connect")
            def _fk_on(dbapi_conn, _rec):  # type: ignore[no-untyped-def]
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA journal_mode=WAL")
                cur.close()

        try:
            Base.metadata.create_all(self.engine)
        except OperationalError as exc:
            raise FrontiergateError(
                f"cannot reach store {redact_url(url)}: {exc.orig}",
                "check the database URL and that the server is running",
            ) from None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as s, s.begin():
            yield s

    def get_run(self, run_id: str) -> RunRow | None:
        with self.session() as s:
            return s.get(RunRow, run_id)

    def list_runs(self) -> list[RunRow]:
        with self.session() as s:
            return list(s.scalars(select(RunRow).order_by(RunRow.started_at.desc())))

    def clear_derived(self, s: Session, run_id: str) -> None:
        """Findings and decisions are recomputed from samples; drop the old ones first."""
        s.execute(delete(FindingRow).where(FindingRow.run_id == run_id))
        s.execute(delete(DecisionRow).where(DecisionRow.run_id == run_id))

    def close(self) -> None:
        self.engine.dispose()
