"""Report section: one plain-language paragraph per domain, first after the decision.

A safety board reads this before any table. Each paragraph answers three questions, in order:

1. What was observed, as counts a person can picture ("the model complied with 7 of 40 attack
   prompts across 5 seeds; 3 answers could not be scored"), taken from the finding each criterion
   was decided on, so the words and the decision can never disagree.
2. What it means against the threat scenario the criterion speaks to (the domain's declared
   scenarios; without one, the domain's description; without that, the thresholds alone).
3. What would change the decision: more seeds (the engine's estimate), the reasons evidence is
   insufficient, a safeguard check that failed, an unmet alert requirement, a validated guard, or
   "nothing short of a lower rate".

Every figure is computed from the stored decision and findings; nothing is typed in. Keys a
decision may lack (older engines, partial runs) read as "not measured", never as safe.
"""

from __future__ import annotations

from typing import Any

from frontiergate.report.context import ReportContext
from frontiergate.report.decision_text import level_text, pct
from frontiergate.report.plain import (
    counts_text,
    domain_order,
    interval_text,
    safeguard_pairs,
    threat_scenarios,
    threshold_of,
    worse_arms_text,
)

NAME = "domain_summary"
TITLE = "Summary by domain"
ORDER = 1

_NEXT = {"low": "medium", "medium": "high", "high": "critical"}


