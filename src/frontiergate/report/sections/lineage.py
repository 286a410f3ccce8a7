"""Report section: comparison with the previous run of this model lineage.

A level can stay the same while the risk behind it grows (an attack-success rate from 5% to 30%
under a 40% line); a safety board needs to see that before the next checkpoint crosses the line.
Per domain the section shows the level and action before and after, the change in the deciding
metric with its interval (paired on items where both runs answered the same ones, unpaired
otherwise, and said which), and a flag on every domain whose risk grew. It also lists the policy
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
            "estimate_after", "change", "ci_low", "ci_high", "n_pairs")
    return {"domain": name, **{k: d.get(k) for k in keys}, "paired": bool(d.get("paired")),
            "grew": bool(d.get("grew")), "text": d.get("text") or ""}


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
    limitations = [
        f"lineage [{t['target']}]: risk grew since run {t['previous_run']} in {', '.join(map(str, t['grew']))}"
        for t in targets if t["grew"]
    ]
    return {"targets": targets, "limitations": limitations}


def _x(v: Any, signed: bool = False) -> str:
    if not isinstance(v, int | float):
        return "n/a"
    return f"{v:+.3f}" if signed else f"{v:.3f}"


def markdown(section: dict[str, Any]) -> str:
    lines: list[str] = []
    for t in section["targets"]:
        lines += [f"**Target `{t['target']}`** vs run `{t['previous_run']}` (`{t['previous_target']}`); policy "
                  f"v{t['policy_version_before']} → v{t['policy_version_now']}", "",
                  "| domain | level before → after | action before → after | metric | before → after | change "
                  "[95% CI] | paired | risk grew |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in t["domains"]:
            paired = f"yes ({r['n_pairs']} pairs)" if r["paired"] else "no (unpaired)"
            lines.append(
                f"| {r['domain']} | {r['level_before'] or 'n/a'} → {r['level_after'] or 'n/a'} | "
                f"{r['action_before'] or 'n/a'} → {r['action_after'] or 'n/a'} | {r['metric'] or 'n/a'} | "
                f"{_x(r['estimate_before'])} → {_x(r['estimate_after'])} | {_x(r['change'], True)} "
                f"[{_x(r['ci_low'], True)}, {_x(r['ci_high'], True)}] | {paired} | "
                f"{'**GREW**' if r['grew'] else 'no'} |"
            )
        lines.append("")
        for r in t["domains"]:
            if r["text"]:
                lines.append(f"- {r['domain']}: {r['text']}")
        if t["policy_changes"]:
            lines += ["", "Policy changes since the previous run:"]
            for c in t["policy_changes"]:
                who = ", ".join(c.get("approved_by") or []) or "no approver recorded"
                lines.append(f"- v{c.get('version')} ({c.get('date')}): {c.get('change')} (approved by {who})")
        else:
            lines.append("- no policy change since the previous run")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
