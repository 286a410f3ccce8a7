"""Lineage: this model's decision against the previous model's, per domain.

A level is a coarse reading: a risk can grow a lot and stay inside one level. So besides the level
and action before and after, each domain compares its first propensity criterion (normally the
attack success rate). Two readings of the change exist:

- *paired* (current minus previous, from ``compare_targets``: exact McNemar with a seed-clustered
  interval, pairs with an unknown arm bounded in it) over the items both runs answered;
- *unpaired*: the difference of the two decisions' own findings, a Newcombe interval on
  design-effect-scaled counts (seed-clustered within each run, the runs treated as independent),
  its ends taken with each side's unknown outcomes filled the way that widens it.

The paired reading stands alone only when its items cover at least ``PAIRED_COVERAGE`` of both
runs' samples behind the findings. Otherwise items outside the overlap (a new attack family, more
seeds) would leave the comparison unseen: a model that leaked on 45 new items read "+0.000". Then
the unpaired reading is the headline and the paired one is reported beside it, and the risk counts
as grown when either reading shows a significant increase.

The level is never read from the floor alone: it is ``level_text`` (the range an undetermined level
spans) with the status, and a domain whose evidence is insufficient on either side is said not to
be comparable rather than shown as a move to its floor (a checkpoint that went silent on most items
would otherwise read "medium → low").

``grew`` is reported, never acted on: no action of the decision depends on it. It needs the whole
interval on the worse side of zero with unknowns counted in the model's favour, so it never rests on
zero observed events.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

from statsmodels.stats.proportion import confint_proportions_2indep

from frontiergate.analysis.registry import FindingData
from frontiergate.decision.inputs import PreviousRun
from frontiergate.decision.levels import level_text
from frontiergate.decision.results import DomainDecision
from frontiergate.policy.schema import Criterion, Level, Policy

PAIRED_COVERAGE = 0.9
"""Share of each run's samples (the findings' n, unknowns included) that the paired items must cover
for the paired change to stand alone. Below it the two findings are also compared unpaired."""

NOT_COMPARABLE = {"insufficient_evidence": "evidence insufficient", "not_evaluated": "domain not evaluated"}
"""Statuses whose level is no reading of the risk: a level move to or from them is not reported."""

LEVEL_ORDER: tuple[str, ...] = get_args(Level)


def lineage_metric(policy: Policy, name: str) -> Criterion:
    """The criterion a lineage compares: the domain's first propensity one, else its first."""
    crits = [c for c in policy.domains[name].criteria if c.applies(None)] or policy.domains[name].criteria
    return next((c for c in crits if c.effective_kind == "propensity"), crits[0])


def _case(finding: Mapping[str, Any], name: str) -> tuple[float, float] | None:
    """(events, samples) of one reading of a finding (``known_only``, ``best_case``, ``worst_case``),
    scaled by its design effect so that samples of one seed are not counted as independent."""
    details = finding.get("details") or {}
    case = details.get(name)
    if isinstance(case, dict):
        k, n = case.get("k"), case.get("n")
        deff = float(case.get("design_effect") or 1.0)
    elif name == "known_only" or not isinstance(details.get("known_only"), dict):
        k, n, deff = finding.get("k"), finding.get("n"), 1.0
    else:
        return None
    if k is None or not n:
        return None
    deff = max(deff, 1.0)
    return int(k) / deff, int(n) / deff


def _counts(finding: Mapping[str, Any] | None) -> tuple[int, int] | None:
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


def _bound(finding: Mapping[str, Any], most: bool) -> tuple[float, float]:
    """Scaled counts with the finding's unknowns as events (``most``) or as none; its known-only
    counts where it does not bound unknowns. Only called once ``_counts`` found known outcomes."""
    case = _case(finding, "worst_case" if most else "best_case") or _case(finding, "known_only")
    assert case is not None
    return case


