"""The self-contained HTML report: every section, every plot, evidence links, escaping, no network."""

from __future__ import annotations

import copy
import json
import re

from mixed_run import MixedRun

from frontiergate.report.html import CORE_SECTIONS, evidence_anchor, render_html


def _report(mixed_run: MixedRun) -> dict:  # type: ignore[type-arg]
    return json.loads((mixed_run.run_dir / "report.json").read_text())


def test_html_has_every_section_and_plot(mixed_run: MixedRun) -> None:
    html = (mixed_run.run_dir / "report.html").read_text()
    for anchor, title in CORE_SECTIONS:
        assert f"<section id='{anchor}'>" in html, anchor
        assert title.replace("&", "&amp;") in html
    for fig in ("fig-risk-0", "fig-risk-1", "fig-heatmap-0", "fig-heatmap-1", "fig-before-after"):
        assert re.search(rf"<figure id='{fig}' class='plot'><svg", html), fig
    assert "DO NOT DEPLOY" in html or "STOP SCALING" in html
    report = _report(mixed_run)
    assert report["policy"]["sha256"] in html
    assert report["appendix"]["scenario_set_sha256"] in html
    # the heatmap columns are the attack families that ran
    assert ">encoding<" in html and ">roleplay<" in html


def test_html_is_self_contained(mixed_run: MixedRun) -> None:
    html = (mixed_run.run_dir / "report.html").read_text()
    assert "<script" not in html.lower()
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", html)
    assert "@import" not in html and "url(http" not in html


def test_every_figure_links_to_its_samples(mixed_run: MixedRun) -> None:
    html = (mixed_run.run_dir / "report.html").read_text()
    report = _report(mixed_run)
    for fig in re.findall(r"<figure id='([^']+)'.*?</figure>", html, flags=re.S):
        block = html[html.index(f"<figure id='{fig}'") :]
        block = block[: block.index("</figure>")]
        anchors = re.findall(r"href='#([^']+)'", block)
        assert "runs-and-logs" in anchors, fig
        if fig in (
            "fig-risk-0",
            "fig-heatmap-0",
            "fig-before-after",
        ):  # the complying target has flagged samples
            assert len(anchors) > 1, f"{fig} links to no flagged samples"
        for a in anchors:
            assert f"id='{a}'" in html, a
    f = next(f for f in report["targets"][0]["findings"] if f["evidence"])
    anchor = evidence_anchor(0, f)
    section = html[html.index(f"id='{anchor}'") :]
    assert f["evidence"][0] in section[:4000]


def test_model_text_is_escaped(mixed_run: MixedRun) -> None:
    report = copy.deepcopy(_report(mixed_run))
    evil = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    report["limitations"].append(evil)
    report["targets"][0]["decision"]["overall"]["rationale"] = evil
    report["targets"][0]["findings"][0]["evidence"].append(evil + "#1/1")
    html = render_html(report)
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def _differential(domain: str, estimate: float, ref: str) -> dict:  # type: ignore[type-arg]
    return {
        "domain": domain,
        "metric": "evaluation_differential",
        "slice": "all",
        "n": 20,
        "k": None,
        "estimate": estimate,
        "ci_low": estimate - 0.15,
        "ci_high": estimate + 0.15,
        "test": "exact McNemar",
        "p_value": 0.04,
        "details": {},
        "evidence": [ref],
    }


def _sweep(model: str, settings: tuple[tuple[int, float], ...]) -> dict:  # type: ignore[type-arg]
    return {
        "targets": {
            model: {
                "domains": {
                    "reasoning": {
                        "points": [
                            {
                                "setting": f"agents={a}",
                                "estimate": e,
                                "ci_low": e - 0.1,
                                "ci_high": e + 0.1,
                                "n": 50,
                                "test": "Wilson",
                                "mean_tokens": 100.0,
                                "mean_latency_s": 1.0,
                                "length_penalised": False,
                                "source": "test",
                            }
                            for a, e in settings
                        ],
                        "latency_overhead": [],
                    }
                }
            }
        },
        "method": "test",
    }


def test_awareness_and_elicitation_plots_render_from_their_data(mixed_run: MixedRun) -> None:
    report = copy.deepcopy(_report(mixed_run))
    t = report["targets"][1]
    t["findings"] += [_differential("cyber", -0.15, "a.eval#x/1"), _differential("chem_bio", 0.05, "a.eval#y/1")]
    report["sections"]["elicitation"] = _sweep(t["model"], ((1, 0.4), (4, 0.55)))
    html = render_html(report)
    assert "<figure id='fig-awareness' class='plot'><svg" in html
    assert "<figure id='fig-elicitation-scripted-refuse' class='plot'><svg" in html
    assert "agents=4" in html
    assert f"href='#{evidence_anchor(1, t['findings'][-2])}'" in html
    assert f"href='#{evidence_anchor(1, t['findings'][-1])}'" in html


def test_plots_with_a_single_category_are_dropped(mixed_run: MixedRun) -> None:
    """One awareness gap, one elicitation setting: nothing to compare, so no figure (the tables keep
    the number); the section says so instead of showing a lone bar."""
    report = copy.deepcopy(_report(mixed_run))
    t = report["targets"][1]
    t["findings"].append(_differential("cyber", -0.15, "a.eval#x/1"))
    report["sections"]["elicitation"] = _sweep(t["model"], ((1, 0.4),))
    html = render_html(report)
    assert "fig-awareness" not in html and "fig-elicitation" not in html
    assert "<section id='awareness'>" in html and "<section id='elicitation'>" in html


def test_rendering_is_deterministic(mixed_run: MixedRun) -> None:
    report = _report(mixed_run)
    assert render_html(report) == render_html(report)


def test_report_html_is_a_rendering_of_report_json(mixed_run: MixedRun) -> None:
    """The file on disk is exactly what report.json renders to: no state outside the JSON."""
    assert render_html(_report(mixed_run)) == (mixed_run.run_dir / "report.html").read_text()
