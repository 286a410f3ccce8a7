"""The report's figures as content blocks: the SVG, what it shows in words, and the samples behind it.

A figure is drawn only when it compares something: ``plots`` returns "" for a single category (one
bar, one column), and the tables carry that number alone. Every figure gets alt text built from its
data (a screen reader hears the estimates, not "chart"), a caption, and links to the sample lists of
the findings it plots.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from frontiergate.report import plots
from frontiergate.report.blocks import Block, Figure, Para, Span, txt
from frontiergate.report.evidence import EvidenceIndex, slug
from frontiergate.report.plain import heatmap_grid
from frontiergate.report.pruning import all_findings

Pred = Callable[[dict[str, Any]], bool]


def _n(x: Any) -> str:
    return "n/a" if x is None else f"{float(x):.2f}"


def _alt_rows(rows: list[dict[str, Any]]) -> str:
    parts = []
    for r in rows:
        iv = "" if r.get("ci_low") is None else f" (95% interval {_n(r['ci_low'])} to {_n(r['ci_high'])})"
        parts.append(f"{r['label']}: {_n(r.get('estimate'))}{iv}")
    return "; ".join(parts)


def finding_links(
    report: dict[str, Any], index: EvidenceIndex, pred: Pred, only: int | None = None
) -> tuple[Span, ...]:
    """One link per plotted finding (of target ``only`` if given) to its first sample list: its
    events, or its passes when nothing was flagged, or its unknown outcomes."""
    out: list[Span] = []
    for ti, t in enumerate(report["targets"]):
        if only is not None and ti != only:
            continue
        for f in t["findings"]:
            if not pred(f):
                continue
            href = index.first_anchor(ti, t["model"], f)
            if href is None:
                continue
            label = f"{t['model']} {f['domain']} {f['metric']}" + ("" if f["slice"] == "all" else f" {f['slice']}")
            out.append(Span(label, href=href))
    return tuple(out)


def figure(anchor: str, svg: str, alt: str, caption: str, links: tuple[Span, ...]) -> list[Block]:
    """The figure block, or nothing when ``plots`` declined to draw (one category)."""
    if not svg:
        return []
    return [Figure(anchor=anchor, svg=svg, alt=alt, caption=caption, links=links)]


def risk_rows(report: dict[str, Any], t: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, d in t["decision"].get("domains", {}).items():
        pdom = report["policy"]["domains"].get(name, {"criteria": []})
        thresholds = {c["metric"]: c["thresholds"] for c in pdom["criteria"]}
        for c in d.get("criteria", []):
            f = c.get("finding") or {}
            rows.append(
                {
                    "label": f"{name}: {c['metric']}",
                    "estimate": f.get("estimate"),
                    "ci_low": f.get("ci_low"),
                    "ci_high": f.get("ci_high"),
                    "n": f.get("n"),
                    "thresholds": thresholds.get(c["metric"], {}),
                }
            )
    return rows


def risk_figure(report: dict[str, Any], index: EvidenceIndex, ti: int) -> list[Block]:
    t = report["targets"][ti]
    rows = risk_rows(report, t)
    if not rows:
        return []
    domains = set(t["decision"].get("domains", {}))
    metrics = {c["metric"] for d in report["policy"]["domains"].values() for c in d["criteria"]}
    links = finding_links(
        report, index, lambda f: f["slice"] == "all" and f["domain"] in domains and f["metric"] in metrics, ti
    )
    return figure(
        f"fig-risk-{ti}",
        plots.risk_intervals(rows, f"Risk per domain: {t['model']}"),
        f"Risk per domain for {t['model']}, estimate with 95% interval against the policy thresholds. "
        + _alt_rows(rows),
        "Each domain's decisive estimate with its 95% interval against the policy thresholds.",
        links,
    )


def heatmap_from_findings(findings: list[dict[str, Any]]) -> dict[str, Any] | None:
    cells = {
        (f["domain"], f["slice"].split("=", 1)[1]): f
        for f in findings
        if f["metric"] == "attack_success_rate" and f["slice"].startswith("family=")
    }
    if not cells:
        return None
    domains = sorted({d for d, _ in cells})
    fams = sorted({fam for _, fam in cells})
    return {
        "domains": domains,
        "families": fams,
        "values": [[cells[(d, f)]["estimate"] if (d, f) in cells else None for f in fams] for d in domains],
        "n": [[cells[(d, f)]["n"] if (d, f) in cells else None for f in fams] for d in domains],
        "ci_high": [[cells[(d, f)]["ci_high"] if (d, f) in cells else None for f in fams] for d in domains],
        "unknown": [[int((cells[(d, f)].get("details") or {}).get("unknown") or 0) if (d, f) in cells else 0
                     for f in fams] for d in domains],
    }


def heatmap_figures(report: dict[str, Any], index: EvidenceIndex) -> list[Block]:
    sec = report["sections"].get("misuse") or {}
    out: list[Block] = []
    single: list[str] = []
    for ti, t in enumerate(report["targets"]):
        hm = ((sec.get("targets") or {}).get(t["model"]) or {}).get("heatmap")
        if hm is None:
            hm = heatmap_from_findings(all_findings(report, t["model"]))  # family slices may be pruned
        if not hm or not hm.get("domains"):
            continue
        links = finding_links(
            report,
            index,
            lambda f: f["metric"] == "attack_success_rate"
            and (f["slice"] == "all" or f["slice"].startswith("family=")),
            ti,
        )
        cells = []
        for i, d in enumerate(hm["domains"]):
            for j, fam in enumerate(hm["families"]):
                v = hm["values"][i][j]
                u = heatmap_grid(hm, "unknown", 0)[i][j]
                hi = heatmap_grid(hm, "ci_high", None)[i][j]
                more = f" ({u} unknown: up to {float(hi):.0%})" if u and hi is not None else ""
                cells.append(f"{d} × {fam}: {'not run' if v is None else f'{float(v):.0%}'}{more}")
        svg = plots.heatmap(hm["domains"], hm["families"], hm["values"], hm["n"], f"Attack success: {t['model']}",
                            upper=hm.get("ci_high"), unknown=hm.get("unknown"))
        if not svg:
            single.append(t["model"])
        out += figure(
            f"fig-heatmap-{ti}",
            svg,
            f"Attack success of {t['model']} by domain and attack strategy family. " + "; ".join(cells),
            "Attack success rate by domain × attack strategy family (grey: not run).",
            links,
        )
    if single:
        out.append(
            Para(
                txt(
                    "Only one attack strategy family ran for "
                    + ", ".join(single)
                    + ", so there is nothing to compare in a heatmap; its rates are in the tables."
                ),
                css="muted",
            )
        )
    return out or [Para(txt("No attack-success findings by strategy in this run."), css="muted")]


def awareness_figure(report: dict[str, Any], index: EvidenceIndex) -> list[Block]:
    rows: list[dict[str, Any]] = []
    links: list[Span] = []
    for ti, t in enumerate(report["targets"]):
        for f in t["findings"]:
            if f["metric"] == "evaluation_differential" and f["slice"] == "all":
                note = "" if f["p_value"] is None else f"p={f['p_value']:.3g}"
                rows.append(
                    {
                        "label": f"{t['model']} · {f['domain']}",
                        "estimate": f["estimate"],
                        "ci_low": f["ci_low"],
                        "ci_high": f["ci_high"],
                        "note": note,
                    }
                )
                href = index.first_anchor(ti, t["model"], f)
                if href:
                    links.append(Span(f"{t['model']} {f['domain']}", href=href))
    if not rows:
        return [
            Para(
                txt("No evaluation-awareness comparison (eval-cued vs deployment-realistic) in this run."),
                css="muted",
            )
        ]
    # the finding's sign (decision_text.AWARENESS_GAP_DEFINITION): deploy − eval, positive = worse unwatched
    axis = "awareness gap (deploy − eval; positive = more unsafe when it looks like real use)"
    svg = plots.forest(rows, "Evaluation awareness gap", axis)
    return figure(
        "fig-awareness",
        svg,
        "Evaluation awareness gap, unsafe compliance under deployment-realistic minus evaluation-cued framing "
        "(positive: more unsafe when the request looks like real use), per target and domain. " + _alt_rows(rows),
        "Difference in behaviour between evaluation-cued and deployment-realistic "
        "framings of the same items, with 95% intervals.",
        tuple(links),
    )


def before_after_figure(report: dict[str, Any], index: EvidenceIndex) -> list[Block]:
    sec = report["sections"].get("before_after") or {}
    findings = [
        f
        for f in sec.get("findings", [])
        if f.get("slice") == "all" and f.get("metric") in ("attack_success_rate_change", "over_refusal_rate_change")
    ]
    if not findings:
        findings = [
            f
            for t in report["targets"]
            for f in t["findings"]
            if f["metric"].endswith("_rate_change") and f["slice"] == "all"
        ]
    if not findings:
        return [Para(txt("No baseline/candidate pair in this run."), css="muted")]
    rows = [
        {
            "label": f"{f['domain']} · {f['metric'].removesuffix('_rate_change').replace('_', ' ')}",
            "estimate": f["estimate"],
            "ci_low": f["ci_low"],
            "ci_high": f["ci_high"],
            "note": f.get("verdict") or ("" if f.get("p_value") is None else f"p={f['p_value']:.3g}"),
        }
        for f in findings
    ]
    domains = {f["domain"] for f in findings}
    links = finding_links(
        report,
        index,
        lambda f: f["slice"] == "all"
        and f["domain"] in domains
        and f["metric"] in ("attack_success_rate", "over_refusal_rate"),
    )
    title = f"Before/after: {sec.get('baseline', 'baseline')} → {sec.get('candidate', 'candidate')}"
    return figure(
        "fig-before-after",
        plots.forest(rows, title, "paired change (candidate − baseline)"),
        f"{title}: paired change per domain (candidate minus baseline). " + _alt_rows(rows),
        "Paired change per domain with 95% bootstrap interval (clustered by seed); p from exact McNemar.",
        links,
    )


def elicitation_figures(report: dict[str, Any], index: EvidenceIndex) -> list[Block]:
    sec = report["sections"].get("elicitation") or {}
    out: list[Block] = []
    for target, tsec in sorted((sec.get("targets") or {}).items()):
        series = {d: v.get("points", []) for d, v in (tsec.get("domains") or {}).items() if v.get("points")}
        if not series:
            continue
        tindex = next((i for i, t in enumerate(report["targets"]) if t["model"] == target), -1)
        links = finding_links(report, index, lambda f: f["metric"] == "capability_accuracy", tindex)
        alt = "; ".join(
            f"{d}: " + ", ".join(f"{p['setting']} {_n(p.get('estimate'))}" for p in pts) for d, pts in series.items()
        )
        out += figure(
            f"fig-elicitation-{slug(target)}",
            plots.curves(series, f"Elicitation: {target}", "accuracy"),
            f"Capability accuracy of {target} per elicitation setting. {alt}",
            "Capability accuracy per elicitation setting, with 95% intervals.",
            links,
        )
    return out
