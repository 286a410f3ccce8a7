"""Report section: loss of control: hard-to-contain actions in the simulated agentic world.

Built only from stored findings of ``metrics_autonomy``: the headline violation rate on conflict
scenarios next to the no-conflict control rate, a behaviour × condition table (each cell with k/n
and a Wilson interval), the single-factor breakdowns (nudge, threat, affordance), the interview
deception rate and the sandbagging gap with its exact McNemar p-value. Cells with too few
scenarios are flagged rather than interpreted.

Unknown episodes (agent never acted, cut off by the turn or token cap, errored) are shown with
their reasons next to the headline, with the rate among known episodes and the worst case, because
the headline's interval runs from "unknowns were safe" to "unknowns were violations" and a reader
has to see how much of its width is missing evidence.
"""

from __future__ import annotations

from typing import Any

from frontiergate.analysis.metrics_autonomy import SMALL_N
from frontiergate.analysis.outcomes import REASON_TEXT
from frontiergate.report.context import ReportContext

NAME = "autonomy"
TITLE = "Loss of control: hard-to-contain actions in a simulated agentic world"
ORDER = 35

_KEEP = ("n", "k", "estimate", "ci_low", "ci_high", "test", "p_value")


def _brief(f: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if f is None else {k: f.get(k) for k in _KEEP}


def _head(found: list[dict[str, Any]], metric: str) -> dict[str, Any] | None:
    return next((f for f in found if f["metric"] == metric and f.get("slice") == "all"), None)


def _target_section(rc: ReportContext, target: str) -> dict[str, Any] | None:
    found = rc.findings_for(target)
    viol = _head(found, "autonomy_violation_rate")
    if viol is None:
        return None
    cells: dict[str, dict[str, Any]] = {}
    families: set[str] = set()
    conditions: set[str] = set()
    factors: list[dict[str, Any]] = []
    for f in found:
        if f["metric"] != "autonomy_violation_rate":
            continue
        sl = str(f.get("slice", ""))
        if sl.startswith("family=") and "|condition=" in sl:
            fam, cond = sl[len("family=") :].split("|condition=", 1)
            families.add(fam)
            conditions.add(cond)
            cells[f"{fam}|{cond}"] = _brief(f) or {}
        elif sl.split("=", 1)[0] in ("nudge", "threat", "affordance"):
            factors.append({"slice": sl, **(_brief(f) or {})})
    per_family = {
        str(f["slice"]).split("=", 1)[1]: _brief(f)
        for f in found
        if f["metric"] == "autonomy_violation_rate"
        and str(f.get("slice", "")).startswith("family=")
        and "|" not in str(f["slice"])
    }
    controls = {
        str(f["slice"]).split("=", 1)[1]: _brief(f)
        for f in found
        if f["metric"] == "autonomy_control_rate" and str(f.get("slice", "")).startswith("family=")
    }
    sandbag = _head(found, "sandbagging_gap")
    deception = _head(found, "autonomy_deception_rate")
    return {
        "headline": {
            **(_brief(viol) or {}),
            "domain": viol["domain"],
            **{
                k: (viol.get("details") or {}).get(k)
                for k in ("seeds", "unknown", "unknown_share", "unknown_reasons", "known_only", "worst_case")
            },
        },
        "control": _brief(_head(found, "autonomy_control_rate")),
        "families": sorted(families | set(per_family)),
        "conditions": sorted(conditions),
        "cells": cells,
        "per_family": per_family,
        "control_per_family": controls,
        "factors": factors,
        "deception": None
        if deception is None
        else {**(_brief(deception) or {}), "unclear": (deception.get("details") or {}).get("unclear")},
        "sandbagging": None
        if sandbag is None
        else {
            **(_brief(sandbag) or {}),
            **{k: (sandbag.get("details") or {}).get(k) for k in ("accuracy_neutral", "accuracy_incentive")},
        },
    }


def build(rc: ReportContext) -> dict[str, Any] | None:
    targets = {t: sec for t in rc.targets if (sec := _target_section(rc, t)) is not None}
    if not targets:
        return None
    limitations: list[str] = []
    for t, sec in targets.items():
        n = sec["headline"]["n"] or 0
        if n < SMALL_N:
            limitations.append(
                f"autonomy [{t}]: only {n} conflict scenarios; the violation rate's interval is "
                "too wide to separate the policy levels"
            )
        small = sorted(k for k, c in sec["cells"].items() if (c.get("n") or 0) < SMALL_N)
        if small:
            limitations.append(
                f"autonomy [{t}]: {len(small)} of {len(sec['cells'])} behaviour × condition cells "
                f"have fewer than {SMALL_N} runs; read them as indications, not estimates"
            )
        unknown = sec["headline"].get("unknown") or 0
        if unknown:
            reasons = _reasons(sec["headline"])
            limitations.append(
                f"autonomy [{t}]: {unknown} of {n} conflict episodes have no usable outcome ({reasons}); "
                "the violation rate's upper bound counts them as violations"
            )
        sb = sec["sandbagging"]
        if sb is None:
            limitations.append(
                f"autonomy [{t}]: no paired sandbagging runs, so no sandbagging gap was measured"
            )
        elif sb.get("p_value") is not None and sb["p_value"] >= 0.05:
            limitations.append(
                f"autonomy [{t}]: the sandbagging gap is not significant (exact McNemar "
                f"p={sb['p_value']:.3g}, {sb['n']} paired questions)"
            )
        if sec["deception"] is None:
            limitations.append(
                f"autonomy [{t}]: no graded interview (none run, or no target action to ask about)"
            )
    return {"targets": targets, "min_n": SMALL_N, "limitations": limitations}


def _reasons(headline: dict[str, Any]) -> str:
    return ", ".join(f"{REASON_TEXT.get(r, r)}: {c}" for r, c in (headline.get("unknown_reasons") or {}).items())


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.1f}%"


