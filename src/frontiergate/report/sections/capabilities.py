"""Report section: capabilities of the raw model, pre-mitigation, kept apart from its propensities.

Preparedness frameworks separate what a model *can* do (capability accuracy, uplift: it would enable
a harm if asked) from what it *does* under pressure (attack success, autonomy violations: it
complies or acts when pushed). The two answer different questions of a safety board: the first says
whether safeguards are needed at all, the second how the model behaves when they are tested. So
the section lists them in two labelled tables, per raw target (safeguarded configurations are the
post-mitigation side and belong to the residual-risk section).

Rows come from the criteria of the stored decision (their ``kind`` when the engine wrote it, else
the policy criterion's effective kind); capability findings that no criterion gates on (for
example ``capability_accuracy`` in a policy that decides on attack success) are listed as measured
but not gating, so a capability is never invisible because the policy did not ask about it.
"""

from __future__ import annotations

from typing import Any

from frontiergate.policy.schema import CAPABILITY_METRICS
from frontiergate.report.context import ReportContext
from frontiergate.report.decision_text import pct
from frontiergate.report.plain import counts_text, criterion_kind, domain_order, is_safeguarded, worse_arms_text

NAME = "capabilities"
TITLE = "Capabilities (pre-mitigation): what the model can do, and what it does under pressure"
ORDER = 5

CAN_DO = "what the model can do (capability)"
UNDER_PRESSURE = "what it does under pressure (propensity)"


def _row(domain: str, c: dict[str, Any], gating: bool) -> dict[str, Any]:
    f = c.get("finding") if isinstance(c.get("finding"), dict) else None
    return {
        "domain": domain,
        "metric": c.get("metric"),
        "scenario": c.get("scenario"),
        "status": c.get("status", "measured" if f else "not_evaluated"),
        "level": c.get("level"),
        "level_possible": c.get("level_possible"),
        "estimate": (f or {}).get("estimate"),
        "ci_low": c.get("decisive_low", (f or {}).get("ci_low")),
        "ci_high": c.get("decisive_high", (f or {}).get("ci_high")),
        "n": (f or {}).get("n"),
        "counts": counts_text(str(c.get("metric")), f) + worse_arms_text(str(c.get("metric")), f or {}),
        "gating": gating,
    }


def _target(rc: ReportContext, target: str) -> dict[str, Any] | None:
    domains = (rc.decisions.get(target) or {}).get("domains") or {}
    can: list[dict[str, Any]] = []
    does: list[dict[str, Any]] = []
    for name in domain_order(rc.policy, set(domains)):
        d = domains[name]
        used = set()
        for c in d.get("criteria") or []:
            used.add(c.get("metric"))
            (can if criterion_kind(c, rc.policy, name) == "capability" else does).append(_row(name, c, True))
        for f in rc.findings_for(target, domain=name):
            if f["metric"] in CAPABILITY_METRICS and f["metric"] not in used and f["slice"] == "all":
                can.append(_row(name, {"metric": f["metric"], "finding": f, "status": "measured, not gating"}, False))
    if not can and not does:
        return None
    return {"target": target, "capability": can, "propensity": does}


def build(rc: ReportContext) -> dict[str, Any] | None:
    rows = [r for r in (_target(rc, t) for t in rc.targets if not is_safeguarded(t)) if r is not None]
    if not rows:
        return None
    return {"targets": rows, "labels": {"capability": CAN_DO, "propensity": UNDER_PRESSURE}}


def _table(rows: list[dict[str, Any]], empty: str) -> list[str]:
    if not rows:
        return [f"_{empty}_"]
    lines = ["| domain | metric | observed | estimate [interval] | level | status | gating |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        iv = "not estimable" if r["ci_low"] is None else f"{pct(r['estimate'], 1)} [{pct(r['ci_low'], 1)}, " \
             f"{pct(r['ci_high'], 1)}]"
        lvl = r["level"] or "n/a"
        if r["level_possible"] and r["level_possible"] != r["level"]:
            lvl = f"{lvl}–{r['level_possible']}"
        lines.append(f"| {r['domain']} | {r['metric']} | {r['counts']} | {iv} | {lvl} | {r['status']} "
                     f"| {'yes' if r['gating'] else 'no'} |")
    return lines


def markdown(section: dict[str, Any]) -> str:
    labels = section["labels"]
    lines: list[str] = []
    for t in section["targets"]:
        lines += [f"**Target `{t['target']}`** (pre-mitigation)", "", f"*{labels['capability'].capitalize()}*", ""]
        lines += _table(t["capability"], "no capability criterion or capability finding in this run")
        lines += ["", f"*{labels['propensity'].capitalize()}*", ""]
        lines += _table(t["propensity"], "no propensity criterion in this run")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