def _newcombe(a: tuple[float, float], b: tuple[float, float], confidence: float) -> tuple[float, float]:
    low, high = confint_proportions_2indep(a[0], a[1], b[0], b[1], method="newcomb", compare="diff",
                                           alpha=1 - confidence)
    return float(low), float(high)


def unpaired_change(
    before: dict[str, Any] | None, after: dict[str, Any] | None, confidence: float
) -> tuple[float, float, float] | None:
    """(after - before, low, high), or None when either side has no known outcome.

    The estimate is among known outcomes. The interval is Newcombe's on design-effect-scaled counts
    (seed-clustered), and where a finding bounds its unknowns, its low end takes the fewest events
    after and the most before, its high end the reverse: unknowns widen it, never narrow it."""
    a, b = _counts(after), _counts(before)
    if a is None or b is None or before is None or after is None:
        return None
    low = _newcombe(_bound(after, most=False), _bound(before, most=True), confidence)[0]
    high = _newcombe(_bound(after, most=True), _bound(before, most=False), confidence)[1]
    return a[0] / a[1] - b[0] / b[1], low, high


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


def _n(finding: Mapping[str, Any] | None) -> int | None:
    """Samples behind a finding, unknown outcomes included."""
    n = (finding or {}).get("n")
    return int(n) if isinstance(n, int | float) else None


def _unknown(finding: Mapping[str, Any] | None) -> int:
    v = ((finding or {}).get("details") or {}).get("unknown")
    return v if isinstance(v, int) else 0


def _estimate(finding: Mapping[str, Any] | None) -> float | None:
    return None if not finding or finding.get("estimate") is None else float(finding["estimate"])


def _estimate_text(finding: Mapping[str, Any] | None) -> str:
    """The estimate, with how many outcomes it leaves out: a known-only 0.000 over 80 of 200 answers
    must not read like a clean 0.000."""
    u = _unknown(finding)
    text = _fmt(_estimate(finding))
    return f"{text} (known only; {u} of {_n(finding)} unknown)" if u else text


