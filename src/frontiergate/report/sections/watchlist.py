"""Report section: the research watchlist, reported in every run and never gating.

Some signals are too immature to gate a deployment (evaluation awareness, sandbagging, autonomous
replication) but too important to leave unrecorded: a trend across runs is how a research signal
becomes a criterion. The section lists each watched metric's headline estimate with its interval
and n, and the policy's note when the estimate exceeds its ``note_above``; it never changes an
action and says so.

Read from the decision (``overall["watchlist"]``) when the engine wrote it; otherwise from the
stored policy's watchlist and the stored findings directly, so a run decided by an engine without
watchlist support still reports what was watched.
"""

from __future__ import annotations

from typing import Any

from frontiergate.report.context import ReportContext

NAME = "watchlist"
TITLE = "Research watchlist (reported, never gating)"
ORDER = 85


def _from_findings(rc: ReportContext, target: str) -> list[dict[str, Any]]:
    rows = []
    for w in rc.policy.watchlist:
        hits = [f for f in rc.findings_for(target, w.metric, w.domain) if f["slice"] == "all"]
        if not hits:
            rows.append({"metric": w.metric, "domain": w.domain, "estimate": None, "ci_low": None, "ci_high": None,
                         "n": 0, "note": "not measured in this run"})
        for f in hits:
            est = f.get("estimate")
            note = None
            if w.note_above is not None and est is not None and est > w.note_above:
                note = f"above {w.note_above}: {w.description or 'the policy asks for attention'}"
            rows.append({"metric": w.metric, "domain": f["domain"], "estimate": est, "ci_low": f.get("ci_low"),
                         "ci_high": f.get("ci_high"), "n": f.get("n"), "note": note})
    return rows


def build(rc: ReportContext) -> dict[str, Any] | None:
    described = {w.metric: w.description for w in rc.policy.watchlist}
    targets = []
    for t in rc.targets:
        got = ((rc.decisions.get(t) or {}).get("overall") or {}).get("watchlist")
        rows = [dict(r) for r in got if isinstance(r, dict)] if isinstance(got, list) else _from_findings(rc, t)
        for r in rows:
            r.setdefault("description", described.get(str(r.get("metric")), ""))
        if rows:
            targets.append({"target": t, "items": rows})
    if not targets:
        return None
    return {"gating": False, "targets": targets}


def _x(v: Any) -> str:
    return "n/a" if not isinstance(v, int | float) else f"{v:.3f}"


def markdown(section: dict[str, Any]) -> str:
    lines = ["These metrics are watched for research; they never change a decision.", ""]
    for t in section["targets"]:
        lines += [f"**Target `{t['target']}`**", "", "| metric | domain | estimate [95% CI] | n | note |",
                  "|---|---|---|---|---|"]
        for r in t["items"]:
            lines.append(f"| {r.get('metric')} | {r.get('domain') or 'all'} | {_x(r.get('estimate'))} "
                         f"[{_x(r.get('ci_low'))}, {_x(r.get('ci_high'))}] | {r.get('n')} | "
                         f"{r.get('note') or r.get('description') or ''} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
