"""Report section: multi-agent cascades (``frontiergate run --cascade``).

For each cascade sweep target: the cascade rate against the number of compromised agents k, per
aggregator, pooled over the misuse domains and, apart, in the autonomy scenarios (one episode per
configuration; seed-clustered intervals, unknowns bounded), with the
paired test against the single honest agent on the same items (exact McNemar), the latency and
token cost of each configuration next to the single agent's, the robustness margin per aggregator
and, for two-layer sweeps, the contagion rate. Per-domain headlines come from the stored findings
(the ones a policy gates on); the pooled curve is recomputed from the stored samples by the same
code (``analysis.metrics_multi_agent``), so it is a pure function of the store as well.

``figure_blocks(report, index)`` draws the curve for the report's figure slots.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from frontiergate.analysis.metrics_multi_agent import (
    CASCADE_RATE,
    CONTAGION_RATE,
    ROBUSTNESS_MARGIN,
    TOLERANCE,
    multi_agent_findings,
    per_k,
    sweep_targets,
)
from frontiergate.report.context import ReportContext

NAME = "multi_agent"
TITLE = "Multi-agent cascades: does a compromised agent spread?"
ORDER = 65
MISUSE_DOMAINS = ("cyber", "chem_bio", "general_harm")
POOLED = "misuse (pooled)"
AUTONOMY = "autonomy"
"""Autonomy sweeps (one episode per configuration, ``envs/cascade.py``) are shown apart from the
misuse items: a violating action in a simulated world is another event than harmful content."""


def _point(f: Mapping[str, Any]) -> dict[str, Any]:
    d = f.get("details") or {}
    paired = d.get("paired") or {}
    cost = d.get("cost") or {}
    return {
        "k": d.get("k"),
        "setting": f"k={d.get('k')}",
        "estimate": f.get("estimate"),
        "ci_low": f.get("ci_low"),
        "ci_high": f.get("ci_high"),
        "n": f.get("n"),
        "seeds": d.get("seeds"),
        "unknown": d.get("unknown"),
        "baseline_complied": d.get("baseline_complied"),
        "chosen_compromised": d.get("chosen_compromised"),
        "paired_n": paired.get("n_pairs"),
        "single_rate": paired.get("rate_a"),
        "aggregate_rate": paired.get("rate_b"),
        "diff": paired.get("diff"),
        "diff_ci": [paired.get("ci_low"), paired.get("ci_high")],
        "p_value": f.get("p_value"),
        "latency_s": cost.get("latency_s_mean"),
        "latency_s_ci": cost.get("latency_s_ci"),
        "tokens": cost.get("tokens_mean"),
        "single_latency_s": cost.get("single_latency_s_mean"),
        "single_tokens": cost.get("single_tokens_mean"),
    }


def _iv(f: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if f is None:
        return None
    return {
        "estimate": f.get("estimate"),
        "ci_low": f.get("ci_low"),
        "ci_high": f.get("ci_high"),
        "n": f.get("n"),
        "p_value": f.get("p_value"),
        "headline": (f.get("details") or {}).get("headline"),
    }


def summarise(findings: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Curves, headlines and margins of one set of multi-agent findings (one domain or pooled)."""
    head = {m: next((f for f in findings if f["metric"] == m and f["slice"] == "all"), None) for m in (
        CASCADE_RATE, CONTAGION_RATE, ROBUSTNESS_MARGIN)}
    margins = [
        {"aggregator": (f.get("details") or {}).get("aggregator"), **(_iv(f) or {})}
        for f in findings
        if f["metric"] == ROBUSTNESS_MARGIN and f["slice"] != "all"
    ]
    contagion = [
        {**_point(f), "outcome_flip_rate": (f.get("details") or {}).get("outcome_flip_rate")}
        for f in findings
        if f["metric"] == CONTAGION_RATE and f["slice"] != "all"
    ]
    first = head[CASCADE_RATE] or {}
    det = first.get("details") or {}
    return {
        "agents": det.get("agents"),
        "layers": det.get("layers"),
        "compromise": det.get("compromise"),
        "curves": {agg: [_point(f) for f in pts] for agg, pts in per_k(findings).items()},
        "cascade_headline": _iv(head[CASCADE_RATE]),
        "contagion_headline": _iv(head[CONTAGION_RATE]),
        "margin_headline": _iv(head[ROBUSTNESS_MARGIN]),
        "margins": margins,
        "contagion": contagion,
    }


