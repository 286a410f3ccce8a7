"""Find a run from what a user types: its id, or its directory, plus an optional store URL.

Shared by ``report``, ``verify``, ``compare``, ``runs`` and ``serve`` so that every command accepts
the same arguments and fails with the same clear message.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from frontiergate.errors import RunError
from frontiergate.store.db import Store, default_store_url, redact_url


@dataclass
class LocatedRun:
    store: Store
    run_id: str
    run_dir: Path


def open_store(store_url: str | None, runs_dir: Path | None, run_dir: Path | None = None) -> Store:
    """--store, else $FRONTIERGATE_STORE, else the SQLite file in --runs-dir (or beside the run directory)."""
    if store_url:
        return Store(store_url)
    if os.environ.get("FRONTIERGATE_STORE"):
        return Store(os.environ["FRONTIERGATE_STORE"])
    if runs_dir is None and run_dir is not None and (run_dir.parent / "frontiergate.db").is_file():
        runs_dir = run_dir.parent
    return Store(default_store_url(runs_dir or Path("runs")))


def locate_run(ref: str, store_url: str | None = None, runs_dir: Path | None = None) -> LocatedRun:
    as_dir = Path(ref)
    run_id = ref
    run_dir: Path | None = None
    if as_dir.is_dir() and (as_dir / "run.json").is_file():
        run_dir = as_dir.resolve()
        run_id = str(json.loads((as_dir / "run.json").read_text(encoding="utf-8"))["run_id"])
    store = open_store(store_url, runs_dir, run_dir)
    row = store.get_run(run_id)
    if row is None:
        recent = ", ".join(r.id for r in store.list_runs()[:5]) or "none"
        raise RunError(
            f"no run '{run_id}' in store {redact_url(store.url)}",
            f"pass a run id from `frontiergate runs` (recent: {recent}), a run directory, "
            "or the --store/--runs-dir the run used",
        )
    return LocatedRun(store, run_id, run_dir or Path(row.out_dir))
