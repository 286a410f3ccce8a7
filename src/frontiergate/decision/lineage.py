"""Lineage: this model's decision against the previous model's, per domain.

A level is a coarse reading: a risk can grow a lot and stay inside one level. So besides the level
and action before and after, each domain compares its first propensity criterion (normally the
attack success rate). Where both runs answered the same items the change is paired (current minus
previous, from ``compare_targets``: exact McNemar with a seed-clustered bootstrap interval); where
they did not, it is the difference of the two headline estimates among known outcomes with a
Newcombe (hybrid score) interval, which treats samples as independent and says so. A domain whose
level stayed the same but whose change is significantly worse is flagged as *grown*.
"""

from __future__ import annotations

from typing import Any

from statsmodels.stats.proportion import confint_proportions_2indep

from frontiergate.analysis.registry import FindingData
from frontiergate.decision.inputs import PreviousRun
from frontiergate.decision.results import DomainDecision
from frontiergate.policy.schema import Criterion, Policy


def lineage_metric(policy: Policy, name: str) -> Criterion:
    """The criterion a lineage compares: the domain's first propensity one, else its first."""
    crits = [c for c in policy.domains[name].criteria if c.applies(None)] or policy.domains[name].criteria
    return next((c for c in crits if c.effective_kind == "propensity"), crits[0])


def _counts(finding: dict[str, Any] | None) -> tuple[int, int] | None:
    """(events, known outcomes) behind a headline estimate: the known-only counts where the finding
    bounds unknowns, else its k and n."""
    if not finding:
        return None
    known = (finding.get("details") or {}).get("known_only")
    if isinstance(known, dict):  # no known outcome: no estimate to compare, never "zero events"
        return (int(known["k"]), int(known["n"])) if known.get("k") is not None and known.get("n") else None
    if finding.get("k") is not None and finding.get("n"):
        return int(finding["k"]), int(finding["n"])
    return None


def unpaired_change(
    before: dict[str, Any] | None, after: dict[str, Any] | None, confidence: float
) -> tuple[float, float, float] | None:
    """(after - before, low, high) with a Newcombe interval, or None when either side has no counts."""
    a, b = _counts(after), _counts(before)
    if a is None or b is None:
        return None
    low, high = confint_proportions_2indep(
        a[0], a[1], b[0], b[1], method="newcomb", compare="diff", alpha=1 - confidence
    )
    return a[0] / a[1] - b[0] / b[1], float(low), float(high)


def _paired_change(paired: list[FindingData], domain: str, metric: str) -> FindingData | None:
    name = f"{metric}_change"
    return next(
        (f for f in paired if f.domain == domain and f.metric == name and f.slice == "all" and f.ci_low is not None),
        None,
    )


def _prev_finding(prev_domain: dict[str, Any], metric: str) -> dict[str, Any] | None:
    for c in prev_domain.get("criteria") or []:
        if c.get("metric") == metric:
            f = c.get("finding")
            return f if isinstance(f, dict) else None
    return None


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def compare_domain(policy: Policy, name: str, current: DomainDecision, previous: PreviousRun) -> dict[str, Any]:
    """One domain's entry of the lineage comparison."""
    prev = (previous.decision.get("domains") or {}).get(name) or {}
    crit = lineage_metric(policy, name)
    cur_r = current.criterion(crit.metric)
    after = cur_r.finding if cur_r is not None else None
    before = _prev_finding(prev, crit.metric)
    est_before = None if not before or before.get("estimate") is None else float(before["estimate"])
    est_after = None if not after or after.get("estimate") is None else float(after["estimate"])
    change = low = high = None
    n_pairs = None
    paired = False
    pf = _paired_change(previous.paired, name, crit.metric)
    if pf is not None and pf.estimate is not None and pf.ci_low is not None and pf.ci_high is not None:
        change, low, high, n_pairs, paired = pf.estimate, pf.ci_low, pf.ci_high, pf.n, True
    else:
        un = unpaired_change(before, after, policy.confidence)
        if un is not None:
            change, low, high = un
    level_before, level_after = prev.get("level"), current.level
    same_level = level_before is not None and level_before == level_after
    higher = crit.direction == "higher_is_worse"
    worse = low is not None and high is not None and (low > 0 if higher else high < 0)
    grew = same_level and worse
    how = f"paired over {n_pairs} item pairs" if paired else "unpaired, samples treated as independent"
    if change is None:
        text = f"{name}: {crit.metric} cannot be compared with the previous run (no estimate on one side)"
    else:
        text = (
            f"{name}: {crit.metric} {_fmt(est_before)} → {_fmt(est_after)} (change {change:+.3f}, "
            f"{int(policy.confidence * 100)}% interval [{low:+.3f}, {high:+.3f}], {how})"
        )
    if level_before != level_after:
        text += f"; level {level_before or 'none'} → {level_after or 'none'}"
    elif grew:
        text += f"; the level stayed {level_after} but the risk grew significantly within it"
    else:
        text += f"; level unchanged ({level_after or 'none'})"
    return {
        "level_before": level_before,
        "level_after": level_after,
        "action_before": prev.get("action"),
        "action_after": current.action,
        "metric": crit.metric,
        "estimate_before": est_before,
        "estimate_after": est_after,
        "change": change,
        "ci_low": low,
        "ci_high": high,
        "paired": paired,
        "n_pairs": n_pairs,
        "grew": grew,
        "text": text,
    }


def policy_changes(policy: Policy, version_before: str) -> list[dict[str, Any]]:
    """History entries after ``version_before``; all of them when that version is not in the history
    (the comparison cannot tell which changes are new, so it shows every one it knows)."""
    versions = [h.version for h in policy.history]
    if version_before == policy.version:
        return []
    start = versions.index(version_before) + 1 if version_before in versions else 0
    return [h.model_dump() for h in policy.history[start:]]


def compare_lineage(policy: Policy, domains: dict[str, DomainDecision], previous: PreviousRun) -> dict[str, Any]:
    """The top-level ``lineage`` record of a decision."""
    return {
        "previous_run": previous.run_id,
        "previous_target": previous.target,
        "policy_version_before": previous.policy_version,
        "policy_changes": policy_changes(policy, previous.policy_version),
        "domains": {n: compare_domain(policy, n, d, previous) for n, d in domains.items()},
    }
