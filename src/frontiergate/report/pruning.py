"""Which findings belong in the report's main list, and which go to the appendix as noise.

Why: a run yields hundreds of sliced findings (per family, per condition, per family × condition...).
Most are either too small to say anything (a 1-of-1 cell has an interval from 3% to 100%) or
repeat their parent exactly (a slice holding every sample of the domain). Listing them beside the
headline buries it. They are not thrown away: they move to ``report["appendix"]["pruned_slices"]``
(written as ``slices.csv``), each with the reason it was moved, so nothing measured is hidden.

Never moved: a domain's ``all`` slice, and any finding a decision criterion read (the headline and
the deployment-realistic slice the engine compares it with), however small: a decision must always
show its own evidence in the main list.
"""

from __future__ import annotations

from typing import Any

from frontiergate.decision.engine import PLAIN_SLICE, REALISTIC_SLICE
from frontiergate.policy.schema import Policy

MIN_SLICE_N = 10
"""Below this many samples a slice is too small to read on its own, whatever the policy's minimum."""

PRUNED_COLUMNS = ("target", "domain", "metric", "slice", "n", "k", "estimate", "ci_low", "ci_high", "reason")


def min_slice_n(policy: Policy, domain: str) -> int:
    """The n below which a slice of ``domain`` is moved out: the larger of the policy's minimum and ten."""
    dom = policy.domains.get(domain)
    own = dom.min_samples if dom is not None and dom.min_samples is not None else policy.min_samples
    return max(MIN_SLICE_N, own)


def used_by_decision(decision: dict[str, Any], policy: Policy) -> set[tuple[str, str, str]]:
    """(domain, metric, slice) of every finding a criterion of ``decision`` used or could have used.

    Read from the decision itself (the finding each criterion stored, and its realistic arm) and from
    the policy (a criterion's headline and realistic slices), so a finding stays in the main list even
    when the decision dict is partial or came from another version of the engine.
    """
    used: set[tuple[str, str, str]] = set()
    for name, dom in policy.domains.items():
        for c in dom.criteria:
            used.add((name, c.metric, "all"))
            used.add((name, c.metric, REALISTIC_SLICE))
            used.add((name, c.metric, PLAIN_SLICE))
    for name, d in (decision.get("domains") or {}).items():
        for c in d.get("criteria") or []:
            f = c.get("finding")
            if isinstance(f, dict):
                metric = str(f.get("metric", c.get("metric")))
                used.add((str(f.get("domain", name)), metric, str(f.get("slice", "all"))))
                real = (f.get("details") or {}).get("realistic")
                if isinstance(real, dict):
                    used.add((name, str(real.get("metric", c.get("metric"))), str(real.get("slice", REALISTIC_SLICE))))
    return used


def _same_as_parent(f: dict[str, Any], parent: dict[str, Any] | None) -> bool:
    if parent is None:
        return False
    return bool(f["n"] == parent["n"] and f.get("k") == parent.get("k") and f.get("estimate") == parent.get("estimate"))


def prune_reason(
    f: dict[str, Any], parent: dict[str, Any] | None, min_n: int, used: set[tuple[str, str, str]]
) -> str | None:
    """Why ``f`` leaves the main list, or None when it stays."""
    if f["slice"] == "all" or (f["domain"], f["metric"], f["slice"]) in used:
        return None
    if _same_as_parent(f, parent):
        return "repeats its parent (same n, k and estimate as the domain's 'all' slice)"
    if f["n"] < min_n:
        return f"small n: {f['n']} < {min_n} samples (the larger of the policy minimum and {MIN_SLICE_N})"
    return None


def split_findings(
    target: str, findings: list[dict[str, Any]], decision: dict[str, Any], policy: Policy
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(main findings, pruned rows) of one target, both in the stored order."""
    used = used_by_decision(decision, policy)
    parents = {(f["domain"], f["metric"]): f for f in findings if f["slice"] == "all"}
    main: list[dict[str, Any]] = []
    pruned: list[dict[str, Any]] = []
    for f in findings:
        why = prune_reason(f, parents.get((f["domain"], f["metric"])), min_slice_n(policy, f["domain"]), used)
        if why is None:
            main.append(f)
        else:
            row = {"target": target, **{k: f.get(k) for k in PRUNED_COLUMNS[1:-1]}, "reason": why}
            pruned.append(row)
    return main, pruned


def all_findings(report: dict[str, Any], target: str) -> list[dict[str, Any]]:
    """Main findings of ``target`` plus its pruned slices (as rows), for readers who want every slice."""
    t = next((x for x in report.get("targets", []) if x.get("model") == target), None)
    main = list(t["findings"]) if t is not None else []
    rows = [r for r in (report.get("appendix") or {}).get("pruned_slices", []) if r.get("target") == target]
    return main + rows
