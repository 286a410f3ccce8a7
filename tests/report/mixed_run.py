"""One mixed run (two scripted targets, several attack families) shared by the report and dashboard tests.

``scripted/comply`` is the baseline and ``scripted/refuse`` the candidate, so every report section
that needs two targets (before/after) has data. Running the pipeline once per session keeps the
non-slow tests fast; tests that tamper with files restore them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from frontiergate.pipeline.run import RunOptions, start_run
from frontiergate.report.write import write_reports
from frontiergate.store.db import Store
from frontiergate.store.models import RunRow

POLICY = Path(__file__).parent / "data" / "mixed_policy.yaml"
BASELINE, CANDIDATE = "scripted/comply", "scripted/refuse"


@dataclass
class MixedRun:
    run_id: str
    run_dir: Path
    runs_dir: Path
    store_url: str

    def store(self) -> Store:
        return Store(self.store_url)


def make_mixed_run(base: Path) -> MixedRun:
    runs_dir = base / "runs"
    res = start_run(
        RunOptions(
            targets=[BASELINE, CANDIDATE],
            roles={BASELINE: "baseline", CANDIDATE: "candidate"},
            policy_path=str(POLICY),
            display="none",
            runs_dir=str(runs_dir),
        )
    )
    store = Store(res.store_url)
    # What `frontiergate run --baseline A --candidate B` means; the before/after section reads these options.
    with store.session() as s:
        run = s.get(RunRow, res.run_id)
        assert run is not None
        run.options = {**run.options, "baseline": BASELINE, "candidate": CANDIDATE}
    write_reports(store, res.run_id, res.out_dir)
    return MixedRun(res.run_id, res.out_dir.resolve(), runs_dir, res.store_url)
