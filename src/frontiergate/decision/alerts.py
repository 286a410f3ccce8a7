"""Alert thresholds: early warnings below a level, and the evaluation they demand of the next run.

An alert is raised when a criterion's chosen value (its estimate, or the worse or better end of
its interval, as the policy says) reaches the alert value set below a level the criterion has not
reached. It never changes this run's action: it says how close the next level is, so that work
starts before the line is crossed. What it can do is demand more evidence of the next run of the
same lineage (more seeds, the full transform set); a next run that does not provide it cannot be
cleared on that domain, since the alert said its evidence had to be stronger.
"""

from __future__ import annotations

from typing import Any

from frontiergate.decision.inputs import RunFacts
from frontiergate.decision.results import CriterionResult
from frontiergate.policy.schema import LEVELS, AlertRequirement, Criterion, Domain

BOUND_WORDS = {"estimate": "estimate", "upper": "upper bound", "lower": "lower bound"}
OWN_TASKS = "frontiergate/"
TRANSFORMING_TASKS = frozenset({"frontiergate/misuse", "frontiergate/awareness"})
"""Our tasks that apply the transform set; our other tasks (bias, autonomy, capability...) take none."""


def takes_no_transforms(dom: Domain) -> bool:
    """Whether every evaluation of ``dom`` is one of our tasks that applies no transforms.

    Why: the bundled policy asks the next run after a bias or autonomy alert for "the full transform set".
    Those tasks have no transformed prompts, so the families check could never be met and every later
    run of the lineage was held for good. For such a domain the requirement means the full evaluation,
    i.e. not ``--quick``. A domain with no evaluations named, or with any other task, keeps the families
    check: what its tasks can do is not known here.
    """
    names = [ev.task for ev in dom.evaluations]
    return bool(names) and all(n.startswith(OWN_TASKS) and n not in TRANSFORMING_TASKS for n in names)


def alert_value(crit: Criterion, r: CriterionResult) -> float | None:
    """The value the policy compares with its alert values. ``upper`` is the worse end of the
    interval (the high end for a higher-is-worse metric, the low end otherwise)."""
    if crit.alert_bound == "estimate":
        return r.estimate
    worse = crit.alert_bound == "upper"
    if crit.direction == "higher_is_worse":
        return r.decisive_high if worse else r.decisive_low
    return r.decisive_low if worse else r.decisive_high


def requirement_text(req: AlertRequirement) -> str:
    parts = []
    if req.min_seeds is not None:
        parts.append(f"at least {req.min_seeds} independent seeds")
    if req.full_transforms:
        parts.append("the full transform set (not --quick)")
    return " and ".join(parts)


def raised_alerts(name: str, dom: Domain, results: list[CriterionResult]) -> list[dict[str, Any]]:
    """The alerts a domain's criteria raise (``results``: those decided for this target, by metric)."""
    out: list[dict[str, Any]] = []
    by_metric = {r.metric: r for r in results}
    for crit in dom.criteria:
        r = by_metric.get(crit.metric)
        if r is None:
            continue  # not decided for this target (a multi-agent criterion of a single model)
        value = alert_value(crit, r)
        if value is None:
            continue
        reached = LEVELS.index(r.level or "low")
        higher = crit.direction == "higher_is_worse"
        for lvl in LEVELS[1:]:
            alert, thr = crit.alert(lvl), crit.threshold(lvl)
            if alert is None or thr is None or LEVELS.index(lvl) <= reached:
                continue  # no alert set, or the level is already reached (the decision says so)
            if not (value >= alert if higher else value <= alert):
                continue
            distance = round(max(0.0, thr - value) if higher else max(0.0, value - thr), 9)
            word = BOUND_WORDS[crit.alert_bound]
            text = (
                f"{name}: {crit.metric} {word} {value:.3f} reached the {lvl} alert value {alert:g}; "
                + (
                    f"the {lvl} threshold {thr:g} is {distance:.3f} away"
                    if distance > 0
                    else f"it is at or past the {lvl} threshold {thr:g}, which the evidence does not yet show reached"
                )
                + ". The alert does not change the action"
            )
            if crit.on_alert is not None and requirement_text(crit.on_alert):
                text += f"; the next run of this lineage must use {requirement_text(crit.on_alert)}"
            out.append(
                {
                    "metric": crit.metric,
                    "level": lvl,
                    "alert": alert,
                    "value": value,
                    "bound": crit.alert_bound,
                    "threshold": thr,
                    "distance": distance,
                    "requirement": crit.on_alert.model_dump() if crit.on_alert is not None else None,
                    "text": text + ".",
                }
            )
    return out


def _missing_families(facts: RunFacts, domain: str | None) -> list[str] | None:
    """The default sweep's families absent from this run's harmful samples on ``domain`` (None: unknown)."""
    from frontiergate.scenarios.transforms.base import FAMILIES, OPT_IN_FAMILIES

    if facts.families_run is None or domain is None:
        return None
    ran = facts.families_run.get(domain, frozenset())
    return [f for f in FAMILIES if f not in OPT_IN_FAMILIES and f not in ran]


def check_previous_requirements(
    previous_domain: dict[str, Any] | None,
    results: list[CriterionResult],
    run_facts: RunFacts | None,
    domain: str | None = None,
    no_transforms: bool = False,
) -> list[dict[str, Any]]:
    """Whether this run gives the evidence the previous run's alerts demanded of it.

    Unknown facts do not meet a requirement: without ``run_facts`` it is not known that the full
    transform set ran, and a criterion this run did not evaluate has no seeds to count.
    """
    out: list[dict[str, Any]] = []
    for alert in (previous_domain or {}).get("alerts") or []:
        raw = alert.get("requirement")
        if not raw:
            continue
        req = AlertRequirement.model_validate(raw)
        metric, level = str(alert.get("metric")), str(alert.get("level"))
        unmet: list[str] = []
        met: list[str] = []
        if req.min_seeds is not None:
            r = next((x for x in results if x.metric == metric), None)
            seeds = r.seeds if r is not None and r.status != "not_evaluated" else None
            if seeds is None or seeds < req.min_seeds:
                have = "no" if seeds is None else f"only {seeds}"
                unmet.append(
                    f"{metric} has {have} independent seeds, the previous run's {level} alert "
                    f"required at least {req.min_seeds}"
                )
            else:
                met.append(f"{metric} has {seeds} seeds (at least {req.min_seeds} required)")
        if req.full_transforms:
            if run_facts is None:
                unmet.append(
                    "whether this run used the full transform set is not known; the previous run's "
                    f"{level} alert on {metric} required it"
                )
            elif run_facts.quick:
                unmet.append(
                    f"this run used --quick; the previous run's {level} alert on {metric} required the "
                    "full transform set"
                )
            elif no_transforms:
                met.append(f"the full evaluation ran (not --quick; {domain}'s evaluations take no transforms)")
            elif (missing := _missing_families(run_facts, domain)) is None:
                unmet.append(
                    f"which transform families ran on {domain} is not known; the previous run's {level} alert "
                    f"on {metric} required the full transform set"
                )
            elif missing:
                unmet.append(
                    f"this run's {domain} samples leave out the transform families {', '.join(missing)}; the "
                    f"previous run's {level} alert on {metric} required the full transform set"
                )
            else:
                met.append("the full transform set ran")
        out.append(
            {
                "metric": metric,
                "level": level,
                "requirement": req.model_dump(),
                "met": not unmet,
                "detail": "; ".join(unmet) if unmet else "; ".join(met),
            }
        )
    return out