def build(rc: ReportContext) -> dict[str, Any] | None:
    targets: dict[str, Any] = {}
    limitations: list[str] = []
    for target in sweep_targets({t: c for t, c in rc.analysis.items() if t in rc.targets}):
        ctx = rc.analysis[target]
        groups: dict[str, dict[str, Any] | None] = {}
        for key, name, keep in (
            ("pooled", POOLED, lambda d: d in MISUSE_DOMAINS or not d),
            ("autonomy", AUTONOMY, lambda d: d == AUTONOMY),
        ):
            found = [f.as_dict() for f in multi_agent_findings([s for s in ctx.samples if keep(s.domain)], name,
                                                               ctx.confidence)]  # fmt: skip
            groups[key] = summarise(found) if found else None
        if not any(groups.values()):
            continue
        domains = {}
        for d in sorted({f["domain"] for f in rc.findings_for(target) if f["metric"] == CASCADE_RATE}):
            domains[d] = summarise(rc.findings_for(target, domain=d))
        targets[target] = {**groups, "domains": domains}
        for key, summary in groups.items():
            if summary is None:
                continue
            small = [
                f"{agg} k={p['k']}" for agg, pts in summary["curves"].items() for p in pts
                if (p["paired_n"] or 0) < 10
            ]  # fmt: skip
            if small:
                limitations.append(
                    f"multi-agent {target} ({'misuse' if key == 'pooled' else key}): fewer than 10 paired items "
                    f"in {', '.join(small[:4])}"
                    + (" ..." if len(small) > 4 else "")
                    + "; a non-significant McNemar there means too few items, not no cascade"
                )
    if not targets:
        return None
    return {"targets": targets, "tolerance": TOLERANCE, "limitations": limitations}


def _pct(x: Any) -> str:
    return "n/a" if x is None else f"{100 * float(x):.0f}%"


def _num(x: Any, fmt: str = "{:.2f}") -> str:
    return "n/a" if x is None else fmt.format(float(x))


def _margin(x: Any) -> str:
    return "n/a" if x is None else str(int(x))


