"""Report section: comparison with the previous run of this model lineage.

A level can stay the same while the risk behind it grows (an attack-success rate from 5% to 30%
under a 40% line); a safety board needs to see that before the next checkpoint crosses the line.
Per domain the section shows the level and action before and after, the change in the deciding
metric with its interval (paired on items where both runs answered the same ones, unpaired
otherwise, and said which), and a flag on every domain whose risk grew. The level is shown as the
range it is undetermined over with its status, never as its floor alone; each comparison's caveats
(scenario sets that differ, pairs covering too little of the runs, unknown pairs, a level that cannot
be compared) are listed under it and among the limitations. It also lists the policy
versions approved since the previous run, since a changed rule can move a level as much as a
changed model.

Read from the stored decision (``decisions[target]["overall"]["lineage"]``); a target without a
previous run has no lineage and no rows.
"""

from __future__ import annotations

from typing import Any

from frontiergate.report.context import ReportContext
from frontiergate.report.plain import domain_order

NAME = "lineage"
TITLE = "Comparison with the previous run"
ORDER = 18


def _row(name: str, d: dict[str, Any]) -> dict[str, Any]:
    keys = ("level_before", "level_after", "action_before", "action_after", "metric", "estimate_before",
            "estimate_after", "change", "ci_low", "ci_high", "n_pairs", "unknown_before", "unknown_after")
    return {"domain": name, **{k: d.get(k) for k in keys}, "paired": bool(d.get("paired")),
            "level_text_before": d.get("level_text_before") or d.get("level_before"),
            "level_text_after": d.get("level_text_after") or d.get("level_after"),
            "paired_reading": d.get("paired_reading") if isinstance(d.get("paired_reading"), dict) else None,
            "caveats": [str(c) for c in d.get("caveats") or []],
            "grew": bool(d.get("grew")), "text": d.get("text") or ""}


def _limitations(t: dict[str, Any]) -> list[str]:
    """A target's lineage limitations: risk that grew, then each comparison's caveats (a different
    scenario set, pairs that cover too little, unknown pairs, a level that cannot be compared), so a
    reader of the limitations alone does not take the comparison for a clean one."""
    head = f"lineage [{t['target']}]"
    out = [f"{head}: risk grew since run {t['previous_run']} in {', '.join(map(str, t['grew']))}"] if t["grew"] else []
    return out + [f"{head}: {r['domain']}: {c}" for r in t["domains"] for c in r["caveats"]]


def build(rc: ReportContext) -> dict[str, Any] | None:
    targets: list[dict[str, Any]] = []
    for t in rc.targets:
        lin = ((rc.decisions.get(t) or {}).get("overall") or {}).get("lineage")
        if not isinstance(lin, dict):
            continue
        doms = lin.get("domains") or {}
        rows = [_row(n, doms[n]) for n in domain_order(rc.policy, set(doms)) if isinstance(doms[n], dict)]
        changes = [c for c in lin.get("policy_changes") or [] if isinstance(c, dict)]
        targets.append({
            "target": t, "previous_run": lin.get("previous_run"), "previous_target": lin.get("previous_target"),
            "policy_version_before": lin.get("policy_version_before"),
            "policy_version_now": ((rc.decisions.get(t) or {}).get("overall") or {}).get("policy_version")
            or rc.policy.version,
            "policy_changes": changes, "domains": rows, "grew": [r["domain"] for r in rows if r["grew"]],
        })
    if not targets:
        return None
    limitations = [line for t in targets for line in _limitations(t)]
    return {"targets": targets, "limitations": limitations}


def _x(v: Any, signed: bool = False) -> str:
    if not isinstance(v, int | float):
        return "n/a"
    return f"{v:+.3f}" if signed else f"{v:.3f}"


def _est(v: Any, unknown: Any) -> str:
    """An estimate, marked as known-only where unknown outcomes were left out of it."""
    return f"{_x(v)} (known only, {unknown} unknown)" if isinstance(unknown, int) and unknown else _x(v)


def _paired_cell(r: dict[str, Any]) -> str:
    """How the shown change was read: paired (with its unknown pairs), or unpaired with the paired
    reading that covered too little of the runs to stand alone."""
    p = r["paired_reading"] or {}
    unknown = f", {p['unknown_pairs']} unknown" if p.get("unknown_pairs") else ""
    if r["paired"]:
        return f"yes ({r['n_pairs']} pairs{unknown})"
    if p:
        return f"partial ({p.get('items')} of {p.get('items_current')} current items{unknown}); unpaired shown"
    return "no (unpaired)"


def markdown(section: dict[str, Any]) -> str:
    lines: list[str] = []
    for t in section["targets"]:
        lines += [f"**Target `{t['target']}`** vs run `{t['previous_run']}` (`{t['previous_target']}`); policy "
                  f"v{t['policy_version_before']} → v{t['policy_version_now']}", "",
                  "| domain | level before → after | action before → after | metric | before → after | change "
                  "[95% CI] | paired | risk grew |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in t["domains"]:
            lines.append(
                f"| {r['domain']} | {r['level_text_before'] or 'n/a'} → {r['level_text_after'] or 'n/a'} | "
                f"{r['action_before'] or 'n/a'} → {r['action_after'] or 'n/a'} | {r['metric'] or 'n/a'} | "
                f"{_est(r['estimate_before'], r['unknown_before'])} → "
                f"{_est(r['estimate_after'], r['unknown_after'])} | "
                f"{_x(r['change'], True)} "
                f"[{_x(r['ci_low'], True)}, {_x(r['ci_high'], True)}] | {_paired_cell(r)} | "
                f"{'**GREW**' if r['grew'] else 'no'} |"
            )
        lines.append("")
        for r in t["domains"]:
            if r["text"]:
                said = str(r["text"]).startswith(f"{r['domain']}: ")
                lines.append(f"- {r['text']}" if said else f"- {r['domain']}: {r['text']}")
            lines += [f"  - caveat: {c}" for c in r["caveats"]]
        if t["policy_changes"]:
            lines += ["", "Policy changes since the previous run:"]
            for c in t["policy_changes"]:
                who = ", ".join(c.get("approved_by") or []) or "no approver recorded"
                lines.append(f"- v{c.get('version')} ({c.get('date')}): {c.get('change')} (approved by {who})")
        else:
            lines.append("- no policy change since the previous run")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
