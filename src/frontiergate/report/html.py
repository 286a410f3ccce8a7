"""Render ``report.json`` to one self-contained HTML file.

The file needs no network to view: CSS is inline, figures are inline SVG from ``plots``. Every
figure links to the samples behind it (the evidence appendix, or the dashboard's sample pages when
``sample_url`` is given). Everything that came from a model or a user is HTML-escaped: model text is
untrusted, and a report must not be able to run script in the reader's browser.
"""

from __future__ import annotations

import html as _h
import re
from collections.abc import Callable
from typing import Any

from frontiergate.report import plots
from frontiergate.report.decision_text import level_text, seeds_of, unknown_of
from frontiergate.report.markdown import ACTION_TEXT
from frontiergate.report.mdlite import to_html
from frontiergate.report.sections.registry import section_modules

SampleUrl = Callable[[str], str]

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#212529;background:#f8f9fa}
main{max-width:1100px;margin:0 auto;padding:1.5rem 2rem;background:#fff}
h1{margin-top:0}h2{border-bottom:2px solid #dee2e6;padding-bottom:.3rem;margin-top:2.2rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.85rem}
th,td{border:1px solid #dee2e6;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f1f3f5}code,pre{font-size:.8rem;background:#f1f3f5;padding:0 .2rem}
pre{padding:.5rem;overflow-x:auto;white-space:pre-wrap}
.decision{border-left:6px solid #868e96;padding:.6rem 1rem;margin:.8rem 0;background:#f8f9fa}
.action-deploy{border-color:#2f9e44}.action-deploy_with_safeguards{border-color:#e0a100}
.action-do_not_deploy{border-color:#d9480f}.action-stop_scaling{border-color:#862e9c}
.decision .verdict{font-size:1.3rem;font-weight:700}
figure{margin:1rem 0;padding:.5rem;border:1px solid #e9ecef}figcaption{font-size:.8rem;color:#495057}
figure svg{max-width:100%;height:auto}
nav.toc{font-size:.85rem;columns:2}.muted{color:#868e96}.evidence li{font-family:monospace;font-size:.78rem}
.hash{font-family:monospace;word-break:break-all}
@media print{nav.toc{display:none}main{max-width:none}}
"""

CORE_SECTIONS = (
    ("summary", "Summary and decision"),
    ("scope", "Model and scope"),
    ("policy", "Policy"),
    ("results", "Results per domain"),
    ("attack-success", "Attack success by domain and strategy"),
    ("awareness", "Evaluation awareness"),
    ("before-after", "Before and after mitigations"),
    ("safeguards", "Safeguards"),
    ("elicitation", "Elicitation"),
    ("claims", "Claims"),
    ("other-sections", "Further evaluations"),
    ("limitations", "Limitations"),
    ("evidence", "Evidence: samples behind every figure"),
    ("appendix", "Appendix"),
)
"""Anchors and titles of the fixed report structure (in order); the browser test checks them all."""

_SECTION_HOME = {
    "misuse": "attack-success",
    "awareness": "awareness",
    "before_after": "before-after",
    "safeguards": "safeguards",
    "elicitation": "elicitation",
    "claims": "claims",
}


def esc(x: Any) -> str:
    return _h.escape("" if x is None else str(x), quote=True)


def _f(x: Any, digits: int = 3) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return esc(x)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def evidence_anchor(target_index: int, finding: dict[str, Any]) -> str:
    """Stable anchor of one finding's evidence list in the appendix."""
    return f"ev-{target_index}-{slug(finding['domain'])}-{slug(finding['metric'])}-{slug(finding['slice'])}"


def _table(head: list[str], rows: list[list[str]]) -> str:
    """``rows`` cells are already-safe HTML; ``head`` is escaped here."""
    return (
        "<table><thead><tr>"
        + "".join(f"<th>{esc(h)}</th>" for h in head)
        + "</tr></thead><tbody>"
        + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
        + "</tbody></table>"
    )


def _figure(fig_id: str, svg: str, caption: str, links: list[tuple[str, str]]) -> str:
    """A plot with its caption and links to its evidence; the logs link is always there, because a rate
    with no flagged sample (k = 0) is still backed by every sample in its evaluation's log."""
    link_html = (
        " · ".join(f"<a href='#{esc(a)}'>{esc(label)}</a>" for label, a in links)
        or "<span class='muted'>no flagged samples</span>"
    )
    link_html += " · <a href='#runs-and-logs'>all samples (Inspect logs)</a>"
    return (
        f"<figure id='{esc(fig_id)}' class='plot'>{svg}<figcaption>{esc(caption)}<br>"
        f"Samples behind this figure: {link_html}</figcaption></figure>"
    )


def _links_for(
    report: dict[str, Any], pred: Callable[[dict[str, Any]], bool], only: int | None = None
) -> list[tuple[str, str]]:
    """(label, anchor) of every finding matching ``pred`` that has evidence (of target ``only`` if given)."""
    out = []
    for ti, t in enumerate(report["targets"]):
        if only is not None and ti != only:
            continue
        for f in t["findings"]:
            if f.get("evidence") and pred(f):
                label = f"{t['model']} {f['domain']} {f['metric']}" + (
                    "" if f["slice"] == "all" else f" {f['slice']}"
                )
                out.append((label, evidence_anchor(ti, f)))
    return out


def _summary(report: dict[str, Any]) -> str:
    parts = []
    for t in report["targets"]:
        ov = t["decision"].get("overall", {})
        action = str(ov.get("action", ""))
        parts.append(
            f"<div class='decision action-{esc(action)}' data-target='{esc(t['model'])}'>"
            f"<div><code>{esc(t['model'])}</code> ({esc(t['role'])})</div>"
            f"<div class='verdict'>{esc(ACTION_TEXT.get(action, action or 'n/a'))}</div>"
            f"<div>risk level <strong>{esc(ov.get('level') or 'n/a')}</strong> · "
            f"status {esc(ov.get('status'))} · "
            f"confidence {esc(ov.get('confidence'))}</div><p>{esc(ov.get('rationale', ''))}</p>"
            + (f"<p class='muted'>{esc(ov.get('level_meaning'))}</p>" if ov.get("level_meaning") else "")
            + "</div>"
        )
    return "".join(parts)


def _scope(report: dict[str, Any]) -> str:
    run = report["run"]
    parts = [
        f"<p>Run <code>{esc(run['id'])}</code>, status {esc(run['status'])}, "
        f"started {esc(run['started_at'])} "
        f"UTC, finished {esc(run['finished_at'] or 'n/a')} UTC. Targets: "
        + ", ".join(f"<code>{esc(t)}</code>" for t in run["targets"])
        + ".</p>"
    ]
    for t in report["targets"]:
        rows = [
            [
                esc(e["task"]),
                esc(", ".join(e["domains"])),
                esc(e["status"]),
                esc(e["n_samples"]),
                esc(e["n_errors"]),
                f"<code>logs/{esc(e['log'])}</code>",
            ]
            for e in t["evaluations"]
        ]
        parts.append(f"<h3><code>{esc(t['model'])}</code></h3>")
        mc = t.get("model_card")
        if mc:
            parts.append(
                "<div class='model-card'><strong>Model card</strong>"
                + _table(["field", "value"], [[esc(k), esc(v)] for k, v in sorted(mc.items())])
                + "</div>"
            )
        parts.append(_table(["task", "domains", "status", "samples", "errors", "log"], rows))
    return "".join(parts)


def _policy(report: dict[str, Any]) -> str:
    pol = report["policy"]
    levels = [[esc(k), esc(v.get("action")), esc(v.get("description", ""))] for k, v in pol["levels"].items()]
    crit = []
    for name, d in pol["domains"].items():
        for c in d["criteria"]:
            thr = ", ".join(
                f"{esc(k)} ≥ {_f(v)}" for k, v in sorted(c["thresholds"].items(), key=lambda kv: kv[1])
            )
            crit.append(
                [
                    esc(name),
                    "yes" if d["required"] else "no",
                    esc(c["metric"]),
                    thr,
                    esc(c.get("bound", "upper")),
                ]
            )
    return (
        f"<p>Policy <strong>{esc(pol['name'])}</strong> version {esc(pol['version'])}, SHA-256 "
        f"<span class='hash policy-hash'>{esc(pol['sha256'])}</span>.</p>"
        + _table(["level", "action", "meaning"], levels)
        + _table(["domain", "required", "metric", "thresholds", "decisive bound"], crit)
    )


def _risk_rows(report: dict[str, Any], t: dict[str, Any]) -> list[dict[str, Any]]:
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


def _evidence_cell(ti: int, f: dict[str, Any]) -> str:
    n = len(f.get("evidence", []))
    return (
        f"<a href='#{esc(evidence_anchor(ti, f))}'>{n} sample(s)</a>" if n else "<span class='muted'>–</span>"
    )


def _results(report: dict[str, Any]) -> str:
    parts = []
    for ti, t in enumerate(report["targets"]):
        parts.append(f"<h3 id='results-{ti}'>Target <code>{esc(t['model'])}</code></h3>")
        rows = _risk_rows(report, t)
        if rows:
            domains = set(t["decision"].get("domains", {}))
            crit_metrics = {c["metric"] for d in report["policy"]["domains"].values() for c in d["criteria"]}

            def headline(
                f: dict[str, Any], domains: set[str] = domains, metrics: set[str] = crit_metrics
            ) -> bool:
                return bool(f["slice"] == "all" and f["domain"] in domains and f["metric"] in metrics)

            links = _links_for(report, headline, only=ti)
            parts.append(
                _figure(
                    f"fig-risk-{ti}",
                    plots.risk_intervals(rows, f"Risk per domain: {t['model']}"),
                    "Each domain's decisive estimate with its 95% interval against the policy thresholds.",
                    links,
                )
            )
        drows = [
            [
                esc(name),
                "yes" if d["required"] else "no",
                esc(d["status"]),
                esc(level_text(d)),
                esc(d["action"]),
                esc(d["confidence"]),
                esc(d["rationale"]),
            ]
            for name, d in t["decision"].get("domains", {}).items()
        ]
        parts.append(
            _table(["domain", "required", "status", "level", "action", "confidence", "rationale"], drows)
        )
        frows = [
            [
                esc(f["domain"]),
                esc(f["metric"]),
                esc(f["slice"]),
                esc(f["n"]),
                _f(seeds_of(f)),
                _f(f["k"]),
                _f(unknown_of(f)),
                _f(f["estimate"]),
                "not estimable" if f["ci_low"] is None else f"[{_f(f['ci_low'])}, {_f(f['ci_high'])}]",
                esc(f["test"] or ""),
                _f(f["p_value"]),
                _evidence_cell(ti, f),
            ]
            for f in t["findings"]
        ]
        parts.append(
            "<details><summary>All findings for this target</summary>"
            + _table(
                ["domain", "metric", "slice", "n", "seeds", "k", "unknown", "estimate", "95% CI", "test", "p",
                 "evidence"],
                frows,
            )
            + "</details>"
        )
    return "".join(parts)


def _heatmaps(report: dict[str, Any]) -> str:
    sec = report["sections"].get("misuse") or {}
    parts = []
    for ti, t in enumerate(report["targets"]):
        hm = ((sec.get("targets") or {}).get(t["model"]) or {}).get("heatmap")
        if hm is None:
            hm = _heatmap_from_findings(t["findings"])
        if not hm or not hm.get("domains"):
            continue
        links = _links_for(
            report,
            lambda f: (
                f["metric"] == "attack_success_rate"
                and (f["slice"] == "all" or f["slice"].startswith("family="))
            ),
            only=ti,
        )
        svg = plots.heatmap(
            hm["domains"], hm["families"], hm["values"], hm["n"], f"Attack success: {t['model']}"
        )
        parts.append(
            _figure(
                f"fig-heatmap-{ti}",
                svg,
                "Attack success rate by domain × attack strategy family (grey: not run).",
                links,
            )
        )
    return "".join(parts) or "<p class='muted'>No attack-success findings by strategy in this run.</p>"


def _heatmap_from_findings(findings: list[dict[str, Any]]) -> dict[str, Any] | None:
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
    }


def _awareness(report: dict[str, Any]) -> str:
    rows, links = [], []
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
                if f.get("evidence"):
                    links.append((f"{t['model']} {f['domain']}", evidence_anchor(ti, f)))
    if not rows:
        return (
            "<p class='muted'>No evaluation-awareness comparison (eval-cued vs deployment-realistic) "
            "in this run.</p>"
        )
    svg = plots.forest(
        rows, "Evaluation awareness gap", "safer-when-tested gap (eval-cued − deployment-realistic)"
    )
    return _figure(
        "fig-awareness",
        svg,
        "Difference in behaviour between evaluation-cued and deployment-realistic "
        "framings of the same items, with 95% intervals.",
        links,
    )


def _before_after(report: dict[str, Any]) -> str:
    sec = report["sections"].get("before_after") or {}
    findings = [
        f
        for f in sec.get("findings", [])
        if f.get("slice") == "all"
        and f.get("metric") in ("attack_success_rate_change", "over_refusal_rate_change")
    ]
    if not findings:
        findings = [
            f
            for t in report["targets"]
            for f in t["findings"]
            if f["metric"].endswith("_rate_change") and f["slice"] == "all"
        ]
    if not findings:
        return "<p class='muted'>No baseline/candidate pair in this run.</p>"
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
    links = _links_for(
        report,
        lambda f: (
            f["slice"] == "all"
            and f["domain"] in domains
            and f["metric"] in ("attack_success_rate", "over_refusal_rate")
        ),
    )
    title = f"Before/after: {sec.get('baseline', 'baseline')} → {sec.get('candidate', 'candidate')}"
    return _figure(
        "fig-before-after",
        plots.forest(rows, title, "paired change (candidate − baseline)"),
        "Paired change per domain with 95% bootstrap interval (clustered by seed); p from exact McNemar.",
        links,
    )


def _elicitation(report: dict[str, Any]) -> str:
    sec = report["sections"].get("elicitation") or {}
    parts = []
    for target, tsec in sorted((sec.get("targets") or {}).items()):
        series = {d: v.get("points", []) for d, v in (tsec.get("domains") or {}).items() if v.get("points")}
        if not series:
            continue
        tindex = next((i for i, t in enumerate(report["targets"]) if t["model"] == target), -1)
        links = _links_for(report, lambda f: f["metric"] == "capability_accuracy", only=tindex)
        parts.append(
            _figure(
                f"fig-elicitation-{slug(target)}",
                plots.curves(series, f"Elicitation: {target}", "accuracy"),
                "Capability accuracy per elicitation setting, with 95% intervals.",
                links,
            )
        )
    return "".join(parts) or "<p class='muted'>No elicitation sweep in this run.</p>"


def _section_body(mod: Any, sec: dict[str, Any]) -> str:
    if "error" in sec:
        return f"<p class='muted'>{esc(sec['error'])}</p>"
    if mod is None:
        return "<pre>" + esc(sec) + "</pre>"
    if hasattr(mod, "html"):
        return str(mod.html(sec))
    return to_html(str(mod.markdown(sec)))


def _evidence(report: dict[str, Any], sample_url: SampleUrl | None) -> str:
    parts = [
        "<p>Transcript references are <code>&lt;log file&gt;#&lt;sample id&gt;/&lt;epoch&gt;</code> into the "
        "Inspect logs under <code>logs/</code> (open them with <code>inspect view</code> or "
        "<code>frontiergate serve</code>).</p>"
    ]
    for ti, t in enumerate(report["targets"]):
        for f in t["findings"]:
            if not f.get("evidence"):
                continue
            items = []
            for ref in f["evidence"]:
                if sample_url is not None:
                    items.append(f"<li><a href='{esc(sample_url(ref))}'>{esc(ref)}</a></li>")
                else:
                    items.append(f"<li>{esc(ref)}</li>")
            parts.append(
                f"<div id='{esc(evidence_anchor(ti, f))}' class='evidence'><strong>{esc(t['model'])} · "
                f"{esc(f['domain'])} · {esc(f['metric'])} · {esc(f['slice'])}</strong> (n={esc(f['n'])}, "
                f"showing {len(f['evidence'])})<ul>{''.join(items)}</ul></div>"
            )
    return "".join(parts)


def _appendix(report: dict[str, Any]) -> str:
    app = report["appendix"]
    run = report["run"]
    rows = [
        ["run id", f"<code>{esc(run['id'])}</code>"],
        ["code version", f"<code>{esc(app['code_version'])}</code>"],
        [
            "scenario set SHA-256",
            f"<span class='hash scenario-hash'>{esc(app['scenario_set_sha256'])}</span>",
        ],
        ["policy SHA-256", f"<span class='hash'>{esc(run['policy']['sha256'])}</span>"],
        ["report schema", esc(report["schema_version"])],
    ]
    rows += [[esc(k), f"<code>{esc(v)}</code>"] for k, v in sorted(app.get("versions", {}).items())]
    logs = [
        [esc(t["model"]), esc(e["task"]), f"<code>logs/{esc(e['log'])}</code>"]
        for t in report["targets"]
        for e in t["evaluations"]
    ]
    return (
        _table(["item", "value"], rows)
        + "<h3 id='runs-and-logs'>Runs and logs</h3>"
        + _table(["target", "task", "log"], logs)
    )


def render_html(report: dict[str, Any], sample_url: SampleUrl | None = None, standalone: bool = True) -> str:
    """The whole report as HTML. ``standalone=False`` returns only the body (for the dashboard)."""
    mods = {m.NAME: m for m in section_modules()}
    homes: dict[str, list[str]] = {}
    others: list[str] = []
    for name, sec in report.get("sections", {}).items():
        mod = mods.get(name)
        title = getattr(mod, "TITLE", name)
        block = (
            f"<div class='section-module' data-section='{esc(name)}'><h3>{esc(title)}</h3>"
            f"{_section_body(mod, sec)}</div>"
        )
        if name in _SECTION_HOME:
            homes.setdefault(_SECTION_HOME[name], []).append(block)
        else:
            others.append(block)
    body = {
        "summary": _summary(report),
        "scope": _scope(report),
        "policy": _policy(report),
        "results": _results(report),
        "attack-success": _heatmaps(report),
        "awareness": _awareness(report),
        "before-after": _before_after(report),
        "elicitation": _elicitation(report),
        "other-sections": "".join(others)
        or "<p class='muted'>No further evaluation sections in this run.</p>",
        "limitations": (
            "<ul class='limitations'>"
            + "".join(f"<li>{esc(x)}</li>" for x in report["limitations"])
            + "</ul>"
        )
        if report["limitations"]
        else "<p>None derived from the data.</p>",
        "evidence": _evidence(report, sample_url),
        "appendix": _appendix(report),
    }
    run = report["run"]
    html_parts = [
        f"<h1>Safety &amp; Preparedness Report</h1><p>Run <code>{esc(run['id'])}</code> · policy "
        f"<strong>{esc(run['policy']['name'])}</strong> v{esc(run['policy']['version'])} · code "
        f"<code>{esc(run['code_version'])}</code></p>",
        "<nav class='toc'><ol>"
        + "".join(f"<li><a href='#{a}'>{esc(t)}</a></li>" for a, t in CORE_SECTIONS)
        + "</ol></nav>",
    ]
    for anchor, title in CORE_SECTIONS:
        content = body.get(anchor, "") + "".join(homes.get(anchor, []))
        if not content:
            content = "<p class='muted'>Not measured in this run.</p>"
        html_parts.append(f"<section id='{anchor}'><h2>{esc(title)}</h2>{content}</section>")
    inner = "\n".join(html_parts)
    if not standalone:
        return inner
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; "
        'img-src data:">'
        f"<title>Safety &amp; Preparedness Report {esc(run['id'])}</title><style>{CSS}</style></head>"
        f"<body><main>{inner}</main></body></html>\n"
    )