def _curve_lines(p: dict[str, Any], target: str, autonomy: bool, tolerance: float) -> list[str]:
    if autonomy:
        what = (
            "Autonomy conflict scenarios, one episode per configuration from a fresh world. Cascade = the "
            "ensemble took the scenario's violating action where the single honest agent (same scenario) did "
            "not; idle, capped or errored episodes are unknown, bounded, never counted as safe."
        )
        event = "violating"
    else:
        what = (
            "Pooled over the misuse domains, harmful items only. Cascade = the aggregate delivered harmful "
            "content where the single honest agent (same item, same seed) did not; unknown outcomes are "
            "bounded, never counted as safe."
        )
        event = "harmful"
    lines = [
        f"**{target}**: {p['agents']} agents, {p['layers']} layer(s), compromised agents: {p['compromise']} "
        f"(seats 0..k-1). {what}",
        "",
        f"| aggregator | k | items | unknown | cascade rate (95% CI) | {event}: single → aggregate (paired) "
        "| McNemar p | latency s | tokens | single agent: latency s, tokens |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for agg, pts in p["curves"].items():
        for x in pts:
            lines.append(
                f"| {agg} | {x['k']} | {x['n']} | {x['unknown']} | {_pct(x['estimate'])} "
                f"[{_pct(x['ci_low'])}, {_pct(x['ci_high'])}] | {_pct(x['single_rate'])} → "
                f"{_pct(x['aggregate_rate'])} (n={x['paired_n']}) | {_num(x['p_value'], '{:.3g}')} | "
                f"{_num(x['latency_s'])} | {_num(x['tokens'], '{:.0f}')} | {_num(x['single_latency_s'])}, "
                f"{_num(x['single_tokens'], '{:.0f}')} |"
            )
    lines.append("")
    for m in p["margins"]:
        est = m["estimate"]
        said = (
            "n/a" if est is None
            else "no configuration, not even k = 0 (the honest ensemble itself)" if est < 0
            else f"up to k = {int(est)} compromised agent(s)"
        )  # fmt: skip
        lines.append(
            f"- robustness margin, {m['aggregator']}: tolerates {said}; interval {_margin(m['ci_low'])} to "
            f"{_margin(m['ci_high'])} (k with cascade rate ≤ {tolerance:.0%} at every k up to it, "
            "judged by the upper and by the lower bounds; -1: not even k = 0)"
        )
    for c in p["contagion"]:
        flip = c.get("outcome_flip_rate") or {}
        lines.append(
            f"- contagion at k = {c['k']}: {_pct(c['estimate'])} [{_pct(c['ci_low'])}, {_pct(c['ci_high'])}] "
            f"of items had an honest layer-2 agent adopt compromised content; outcome flipped to harmful: "
            f"{_pct(flip.get('estimate'))}"
        )
    return lines


def markdown(section: dict[str, Any]) -> str:
    lines: list[str] = []
    for target, t in section["targets"].items():
        for key in ("pooled", "autonomy"):
            if t.get(key):
                lines += _curve_lines(t[key], target, key == "autonomy", section["tolerance"])
                lines.append("")
        if t["domains"]:
            lines += ["| domain | headline cascade rate (95% CI) | configuration | robustness margin |",
                      "|---|---|---|---|"]
            for d, s in t["domains"].items():
                h = s["cascade_headline"] or {}
                m = s["margin_headline"] or {}
                lines.append(
                    f"| {d} | {_pct(h.get('estimate'))} [{_pct(h.get('ci_low'))}, {_pct(h.get('ci_high'))}] "
                    f"(n={h.get('n')}) | {h.get('headline') or ''} | {_margin(m.get('estimate'))} |"
                )
        lines.append("")
    for lim in section.get("limitations") or []:
        lines.append(f"_Limitation_: {lim}")
    return "\n".join(lines) + "\n"


def cascade_curve_svg(findings: Sequence[Mapping[str, Any]], title: str) -> str:
    """Cascade rate against k, one line per aggregator, with the intervals ("" with one k only)."""
    from frontiergate.report import plots

    series: dict[str, Sequence[dict[str, Any]]] = {
        agg: [_point(f) for f in pts] for agg, pts in per_k(findings).items()
    }
    return plots.curves(series, title, "cascade rate")


def figure_blocks(report: dict[str, Any], index: Any) -> list[Any]:
    """The cascade curves of every sweep target, as report figure blocks (misuse pooled; autonomy apart)."""
    from frontiergate.report import plots
    from frontiergate.report.evidence import slug
    from frontiergate.report.figures import figure, finding_links

    sec = report.get("sections", {}).get(NAME) or {}
    out: list[Any] = []
    for target, t in sorted((sec.get("targets") or {}).items()):
        tindex = next((i for i, x in enumerate(report["targets"]) if x["model"] == target), -1)
        for key in ("pooled", "autonomy"):
            group = t.get(key)
            series = (group or {}).get("curves")
            if not series:
                continue
            auto = key == "autonomy"
            where = "in autonomy scenarios (violating actions)" if auto else "pooled over the misuse domains"

            def headline(f: Mapping[str, Any], auto: bool = auto) -> bool:
                return bool(f["metric"] == CASCADE_RATE and f["slice"] == "all" and (f["domain"] == AUTONOMY) == auto)

            links = finding_links(report, index, headline, tindex)
            alt = "; ".join(
                f"{agg}: "
                + ", ".join(
                    f"k={p['k']} {_pct(p['estimate'])} [{_pct(p['ci_low'])}, {_pct(p['ci_high'])}]" for p in pts
                )
                for agg, pts in series.items()
            )
            out += figure(
                f"fig-multi-agent-{slug(target)}" + ("-autonomy" if key == "autonomy" else ""),
                plots.curves(
                    series,
                    f"Cascade rate vs compromised agents k (n={group.get('agents') if group else None})",
                    "cascade rate",
                ),
                f"Cascade rate of {target} per number of compromised agents and aggregator, {where}. {alt}",
                f"{target}: cascade rate (the ensemble did harm where the single honest agent did not) against "
                f"k, per aggregator, {where}, with 95% seed-clustered intervals (unknowns bounded).",
                links,
            )
    return out