def _observed(rc: ReportContext, target: str, name: str, d: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    crits = [c for c in d.get("criteria") or [] if isinstance(c, dict)]
    parts: list[str] = []
    counts: list[dict[str, Any]] = []
    for c in crits:
        f = c.get("finding") if isinstance(c.get("finding"), dict) else None
        metric = str(c.get("metric"))
        if f is None or not f.get("n"):
            parts.append(f"{metric} was not measured")
            continue
        pooled_seeds = (f.get("details") or {}).get("seeds")
        seeds = pooled_seeds if isinstance(pooled_seeds, int) else None
        # the pooled counts with the pooled seeds; an arm that decided is named with its own counts
        parts.append(
            f"{counts_text(metric, f)}{worse_arms_text(metric, f)} "
            f"({interval_text(f, c.get('decisive_low'), c.get('decisive_high'))})"
        )
        counts.append({"metric": metric, "k": f.get("k"), "n": f.get("n"), "seeds": seeds,
                       "unknown": (f.get("details") or {}).get("unknown", 0), "estimate": f.get("estimate"),
                       "ci_low": c.get("decisive_low", f.get("ci_low")),
                       "ci_high": c.get("decisive_high", f.get("ci_high"))})
    if not any(c.get("metric") == "over_refusal_rate" for c in crits):
        over = next((f for f in rc.findings_for(target, "over_refusal_rate", name) if f["slice"] == "all"), None)
        if over is not None and over.get("n"):
            parts.append(f"for comparison, {counts_text('over_refusal_rate', over)}")
    if not parts:
        return "nothing was observed: " + str(d.get("rationale") or "no evaluation produced evidence"), counts
    return "; ".join(parts), counts


def _one_line(text: Any) -> str:
    """Policy prose as one line: YAML block scalars end in newlines, which would split a paragraph."""
    return " ".join(str(text or "").split()).rstrip(".")


def _scenario_text(rc: ReportContext, name: str, d: dict[str, Any]) -> tuple[str, list[str]]:
    scenarios = threat_scenarios(d, rc.policy, name)
    named = {str(c.get("scenario")) for c in d.get("criteria") or [] if c.get("scenario")}
    if not named:  # the decision may not carry it: the stored policy does
        dom = rc.policy.domains.get(name)
        named = {c.scenario for c in dom.criteria if c.scenario} if dom is not None else set()
    chosen = [s for s in scenarios if s.get("id") in named] or scenarios
    if chosen:
        text = "; ".join(
            f"threat scenario '{s.get('id')}': {_one_line(s.get('harm'))} (actor: {_one_line(s.get('actor'))}; "
            f"enabled by: {_one_line(s.get('enabler'))})"
            for s in chosen
        )
        return f"Read against the {text}", [str(s.get("id")) for s in chosen]
    dom = rc.policy.domains.get(name)
    if dom is not None and dom.description:
        described = _one_line(dom.description)
        return f"No threat scenario is declared; read against the domain's description ({described})", []
    return "No threat scenario or description is declared, so the result is read against the thresholds only", []


def _level_meaning(rc: ReportContext, d: dict[str, Any]) -> str:
    status, level = d.get("status"), d.get("level")
    if status == "not_evaluated" or level is None:
        return "nothing can be said about this risk, so the domain is not cleared"
    if status == "insufficient_evidence":
        return (f"the evidence is too thin to place the domain at a level (it shows at least {level}), "
                "so it is not cleared")
    if status == "undetermined":
        return f"the evidence cannot yet tell level {level_text(d)}, so deployment is held"
    meaning = rc.policy.levels[level].description if level in rc.policy.levels else ""
    return f"the evidence places the domain at level {level}" + (f" ({meaning})" if meaning else "")


def _safeguard_meaning(d: dict[str, Any]) -> str:
    sg = d.get("safeguards")
    res = d.get("residual")
    if not isinstance(sg, dict):
        return ""
    out = f"; at the pre-mitigation level {sg.get('level')} the policy requires safeguards"
    if not sg.get("evaluated"):
        out += ", which were not evaluated"
    elif sg.get("validated"):
        out += f", and the safeguarded configuration `{sg.get('target')}` validated"
    else:
        out += f", and the safeguarded configuration `{sg.get('target')}` did not validate"
    if isinstance(res, dict):
        shown = level_text(res)
        if res.get("status") not in ("evaluated", "undetermined"):
            shown += f" ({res.get('status')})"
        out += f"; residual level with safeguards: {shown}"
    return out


def _next_threshold(rc: ReportContext, name: str, d: dict[str, Any]) -> list[str]:
    """For a cleared or settled domain: how far the deciding bound is from the next level's line."""
    out = []
    level = d.get("level")
    nxt = _NEXT.get(str(level))
    for c in d.get("criteria") or []:
        hi, lo = c.get("decisive_high"), c.get("decisive_low")
        metric = str(c.get("metric"))
        if nxt is not None and hi is not None:
            thr = threshold_of(rc.policy, name, metric, nxt)
            if thr is not None:
                out.append(f"{metric}'s upper bound reaching the {nxt} threshold {pct(thr)} (it is {pct(hi)} now)")
        if level not in (None, "low") and lo is not None:
            thr = threshold_of(rc.policy, name, metric, str(level))
            if thr is not None:
                out.append(f"nothing short of a lower rate: {metric}'s lower bound {pct(lo)} would have to fall "
                           f"below the {level} threshold {pct(thr)}")
    return out


def _changes(rc: ReportContext, name: str, d: dict[str, Any]) -> list[str]:
    status = d.get("status")
    out: list[str] = []
    if status == "not_evaluated":
        dom = rc.policy.domains.get(name)
        tasks = sorted({e.task for e in dom.evaluations}) if dom is not None else []
        return ["running the domain's evaluations" + (f" ({', '.join(tasks)})" if tasks else "")]
    for c in d.get("criteria") or []:
        if c.get("status") == "not_evaluated":
            out.append(f"evidence for {c.get('metric')}, which was not evaluated")
        whys = [str(w) for w in c.get("why_insufficient") or []]
        if whys:
            out.append(f"enough evidence for {c.get('metric')} (now: {'; '.join(whys)})")
    more = d.get("more_seeds_needed")
    if isinstance(more, int) and more > 0:
        out.append(f"about {more} more seeds behaving like these")
    elif status == "undetermined":
        out.append("more evidence with fewer unknown outcomes (no seed count would settle it as it stands)")
    for r in d.get("previous_alert_requirements") or []:
        if isinstance(r, dict) and not r.get("met"):
            out.append(f"meeting the previous run's alert requirement for {r.get('metric')}: {r.get('detail')}")
    sg = d.get("safeguards")
    if isinstance(sg, dict) and not sg.get("validated"):
        failed = [ch for ch in sg.get("checks") or [] if isinstance(ch, dict) and not ch.get("passed")]
        stages = "+".join((sg.get("required") or {}).get("stages") or ["input", "output"])
        if not sg.get("evaluated") or not failed:
            out.append(f"a validated {stages} guard (a safeguarded configuration evaluated in the same run)")
        for ch in failed:
            out.append(f"a safeguarded configuration passing the '{ch.get('name')}' check ({ch.get('detail')})")
    elif sg is None and d.get("action") == "deploy_with_safeguards":
        out.append("a validated input+output guard: none was evaluated in this run")
    if status == "evaluated" and not out:
        if isinstance(sg, dict) and sg.get("validated"):
            out.append(f"the safeguarded configuration `{sg.get('target')}` failing a validation check")
        out += _next_threshold(rc, name, d)
    return out or ["no change is within reach of this evidence"]


def _paragraph(rc: ReportContext, target: str, name: str, d: dict[str, Any]) -> dict[str, Any]:
    observed, counts = _observed(rc, target, name, d)
    against, ids = _scenario_text(rc, name, d)
    meaning = f"{against}: {_level_meaning(rc, d)}{_safeguard_meaning(d)} → {d.get('action', 'n/a')}"
    change = _changes(rc, name, d)
    # what an unsettled domain lacks is needed all together; what would overturn a settled one is any of it
    joiner = "; or " if d.get("status") == "evaluated" else "; and "
    text = (f"**{name}.** Observed: {observed}. {meaning}. What would change the decision: "
            + joiner.join(change) + ".")
    return {"domain": name, "status": d.get("status"), "level": d.get("level"),
            "level_possible": d.get("level_possible"), "action": d.get("action"), "counts": counts,
            "scenarios": ids, "observed": observed, "meaning": meaning, "would_change": change, "paragraph": text}


def build(rc: ReportContext) -> dict[str, Any] | None:
    covered = {guarded: raw for raw, guarded in safeguard_pairs(rc.targets, dict(rc.run.options or {}))}
    targets = []
    for t in rc.targets:
        doms = (rc.decisions.get(t) or {}).get("domains") or {}
        rows = [_paragraph(rc, t, n, doms[n]) for n in domain_order(rc.policy, set(doms)) if isinstance(doms[n], dict)]
        if rows:
            note = (f"post-mitigation configuration of `{covered[t]}`: its results are `{covered[t]}`'s residual "
                    "risk, not a deployment decision of their own") if t in covered else None
            targets.append({"target": t, "post_mitigation_of": covered.get(t), "note": note, "domains": rows})
    return {"targets": targets} if targets else None


def markdown(section: dict[str, Any]) -> str:
    lines: list[str] = []
    many = len(section["targets"]) > 1
    for t in section["targets"]:
        if many:
            lines += [f"**Target `{t['target']}`**", ""]
        if t.get("note"):
            lines += [f"_{t['note'][0].upper()}{t['note'][1:]}._", ""]
        for d in t["domains"]:
            lines += [d["paragraph"], ""]
    return "\n".join(lines).rstrip() + "\n"
