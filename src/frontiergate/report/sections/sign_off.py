"""Report section: the sign-off block, the last thing a safety board fills in.

The tool recommends; people decide. Per target the block states the recommendation (the final
action and its rationale), the decision it rests on (level, status, confidence, pre- and
post-mitigation), the policy version that decided, and the roles the policy requires to approve
this action (``policy.sign_off[action]``; the decision's own ``overall["sign_off"]`` when the
engine wrote it), with a blank line per role for name, date and approve/dissent, and room for
dissent and conditions. A policy that names no role for the action still gets one approver line:
an unsigned recommendation must never read as an approved one.
"""

from __future__ import annotations

from typing import Any

from frontiergate.report.context import ReportContext
from frontiergate.report.decision_text import level_text
from frontiergate.report.plain import safeguard_pairs

NAME = "sign_off"
TITLE = "Sign-off"
ORDER = 95

BLANK = "________________"
NO_ROLE = "approver (the policy names no role for this action)"


def _roles(rc: ReportContext, overall: dict[str, Any], action: str) -> list[str]:
    so = overall.get("sign_off")
    if isinstance(so, dict) and isinstance(so.get("roles"), list):
        roles = [str(r) for r in so["roles"]]
    else:
        roles = [str(r) for r in {str(k): v for k, v in rc.policy.sign_off.items()}.get(action, [])]
    return roles or [NO_ROLE]


def build(rc: ReportContext) -> dict[str, Any] | None:
    # a safeguarded configuration run beside its raw model is that model's post-mitigation side: it is
    # signed off with the raw model's decision, never as a deployment decision of its own
    covered = {guarded: raw for raw, guarded in safeguard_pairs(rc.targets, dict(rc.run.options or {}))}
    targets = []
    for t in rc.targets:
        ov = (rc.decisions.get(t) or {}).get("overall") or {}
        if not ov or t in covered:
            continue
        so = ov.get("sign_off")
        action = str(so.get("action")) if isinstance(so, dict) and so.get("action") else str(ov.get("action", "n/a"))
        roles = _roles(rc, ov, action)
        targets.append({
            "target": t,
            "covers": sorted(g for g, raw in covered.items() if raw == t),
            "recommendation": {"action": action, "rationale": ov.get("rationale", "")},
            "decision": {k: ov.get(k) for k in ("status", "level", "level_possible", "confidence", "pre_mitigation",
                                                "post_mitigation")},
            "policy": {"name": rc.policy.name, "version": ov.get("policy_version") or rc.policy.version},
            "roles": roles,
            "signatures": [{"role": r, "name": "", "date": "", "approve": None, "dissent": ""} for r in roles],
            "dissent_and_conditions": "",
        })
    return {"targets": targets} if targets else None


def markdown(section: dict[str, Any]) -> str:
    lines: list[str] = []
    for t in section["targets"]:
        rec, dec = t["recommendation"], t["decision"]
        lines += [
            f"**Target `{t['target']}`**", "",
            f"- Recommendation: **{rec['action']}**: {rec['rationale']}",
            f"- Decision: level {level_text(dec)}, status {dec.get('status')}, confidence "
            f"{dec.get('confidence')}"
            + (f"; pre-mitigation {level_text(dec['pre_mitigation'])} ({dec['pre_mitigation'].get('action')})"
               if isinstance(dec.get("pre_mitigation"), dict) else "")
            + (f"; post-mitigation {level_text(dec['post_mitigation'])} ({dec['post_mitigation'].get('status')})"
               if isinstance(dec.get("post_mitigation"), dict) else ""),
            f"- Decided under policy {t['policy']['name']} v{t['policy']['version']}"
            + (f"; covers the safeguarded configuration {', '.join(f'`{c}`' for c in t['covers'])}"
               if t.get("covers") else ""),
            "",
            "| role | name | date | approve / dissent |", "|---|---|---|---|",
        ]
        for s in t["signatures"]:
            lines.append(f"| {s['role']} | {BLANK} | {BLANK} | approve ☐ / dissent ☐ |")
        lines += ["", "Dissent and conditions:", "", "> " + BLANK * 3, "> " + BLANK * 3, ""]
    return "\n".join(lines).rstrip() + "\n"