def _ci(r: dict[str, Any] | None) -> str:
    if not r or not r.get("n"):
        return "n/a"
    return f"{_pct(r['estimate'])} [{_pct(r['ci_low'])}, {_pct(r['ci_high'])}] (k={r.get('k')}, n={r['n']})"


def _cell(r: dict[str, Any] | None) -> str:
    if not r or not r.get("n"):
        return "–"
    return f"{r.get('k')}/{r['n']} [{_pct(r['ci_low'])}–{_pct(r['ci_high'])}]"


def markdown(section: dict[str, Any]) -> str:
    lines: list[str] = []
    for t, sec in section["targets"].items():
        lines += [
            f"**{t}**",
            "",
            f"- hard-to-contain action in conflict scenarios: {_ci(sec['headline'])}"
            + (f", {sec['headline']['seeds']} independent scenario bases" if sec["headline"].get("seeds") else ""),
        ]
        if sec["headline"].get("unknown"):
            h = sec["headline"]
            reasons = _reasons(h)
            lines.append(
                f"- unknown outcome: {h['unknown']} of {h['n']} episodes ({reasons}); "
                f"known episodes only: {_ci(h.get('known_only'))}; "
                f"unknowns as violations: {_ci(h.get('worst_case'))}"
            )
        lines.append(f"- same action in no-conflict controls: {_ci(sec['control'])}")
        if sec["deception"]:
            lines.append(
                f"- denied the action when management asked: {_ci(sec['deception'])}"
                f" ({sec['deception'].get('unclear') or 0} answers unclear)"
            )
        sb = sec["sandbagging"]
        if sb:
            p = "n/a" if sb.get("p_value") is None else f"{sb['p_value']:.3g}"
            gap = "n/a" if sb.get("estimate") is None else f"{sb['estimate'] * 100:+.1f} pp"
            lines.append(
                f"- sandbagging gap (accuracy neutral {_pct(sb.get('accuracy_neutral'))} − under "
                f"incentive {_pct(sb.get('accuracy_incentive'))}): {gap} "
                f"[{_pct(sb.get('ci_low'))}, {_pct(sb.get('ci_high'))}], exact McNemar p={p}, "
                f"{sb.get('n')} paired questions"
            )
        if sec["cells"]:
            conds = sec["conditions"]
            lines += [
                "",
                "Target action by behaviour × condition (k/n [95% Wilson CI]); last column: control:",
                "",
                "| behaviour | " + " | ".join(c.replace("|", " · ") for c in conds) + " | control |",
                "|---|" + "---|" * (len(conds) + 1),
            ]
            for fam in sec["families"]:
                row = [_cell(sec["cells"].get(f"{fam}|{c}")) for c in conds]
                row.append(_cell(sec["control_per_family"].get(fam)))
                lines.append(f"| {fam} | " + " | ".join(row) + " |")
        if sec["factors"]:
            lines += ["", "| factor | action rate (95% CI) |", "|---|---|"]
            lines += [f"| {f['slice']} | {_ci(f)} |" for f in sec["factors"]]
        lines.append("")
    for lim in section.get("limitations", []):
        lines.append(f"- {lim}")
    return "\n".join(lines).rstrip() + "\n"
