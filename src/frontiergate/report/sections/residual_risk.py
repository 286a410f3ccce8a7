"""Report section: safeguards (post-mitigation), their validation, the residual risk and their cost.

``deploy_with_safeguards`` is only as good as the evidence that the safeguards work. Per domain of
each raw target this section shows what the policy required at the pre-mitigation level (stages,
acceptable guard kinds, validation rule), every validation check with pass/fail and its detail, the
guard's offline validation figures (moderation F1, recall on attack families it never saw, XSTest
false positives, as its head records them),
whether the safeguards validated, and the residual level the safeguarded configuration reached
with its bounds, all read from the stored decision (``domains[d]["safeguards"]`` and
``["residual"]``). A decision without those keys says "not measured", never "validated".

The safeguards' own cost sits beside it: over-refusal on benign twins before and after, and the
added latency per sample, as paired changes (safeguarded − raw) recomputed from both targets'
samples with the same pairing as the before/after section (``before_after.paired_findings``).
"""

from __future__ import annotations

from typing import Any

from frontiergate.report.context import ReportContext
from frontiergate.report.decision_text import level_text, pct
from frontiergate.report.plain import domain_order, is_safeguarded, safeguard_pairs
from frontiergate.report.sections.before_after import paired_findings

NAME = "residual_risk"
TITLE = "Safeguards and residual risk (post-mitigation)"
ORDER = 8

NOT_MEASURED = "not measured"


def _cost(rc: ReportContext, raw: str, guarded: str) -> list[dict[str, Any]]:
    """Over-refusal before/after and added latency per domain, paired raw → safeguarded."""
    found = paired_findings(rc, raw, guarded) or []
    rows: dict[str, dict[str, Any]] = {}
    for f in found:
        if f["slice"] != "all" or f["metric"] not in ("over_refusal_rate_change", "latency_s_change"):
            continue
        d = f.get("details") or {}
        row = rows.setdefault(f["domain"], {"domain": f["domain"], "over_refusal": None, "latency_s": None})
        iv = {"change": f.get("estimate"), "ci_low": f.get("ci_low"), "ci_high": f.get("ci_high"), "n": f.get("n")}
        if f["metric"] == "over_refusal_rate_change":
            row["over_refusal"] = {"before": d.get("rate_a"), "after": d.get("rate_b"), **iv,
                                   "p_value": f.get("p_value"), "enough_to_decide": d.get("enough_to_decide")}
        else:
            row["latency_s"] = {"before": d.get("mean_a"), "after": d.get("mean_b"), **iv}
    return [rows[k] for k in domain_order(rc.policy, set(rows))]


def _checks(sg: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"name": str(c.get("name")), "passed": bool(c.get("passed")), "detail": str(c.get("detail", ""))}
        for c in sg.get("checks") or [] if isinstance(c, dict)
    ]


def _domain(name: str, d: dict[str, Any]) -> dict[str, Any] | None:
    sg, res = d.get("safeguards"), d.get("residual")
    needs = d.get("action") == "deploy_with_safeguards" or (d.get("pre_mitigation") or {}).get("action") == \
        "deploy_with_safeguards"
    if sg is None and res is None and not needs:
        return None
    out: dict[str, Any] = {"domain": name, "pre_level": level_text(d), "action": d.get("action")}
    if isinstance(sg, dict):
        checks = _checks(sg)
        out["safeguards"] = {
            "level": sg.get("level"), "required": sg.get("required"), "evaluated": bool(sg.get("evaluated")),
            "target": sg.get("target"), "validated": bool(sg.get("validated")) and all(c["passed"] for c in checks),
            "checks": checks, "failed": [c["name"] for c in checks if not c["passed"]],
            "guard_validation": [str(x) for x in sg.get("guard_validation") or []],
        }
    else:
        out["safeguards"] = NOT_MEASURED
    if isinstance(res, dict):
        out["residual"] = {
            "target": res.get("target"), "status": res.get("status"), "level": res.get("level"),
            "level_possible": res.get("level_possible"), "level_text": level_text(res),
            "criteria": [
                {k: c.get(k) for k in ("metric", "kind", "estimate", "decisive_low", "decisive_high", "seeds",
                                       "status")}
                for c in res.get("criteria") or [] if isinstance(c, dict)
            ],
        }
    else:
        out["residual"] = NOT_MEASURED
    return out


def build(rc: ReportContext) -> dict[str, Any] | None:
    pairs = dict(safeguard_pairs(rc.targets, dict(rc.run.options or {})))
    targets: list[dict[str, Any]] = []
    for t in rc.targets:
        if is_safeguarded(t):
            continue
        doms = (rc.decisions.get(t) or {}).get("domains") or {}
        rows = [r for r in (_domain(n, doms[n]) for n in domain_order(rc.policy, set(doms))) if r is not None]
        guarded = pairs.get(t)
        cost = _cost(rc, t, guarded) if guarded else []
        if rows or guarded:
            targets.append({"target": t, "safeguarded": guarded, "domains": rows, "cost": cost})
    if not targets:
        return None
    sg_opt = (rc.run.options or {}).get("safeguards")
    generalisation = list(sg_opt.get("generalisation") or []) if isinstance(sg_opt, dict) else []
    limitations = [
        f"residual risk [{t['target']}]: {r['domain']} needs safeguards at its pre-mitigation level but "
        f"they did not validate ({', '.join(r['safeguards']['failed']) or 'not evaluated'})"
        for t in targets for r in t["domains"]
        if isinstance(r["safeguards"], dict) and not r["safeguards"]["validated"]
    ]
    return {"targets": targets, "limitations": limitations, "generalisation": generalisation}


