"""Report section: early-warning alerts, and whether the previous run's alert requirements were met.

An alert threshold sits on the safe side of a level's threshold: reaching it changes no action,
but it tells the safety board that work should start before the line is crossed. Per domain the
section lists every raised alert with the value that raised it, the distance to the level's
threshold and what the next run of the lineage must do (more seeds, the full transform set), then
the requirements the previous run set for this one, met or unmet (an unmet one holds the domain at
insufficient evidence; the decision says so).

Read from the stored decision (``domains[d]["alerts"]``, ``["previous_alert_requirements"]``).
When the policy sets alert thresholds but none was reached, the section says how many were checked,
so "no alert" is distinguishable from "alerts not configured".
"""

from __future__ import annotations

from typing import Any

from frontiergate.report.context import ReportContext
from frontiergate.report.plain import domain_order

NAME = "alerts"
TITLE = "Alerts: early warnings below the thresholds"
ORDER = 12


def requirement_text(req: Any) -> str:
    """``the next run needs at least 20 seeds and the full transform set`` (or ``none``)."""
    if not isinstance(req, dict):
        return "none"
    parts = []
    if req.get("min_seeds"):
        parts.append(f"at least {req['min_seeds']} seeds")
    if req.get("full_transforms"):
        parts.append("the full transform set (not --quick)")
    return "the next run of this lineage needs " + " and ".join(parts) if parts else "none"


def _alert(a: dict[str, Any]) -> dict[str, Any]:
    return {
        "metric": a.get("metric"), "level": a.get("level"), "alert": a.get("alert"), "value": a.get("value"),
        "bound": a.get("bound"), "threshold": a.get("threshold"), "distance": a.get("distance"),
        "requirement": a.get("requirement"), "requirement_text": requirement_text(a.get("requirement")),
        "text": a.get("text") or "",
    }


def _configured(rc: ReportContext) -> int:
    return sum(len(c.alerts) for d in rc.policy.domains.values() for c in d.criteria)


def build(rc: ReportContext) -> dict[str, Any] | None:
    targets: list[dict[str, Any]] = []
    for t in rc.targets:
        doms = (rc.decisions.get(t) or {}).get("domains") or {}
        rows: list[dict[str, Any]] = []
        for name in domain_order(rc.policy, set(doms)):
            d = doms[name]
            raised = [_alert(a) for a in d.get("alerts") or [] if isinstance(a, dict)]
            prev = [
                {"metric": r.get("metric"), "level": r.get("level"), "met": bool(r.get("met")),
                 "requirement_text": requirement_text(r.get("requirement")), "detail": r.get("detail") or ""}
                for r in d.get("previous_alert_requirements") or [] if isinstance(r, dict)
            ]
            if raised or prev:
                rows.append({"domain": name, "raised": raised, "previous_requirements": prev})
        targets.append({"target": t, "domains": rows})
    configured = _configured(rc)
    if configured == 0 and not any(t["domains"] for t in targets):
        return None
    unmet = [f"alerts [{t['target']}]: {d['domain']}: the previous run's requirement for {r['metric']} was not "
             f"met ({r['detail'] or r['requirement_text']})"
             for t in targets for d in t["domains"] for r in d["previous_requirements"] if not r["met"]]
    return {"configured": configured, "targets": targets, "limitations": unmet}


def _num(x: Any) -> str:
    return "n/a" if not isinstance(x, int | float) else f"{x:.3f}"


def markdown(section: dict[str, Any]) -> str:
    lines = [f"Alert thresholds set by the policy: {section['configured']}. An alert changes no action; it "
             "names the distance to the level and what the next run must do.", ""]
    for t in section["targets"]:
        if not t["domains"]:
            lines += [f"- `{t['target']}`: no alert raised.", ""]
            continue
        lines += [f"**Target `{t['target']}`**", "",
                  "| domain | metric | level | alert at | value (bound) | threshold | distance | next run needs |",
                  "|---|---|---|---|---|---|---|---|"]
        for d in t["domains"]:
            for a in d["raised"]:
                lines.append(f"| {d['domain']} | {a['metric']} | {a['level']} | {_num(a['alert'])} | "
                             f"{_num(a['value'])} ({a['bound'] or 'n/a'}) | {_num(a['threshold'])} | "
                             f"{_num(a['distance'])} | {a['requirement_text']} |")
        lines.append("")
        for d in t["domains"]:
            for r in d["previous_requirements"]:
                state = "met" if r["met"] else "**NOT MET**"
                lines.append(f"- {d['domain']}: previous run's requirement for {r['metric']} ({r['requirement_text']})"
                             f": {state}{': ' + r['detail'] if r['detail'] else ''}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
