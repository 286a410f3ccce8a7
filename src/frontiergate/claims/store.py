"""Read a run's findings from the store in the shape claims are checked against."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from frontiergate.errors import RunError
from frontiergate.store.db import Store
from frontiergate.store.models import FindingRow


def findings_of_run(store: Store, run_id: str) -> dict[str, list[dict[str, Any]]]:
    """target -> finding dicts of ``run_id``; an unknown run is a user error."""
    if store.get_run(run_id) is None:
        known = ", ".join(r.id for r in store.list_runs()[:5]) or "none"
        raise RunError(
            f"no run '{run_id}' in the store", f"pass a stored run id (recent: {known}) or --store/--runs-dir"
        )
    out: dict[str, list[dict[str, Any]]] = {}
    with store.session() as s:
        for r in s.scalars(select(FindingRow).where(FindingRow.run_id == run_id).order_by(FindingRow.id)):
            out.setdefault(r.target, []).append(
                {
                    "domain": r.domain,
                    "metric": r.metric,
                    "slice": r.slice,
                    "n": r.n,
                    "k": r.k,
                    "estimate": r.estimate,
                    "ci_low": r.ci_low,
                    "ci_high": r.ci_high,
                    "test": r.test,
                    "p_value": r.p_value,
                    "details": dict(r.details or {}),
                }
            )
    return out