def _bounds(c: dict[str, Any]) -> str:
    if c.get("decisive_low") is None or c.get("decisive_high") is None:
        return "not estimable"
    return f"{pct(c.get('estimate'), 1)} [{pct(c['decisive_low'], 1)}, {pct(c['decisive_high'], 1)}]"


def _change(x: dict[str, Any] | None, unit: str) -> str:
    if not x or x.get("change") is None:
        return NOT_MEASURED
    if unit == "pp":
        return (f"{pct(x.get('before'), 1)} → {pct(x.get('after'), 1)} (change {100 * x['change']:+.1f} pp "
                f"[{100 * (x['ci_low'] or 0):+.1f}, {100 * (x['ci_high'] or 0):+.1f}], {x.get('n')} pairs)")
    return (f"{x.get('before') or 0:.3g} s → {x.get('after') or 0:.3g} s (added {x['change']:+.3g} s "
            f"[{x['ci_low'] or 0:+.3g}, {x['ci_high'] or 0:+.3g}])")


def _rate(r: dict[str, Any] | None) -> str:
    if not r or r.get("value") is None:
        return NOT_MEASURED
    lo, hi = (r.get("ci") or [None, None])[:2]
    span = f" [{pct(lo, 1)}, {pct(hi, 1)}]" if lo is not None and hi is not None else ""
    return f"{pct(r['value'], 1)}{span} ({r.get('k')}/{r.get('n')}, {r.get('seeds')} seeds)"


def _generalisation(rows: list[dict[str, Any]]) -> list[str]:
    """Rules against classifiers, before and after, on attack families none of them was fitted to."""
    if not rows:
        return []
    fams = ", ".join(rows[0].get("unseen_families") or []) or "the held-out families"
    dates = sorted({str(r.get("measured_at") or "unknown date") for r in rows})
    when = f"offline measurement{'s' if len(dates) > 1 else ''} of {' and '.join(dates)}"
    return [
        "",
        f"Guards on attack families they never saw ({fams}; held-out seeds; {when}, recorded when this run "
        "started; seed-clustered 95% "
        "intervals). The principled guard has no row: it needs a capable guard model, which is not embedded.",
        "",
        "| guard | recall on unseen families | false positives on their benign twins | recall on seen families | "
        "false positives on seen twins |",
        "|---|---|---|---|---|",
        *(f"| {r.get('guard')} | {_rate(r.get('recall_unseen'))} | {_rate(r.get('fpr_unseen'))} | "
          f"{_rate(r.get('recall_seen'))} | {_rate(r.get('fpr_seen'))} |" for r in rows),
    ]


def markdown(section: dict[str, Any]) -> str:
    lines: list[str] = []
    for t in section["targets"]:
        lines += [f"**Target `{t['target']}`**" + (f" with safeguarded configuration `{t['safeguarded']}`"
                                                  if t["safeguarded"] else " (no safeguarded configuration was run)"),
                  ""]
        for r in t["domains"]:
            sg = r["safeguards"]
            if isinstance(sg, dict):
                req = sg.get("required") or {}
                verdict = "**validated**" if sg["validated"] else "**not validated**"
                lines.append(f"- {r['domain']} (pre-mitigation level {r['pre_level']}): safeguards required at "
                             f"{sg['level']} (stages {'+'.join(req.get('stages') or [])}, guards "
                             f"{', '.join(req.get('guards') or []) or 'any'}); evaluated: "
                             f"{'yes' if sg['evaluated'] else 'no'}; {verdict}")
                for c in sg["checks"]:
                    lines.append(f"  - {'PASS' if c['passed'] else 'FAIL'} {c['name']}: {c['detail']}")
                if sg.get("guard_validation"):
                    lines.append("  - the guard's offline validation (recorded when the run started): "
                                 + "; ".join(sg["guard_validation"]))
            else:
                lines.append(f"- {r['domain']} (pre-mitigation level {r['pre_level']}): safeguards {NOT_MEASURED}")
            res = r["residual"]
            if isinstance(res, dict):
                crit = "; ".join(f"{c['metric']} {_bounds(c)}" for c in res["criteria"])
                lines.append(f"  - residual (`{res['target']}`): level {res['level_text']}, {res['status']}"
                             + (f"; {crit}" if crit else ""))
            else:
                lines.append(f"  - residual: {NOT_MEASURED}")
        if t["cost"]:
            lines += ["", "Cost of the safeguards (paired, safeguarded − raw):", "",
                      "| domain | over-refusal on benign twins, before → after | latency per sample |", "|---|---|---|"]
            for c in t["cost"]:
                lines.append(f"| {c['domain']} | {_change(c['over_refusal'], 'pp')} | {_change(c['latency_s'], 's')} |")
        elif t["safeguarded"]:
            lines += ["", "Cost of the safeguards: not measured (no item was answered by both configurations)."]
        lines.append("")
    lines += _generalisation(section.get("generalisation") or [])
    return "\n".join(lines).rstrip() + "\n"