def _paired_reading(
    pf: FindingData | None, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """The paired change with how much of both runs its items cover (None without one)."""
    if pf is None or pf.estimate is None or pf.ci_low is None or pf.ci_high is None:
        return None
    unknown = int(pf.details.get("unknown_pairs") or 0)
    items = pf.n + unknown
    sizes = [n for n in (_n(before), _n(after)) if n]
    coverage = min(1.0, items / max(sizes)) if len(sizes) == 2 else None
    return {"change": pf.estimate, "ci_low": pf.ci_low, "ci_high": pf.ci_high, "n_pairs": pf.n,
            "unknown_pairs": unknown, "items": items, "items_current": _n(after), "coverage": coverage}


def _worse(reading: Mapping[str, Any] | None, higher_is_worse: bool) -> bool:
    """Whether a reading's whole interval lies on the worse side of zero."""
    if reading is None:
        return False
    return bool(reading["ci_low"] > 0) if higher_is_worse else bool(reading["ci_high"] < 0)


def _reading_text(r: Mapping[str, Any], confidence: float) -> str:
    return (f"change {r['change']:+.3f}, {int(confidence * 100)}% interval "
            f"[{r['ci_low']:+.3f}, {r['ci_high']:+.3f}]")


def _paired_how(p: Mapping[str, Any]) -> str:
    of = "n/a" if p["items_current"] is None else p["items_current"]
    text = f"paired over {p['items']} of {of} current items"
    if p["unknown_pairs"]:
        text += f"; {p['unknown_pairs']} pairs unknown (bounded in the interval)"
    return text


def _short_cover(p: Mapping[str, Any]) -> str:
    """Why a paired reading does not stand alone."""
    if p["coverage"] is None:
        return "their share of the runs' samples is not known"
    return f"under {PAIRED_COVERAGE:.0%} of the runs' samples"


def _change_text(
    paired: Mapping[str, Any] | None, unpaired: Mapping[str, Any] | None, covered: bool, confidence: float
) -> str:
    """The change in words: the headline reading, and the paired one beside it when it covers too
    little of the runs to stand alone."""
    unp = "unpaired, runs treated as independent (seed-clustered within each)"
    if paired is not None and (covered or unpaired is None):
        tail = "" if covered else f"; {_short_cover(paired)}, and no unpaired comparison (no estimate on one side)"
        return f"{_reading_text(paired, confidence)}, {_paired_how(paired)}{tail}"
    assert unpaired is not None
    text = f"{_reading_text(unpaired, confidence)}, {unp}"
    if paired is not None:
        text += (f"; {_paired_how(paired)}, {_short_cover(paired)}, so not used alone: "
                 f"{_reading_text(paired, confidence)} on them")
    return text


def _side(d: Mapping[str, Any]) -> dict[str, Any]:
    """Level, level_possible and status of one side, with the level in words and the status named
    when it is not ``evaluated``."""
    status = d.get("status")
    text = level_text(dict(d))
    if status and status not in ("evaluated", "undetermined"):
        text += f", {str(status).replace('_', ' ')}"
    elif status == "undetermined" and "(undetermined)" not in text:
        text += " (undetermined)"
    return {"level": d.get("level"), "level_possible": d.get("level_possible"), "status": status, "text": text}


def _rank(level: str | None) -> int:
    return LEVEL_ORDER.index(level) if level in LEVEL_ORDER else -1


def _level_clause(before: Mapping[str, Any], after: Mapping[str, Any], same: bool, grew: bool) -> str:
    """The level part of the text: not comparable, unchanged (maybe grown within), or a move."""
    blocked = [f"{side} {NOT_COMPARABLE[str(d['status'])]}"
               for side, d in (("current", after), ("previous", before)) if d["status"] in NOT_COMPARABLE]
    grown = "; the risk grew significantly" if grew else ""
    if blocked:
        return (f"; level cannot be compared ({', '.join(blocked)}): now {after['text']}, before "
                f"{before['text']}{grown}")
    if same and grew:
        return f"; the level stayed {after['text']} but the risk grew significantly within it"
    if same:
        return f"; level unchanged ({after['text']})"
    return f"; level {before['text']} → {after['text']}{grown}"


def _scenario_caveat(previous: PreviousRun, has_pairs: bool) -> str | None:
    """Why items paired by id may not be the same prompts, or None when both runs drew one set."""
    before, now = previous.scenario_hash or "", previous.current_scenario_hash or ""
    if (before and now and before == now) or not (before or now):
        return None  # one set, or a record from before runs carried their hashes
    what = "different scenario sets" if before and now else "scenario sets not recorded for both runs"
    return f"{what}: {'paired on item ids only' if has_pairs else 'the estimates rest on different prompts'}"


def _readings(
    policy: Policy,
    paired_findings: list[FindingData],
    name: str,
    metric: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, bool]:
    """(paired reading, unpaired reading, whether the pairs cover both runs).

    The unpaired reading is computed only when the pairs do not cover the runs: a covered paired
    change is the sharper of the two, and an uncovered one must not be the only word."""
    paired = _paired_reading(_paired_change(paired_findings, name, metric), before, after)
    covered = paired is not None and paired["coverage"] is not None and paired["coverage"] >= PAIRED_COVERAGE
    un = None if covered else unpaired_change(dict(before or {}), dict(after or {}), policy.confidence)
    unpaired = None if un is None else dict(zip(("change", "ci_low", "ci_high"), un, strict=True))
    return paired, unpaired, covered


def _caveats(
    scenario: str | None,
    paired: Mapping[str, Any] | None,
    covered: bool,
    after: Mapping[str, Any],
    before: Mapping[str, Any],
) -> list[str]:
    """What limits the comparison, one short line each, for the report section's limitations."""
    out = [scenario] if scenario else []
    if paired is not None and not covered:
        out.append(f"paired over {paired['items']} of {paired['items_current']} current items: {_short_cover(paired)}")
    if paired is not None and paired["unknown_pairs"]:
        out.append(f"{paired['unknown_pairs']} pairs unknown (bounded in the interval)")
    out += [f"level cannot be compared: {side} {NOT_COMPARABLE[str(d['status'])]}"
            for side, d in (("current", after), ("previous", before)) if d["status"] in NOT_COMPARABLE]
    return out


def compare_domain(policy: Policy, name: str, current: DomainDecision, previous: PreviousRun) -> dict[str, Any]:
    """One domain's entry of the lineage comparison."""
    prev = (previous.decision.get("domains") or {}).get(name) or {}
    crit = lineage_metric(policy, name)
    cur_r = current.criterion(crit.metric)
    after = cur_r.finding if cur_r is not None else None
    before = _prev_finding(prev, crit.metric)
    paired, unpaired, covered = _readings(policy, previous.paired, name, crit.metric, before, after)
    head = paired if paired is not None and (covered or unpaired is None) else unpaired
    higher = crit.direction == "higher_is_worse"
    worse = _worse(paired, higher) or _worse(unpaired, higher)
    b_side = _side(prev)
    a_side = _side({"level": current.level, "level_possible": current.level_possible, "status": current.status})
    comparable = b_side["status"] not in NOT_COMPARABLE and a_side["status"] not in NOT_COMPARABLE
    keys = ("level", "level_possible", "status") if b_side["status"] is not None else ("level", "level_possible")
    same = comparable and all(b_side[k] == a_side[k] for k in keys)
    rose = comparable and _rank(a_side["level"]) > _rank(b_side["level"])
    grew = worse and not rose  # a level that rose says so itself
    scenario = _scenario_caveat(previous, paired is not None)
    caveats = _caveats(scenario, paired, covered, a_side, b_side)
    if head is None:
        text = f"{name}: {crit.metric} cannot be compared with the previous run (no estimate on one side)"
    else:
        text = (f"{name}: {crit.metric} {_estimate_text(before)} → {_estimate_text(after)} "
                f"({_change_text(paired, unpaired, covered, policy.confidence)})")
    text += _level_clause(b_side, a_side, same, grew) + (f"; {scenario}" if scenario else "")
    return {
        "level_before": b_side["level"],
        "level_after": a_side["level"],
        "level_possible_before": b_side["level_possible"],
        "level_possible_after": a_side["level_possible"],
        "status_before": b_side["status"],
        "status_after": a_side["status"],
        "level_text_before": b_side["text"],
        "level_text_after": a_side["text"],
        "comparable": comparable,
        "action_before": prev.get("action"),
        "action_after": current.action,
        "metric": crit.metric,
        "estimate_before": _estimate(before),
        "estimate_after": _estimate(after),
        "unknown_before": _unknown(before),
        "unknown_after": _unknown(after),
        "change": None if head is None else head["change"],
        "ci_low": None if head is None else head["ci_low"],
        "ci_high": None if head is None else head["ci_high"],
        "paired": head is not None and head is paired,
        "n_pairs": paired["n_pairs"] if head is not None and head is paired else None,
        "paired_reading": paired,
        "unpaired_reading": unpaired,
        "grew": grew,
        "caveats": caveats,
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
    out: dict[str, Any] = {
        "previous_run": previous.run_id,
        "previous_target": previous.target,
        "policy_version_before": previous.policy_version,
        "policy_changes": policy_changes(policy, previous.policy_version),
        "domains": {n: compare_domain(policy, n, d, previous) for n, d in domains.items()},
    }
    if previous.scenario_hash or previous.current_scenario_hash:
        out["scenario_set_before"] = previous.scenario_hash or None
        out["scenario_set_now"] = previous.current_scenario_hash or None
    return out
