"""Lineage: which earlier run this run is compared with, and which of its targets with which.

A lab evaluates successive versions of a model under one lineage name (the policy's ``lineage``),
or names the run to compare with (``--previous RUN_ID``). The previous run is resolved once, when
the run starts, and stored in its options: a resume or a recomputed decision then compares with the
same run, even after later runs of the lineage have finished.

Only a finished run (status ``complete``) is a baseline: an interrupted one holds partial evidence,
and a decision that its risk "did not grow" against partial evidence would read too kindly.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from sqlalchemy import select

from frontiergate.analysis.context import AnalysisContext
from frontiergate.analysis.load import load_contexts
from frontiergate.analysis.paired_targets import compare_targets
from frontiergate.decision.inputs import PreviousRun
from frontiergate.errors import RunError
from frontiergate.pipeline.safeguards import is_safeguarded, safeguarded_target
from frontiergate.policy.schema import Policy
from frontiergate.store.db import Store
from frontiergate.store.models import DecisionRow, RunRow

log = logging.getLogger(__name__)

FINISHED = "complete"


def _recent(store: Store) -> str:
    return ", ".join([r.id for r in store.list_runs() if r.status == FINISHED][:5]) or "none"


def resolve_previous(store: Store, previous: str | None, lineage: str | None) -> tuple[str | None, str | None]:
    """(previous run id, how it was chosen) for a new run; (None, None) when there is none.

    ``previous`` (``--previous``) must name a finished run of ``store``: a usage error otherwise.
    Without it, the latest finished run whose options name the same ``lineage`` is taken.
    """
    if previous:
        row = store.get_run(previous)
        if row is None:
            raise RunError(
                f"--previous: no run '{previous}' in store {store.url.split('@')[-1]}",
                f"pass a finished run id from `frontiergate runs` (recent: {_recent(store)}) or the same --store",
            )
        if row.status != FINISHED:
            raise RunError(
                f"--previous: run '{previous}' is {row.status}, not finished",
                f"finish it first (frontiergate run --resume {previous}) or pass a finished run",
            )
        return previous, "--previous"
    if not lineage:
        return None, None
    runs = [r for r in store.list_runs() if r.status == FINISHED and (r.options or {}).get("lineage") == lineage]
    if not runs:
        return None, None
    latest = max(runs, key=lambda r: (r.finished_at or r.started_at, r.started_at))
    return latest.id, f"lineage {lineage}"


def primary(targets: Sequence[str]) -> str | None:
    """The run's main model: its first target that is not a safeguarded configuration."""
    return next((t for t in targets if not is_safeguarded(t)), None)


def pair_targets(previous: Sequence[str], current: Sequence[str]) -> dict[str, str]:
    """Current target → previous target it is compared with.

    A target evaluated in both runs is paired with itself; otherwise the primary (raw) model of
    this run with the previous run's, and its safeguarded configuration with the previous one's
    when both runs have one. Other targets have no predecessor.
    """
    out = {t: t for t in current if t in previous}
    cur, prev = primary(current), primary(previous)
    if cur is None or prev is None:
        return out
    used = set(out.values())
    if cur not in out and prev not in used:
        out[cur] = prev
        used.add(prev)
    cur_s, prev_s = safeguarded_target(cur), safeguarded_target(prev)
    if cur_s in current and prev_s in previous and cur_s not in out and prev_s not in used:
        out[cur_s] = prev_s
    return out


def paired_domains(policy: Policy, a: AnalysisContext, b: AnalysisContext) -> list[str]:
    """The policy's domains (in its order) that both contexts have samples of."""
    return [d for d in policy.domains if a.for_domain(d) and b.for_domain(d)]


def _stored_decisions(store: Store, run_id: str) -> dict[str, dict[str, Any]]:
    """Per target, the run's stored decision in ``decide()``'s shape (overall and domains)."""
    out: dict[str, dict[str, Any]] = {}
    with store.session() as s:
        for row in s.scalars(select(DecisionRow).where(DecisionRow.run_id == run_id).order_by(DecisionRow.id)):
            dec = out.setdefault(row.target, {"overall": {}, "domains": {}})
            details = dict(row.details or {})
            if row.domain == "_overall":
                details.pop("lineage", None)  # its own comparison is no part of what it decided
                dec["overall"] = details
            else:
                dec["domains"][row.domain] = details
    return out


def _policy_version(run: RunRow) -> str:
    try:
        data = yaml.safe_load(run.policy_text) or {}
    except yaml.YAMLError:
        return "unknown"
    return str(data.get("version", "1")) if isinstance(data, dict) else "unknown"


def _current_scenario_hash(store: Store, current: Mapping[str, AnalysisContext]) -> str | None:
    """This run's scenario set hash, read from its run record (None when the lineage store does not
    hold this run or the contexts come from more than one run)."""
    ids = {c.run_id for c in current.values()}
    if len(ids) != 1:
        return None
    row = store.get_run(next(iter(ids)))
    return (row.scenario_hash or None) if row is not None else None


def previous_runs(
    store: Store,
    previous_id: str | None,
    current: Mapping[str, AnalysisContext],
    targets: Sequence[str],
    policy: Policy,
    current_scenario_hash: str | None = None,
) -> dict[str, PreviousRun]:
    """Per current target, the previous run's matching target with its decision, its scenario set
    hash and the paired change (current minus previous) on the items both runs answered.

    Pairing is by item id; the two scenario set hashes travel with the record so
    that the comparison can say when the ids may name different prompts. ``current_scenario_hash``
    defaults to this run's record in ``store``."""
    if not previous_id:
        return {}
    row = store.get_run(previous_id)
    if row is None:
        log.warning("previous run %s is not in this store: no lineage comparison", previous_id)
        return {}
    decisions = _stored_decisions(store, previous_id)
    prev_ctxs = load_contexts(store, previous_id, policy.confidence)
    version = _policy_version(row)
    now_hash = current_scenario_hash or _current_scenario_hash(store, current)
    out: dict[str, PreviousRun] = {}
    for cur, prev in pair_targets(list(row.targets), list(targets)).items():
        if prev not in decisions:
            continue
        ca, cb = prev_ctxs.get(prev), current.get(cur)
        paired = (compare_targets(ca, cb, paired_domains(policy, ca, cb), policy.seed_floor)
                  if ca is not None and cb is not None else [])
        out[cur] = PreviousRun(
            run_id=previous_id, target=prev, decision=decisions[prev], policy_version=version, paired=paired,
            scenario_hash=row.scenario_hash or None, current_scenario_hash=now_hash,
        )
    return out
