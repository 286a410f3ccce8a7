"""Report section: ideological bias over mirrored political prompt pairs.

Built only from stored findings of the bias metrics (``metrics_bias``): the headline of each
metric with n, interval and (for paired metrics) the exact McNemar p-value and the signed
direction; per-topic and per-template breakdown tables from the ``topic=``/``template=`` slices;
and the worst topics listed in the headline details, with links to the evidence samples.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from frontiergate.report.context import ReportContext
from frontiergate.store.models import SampleRow

NAME = "bias"
TITLE = "Ideological bias: even-handedness across opposite political stances"
ORDER = 50

METRICS = ("refusal_asymmetry", "evenhandedness", "opposing_perspectives_rate", "length_asymmetry",
           "hedging_asymmetry")
BREAKDOWN_METRICS = ("refusal_asymmetry", "evenhandedness")
_LABELS = {
    "refusal_asymmetry": "refusal asymmetry (abs. difference, stance a vs b)",
    "evenhandedness": "pairs judged even",
    "opposing_perspectives_rate": "answers acknowledging opposing views",
    "length_asymmetry": "pairs with strongly unequal length",
    "hedging_asymmetry": "hedging asymmetry (abs. difference, stance a vs b)",
}
_KEEP = ("n", "k", "estimate", "ci_low", "ci_high", "test", "p_value")


def _brief(f: dict[str, Any]) -> dict[str, Any]:
    return {k: f.get(k) for k in _KEEP}


def _refs(rc: ReportContext, pks: set[int]) -> dict[int, str]:
    if not pks:
        return {}
    with rc.store.session() as s:
        rows = s.execute(select(SampleRow.id, SampleRow.transcript_ref).where(SampleRow.id.in_(sorted(pks))))
        return {int(pk): str(ref) for pk, ref in rows}


def _target_section(rc: ReportContext, target: str) -> dict[str, Any] | None:
    found = [f for f in rc.findings_for(target) if f["metric"] in METRICS]
    heads = {f["metric"]: f for f in found if f.get("slice") == "all"}
    if "refusal_asymmetry" not in heads and "evenhandedness" not in heads:
        return None
    headline = []
    for m in METRICS:
        if m in heads:
            d = heads[m].get("details") or {}
            headline.append({"metric": m, "label": _LABELS[m], **_brief(heads[m]),
                             "domain": heads[m]["domain"], "direction": d.get("direction"),
                             "note": d.get("note"), "bound_by": d.get("bound_by"),
                             "evidence": heads[m].get("evidence", [])})
    breakdowns: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for m in BREAKDOWN_METRICS:
        for key in ("topic", "template", "axis", "country"):
            rows = [{"group": f["slice"].split("=", 1)[1], **_brief(f),
                     "direction": (f.get("details") or {}).get("direction")}
                    for f in found if f["metric"] == m and str(f.get("slice", "")).startswith(f"{key}=")]
            if rows:
                breakdowns.setdefault(m, {})[key] = rows
    worst: dict[str, list[dict[str, Any]]] = {}
    for m in ("refusal_asymmetry", "evenhandedness", "hedging_asymmetry"):
        rows = list(((heads.get(m) or {}).get("details") or {}).get("worst_topics") or [])
        if rows:
            worst[m] = rows
    refs = _refs(rc, {int(pk) for rows in worst.values() for r in rows for pk in r.get("evidence", [])})
    worst = {m: [{**r, "evidence": [refs[pk] for pk in r.get("evidence", []) if pk in refs]} for r in rows]
             for m, rows in worst.items()}
    even_d = (heads.get("evenhandedness") or {}).get("details") or {}
    ref_d = (heads.get("refusal_asymmetry") or {}).get("details") or {}
    return {
        "headline": headline, "breakdowns": breakdowns, "worst_topics": worst,
        "judges": even_d.get("judges", []), "unparseable": even_d.get("unparseable"),
        "judge_agreement_with_rules": even_d.get("agreement_with_rules"),
        "stance_meaning": ref_d.get("stance_meaning") or even_d.get("stance_meaning") or {},
        "refusal_rates": {"a": ref_d.get("rate_a"), "b": ref_d.get("rate_b")},
        "errors_excluded": ref_d.get("errors_excluded", 0),
    }


def build(rc: ReportContext) -> dict[str, Any] | None:
    targets = {}
    for t in rc.targets:
        sec = _target_section(rc, t)
        if sec is not None:
            targets[t] = sec
    if not targets:
        return None
    limitations = []
    for t, sec in targets.items():
        if "rules" in sec["judges"]:
            limitations.append(f"bias [{t}]: even-handedness was judged by the rules fallback (no grader "
                               "model configured); it misses tone and content-quality asymmetries")
        if sec["unparseable"]:
            limitations.append(f"bias [{t}]: {sec['unparseable']} judge replies could not be parsed and are "
                               "excluded from the even-handedness rate")
        for h in sec["headline"]:
            if h.get("note"):
                limitations.append(f"bias [{t}] {h['metric']}: {h['note']}")
    return {"targets": targets, "limitations": limitations}


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.1f}%"


def _ci(r: dict[str, Any]) -> str:
    if not r.get("n"):
        return f"n/a (n={r.get('n', 0)})"
    return f"{_pct(r.get('estimate'))} [{_pct(r.get('ci_low'))}, {_pct(r.get('ci_high'))}] (n={r['n']})"


def _p(x: float | None) -> str:
    return "" if x is None else f"{x:.3g}"


def _row(label: str, r: dict[str, Any]) -> str:
    return f"| {label} | {_ci(r)} | {_p(r.get('p_value'))} | {r.get('direction') or ''} |"


def markdown(section: dict[str, Any]) -> str:
    lines: list[str] = []
    for t, sec in section["targets"].items():
        lines += [f"**{t}**", "", "| metric | estimate [95% CI] (n) | McNemar p | direction |",
                  "|---|---|---|---|"]
        lines += [_row(h["label"], h) for h in sec["headline"]]
        bound = [f"- {h['label']}: the decision uses the worst {h['bound_by']} (pooled over all pairs it would "
                 "read better)" for h in sec["headline"] if h.get("bound_by")]
        lines += ["", *bound] if bound else []
        rates = sec["refusal_rates"]
        if rates.get("a") and rates.get("b"):
            lines += ["", f"Refusal rate stance a: {_ci(rates['a'])}; stance b: {_ci(rates['b'])}."]
        if sec["stance_meaning"]:
            lines += ["", "What stance a and stance b mean: " + "; ".join(
                f"{k}: a = {v['a']}, b = {v['b']}" if isinstance(v, dict) and isinstance(v.get("a"), str)
                else f"{k}: {v}" for k, v in sec["stance_meaning"].items()) + "."]
        if sec["judges"]:
            agree = sec.get("judge_agreement_with_rules")
            extra = f"; agreement with the rules baseline {_ci(agree)}" if agree else ""
            lines += ["", f"Judge: {', '.join(sec['judges'])}; "
                      f"unparseable verdicts: {sec['unparseable']}{extra}."]
        for m, by_key in sec["breakdowns"].items():
            for key in ("template", "axis", "country", "topic"):
                rows = by_key.get(key)
                if not rows:
                    continue
                lines += ["", f"{_LABELS[m]} by {key}:", "",
                          f"| {key} | estimate [95% CI] (n) | p | direction |", "|---|---|---|---|"]
                lines += [_row(r["group"], r) for r in rows]
        for m, rows in sec["worst_topics"].items():
            lines += ["", f"Worst topics for {_LABELS[m]}:", ""]
            for r in rows:
                if "only_a" in r:
                    desc = (f"n={r['n']}, only a {r['only_a']}, only b {r['only_b']}, "
                            f"b − a = {r['signed_diff_b_minus_a']:+.2f}, p={_p(r.get('p_value'))}")
                else:
                    desc = f"{_ci(r)} even"
                ev = f" — evidence: {', '.join(r['evidence'][:3])}" if r.get("evidence") else ""
                lines.append(f"- {r['topic']}: {desc}{ev}")
        lines.append("")
    for lim in section.get("limitations", []):
        lines.append(f"- {lim}")
    return "\n".join(lines).rstrip() + "\n"
