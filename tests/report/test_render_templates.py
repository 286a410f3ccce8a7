"""One content model, two sets of templates: Markdown and HTML say the same things in the same order,
the first screen carries the banner and the decision, every decisive number links to its samples,
hostile text stays text in both formats, and every colour pair in the CSS meets WCAG AA."""

from __future__ import annotations

import copy
import html as _html
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from markdown_it import MarkdownIt
from mixed_run import MixedRun

from frontiergate.dashboard.app import DASHBOARD_CSS
from frontiergate.report import plots
from frontiergate.report.content import SECTION_HOME, build_document, module_anchor
from frontiergate.report.html import CSS, render_html
from frontiergate.report.markdown import render_markdown
from frontiergate.report.markup import demote_headings, md_escape, md_to_html, neutralise_markdown
from frontiergate.report.write import SLICES_CSV, slices_csv, write_reports

EVIL = "<script>alert('x')</script><img src=x onerror=alert(1)>"
BANNER = "Pipeline check: this run tests the evaluation pipeline; it is not a deployment decision."


def _report(mixed_run: MixedRun) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((mixed_run.run_dir / "report.json").read_text())
    return report


def _h2_html(html: str) -> list[str]:
    return [_html.unescape(re.sub(r"<[^>]+>", "", t)) for t in re.findall(r"<h2>(.*?)</h2>", html)]


def _h2_md(md: str) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", t) for t in re.findall(r"^## (.*)$", md, flags=re.M)]


# --- structure -----------------------------------------------------------------------------------------


def test_markdown_and_html_have_the_same_sections_in_the_same_order(mixed_run: MixedRun) -> None:
    report = _report(mixed_run)
    html, md = render_html(report), render_markdown(report)
    titles = [s.title for s in build_document(report).sections]
    assert _h2_html(html) == titles
    assert _h2_md(md) == titles
    assert len(titles) >= 14  # every fixed section, plus the run's section modules
    anchors_html = re.findall(r"<section id='([^']+)'", html)
    anchors_md = re.findall(r'^<a id="([^"]+)"></a>\n## ', md, flags=re.M)
    assert anchors_html == anchors_md


def test_every_section_module_gets_its_own_anchor(mixed_run: MixedRun) -> None:
    report = _report(mixed_run)
    html, md = render_html(report), render_markdown(report)
    own = [n for n in report["sections"] if n not in SECTION_HOME]
    assert own, "the mixed run has sections beyond the fixed structure"
    for name in own:
        anchor = module_anchor(name)
        assert anchor == name.replace("_", "-")
        assert f"<section id='{anchor}' class='section-module' data-section='{name}'>" in html
        assert f'<a id="{anchor}"></a>' in md
        assert f"href='#{anchor}'" in html  # listed in the contents


def test_first_screen_is_decision_then_domain_summary_then_contents(mixed_run: MixedRun) -> None:
    report = _report(mixed_run)
    if "domain_summary" not in report["sections"]:
        pytest.skip("this build has no per-domain summary section")
    html, md = render_html(report), render_markdown(report)
    order = [html.index(s) for s in ("<section id='summary'>", "id='domain-summary'", "<nav class='toc'", "id='scope'")]
    assert order == sorted(order)
    assert md.index("## Summary and decision") < md.index('<a id="domain-summary">') < md.index('<a id="scope">')
    assert "id='banner'" not in html and "> **" not in md.split("## Summary", 1)[0]


@pytest.mark.parametrize("banner", [None, "", "   "])
def test_no_banner_when_there_is_none(mixed_run: MixedRun, banner: str | None) -> None:
    report = copy.deepcopy(_report(mixed_run))
    report["banner"] = banner
    assert "id='banner'" not in render_html(report)
    assert not render_markdown(report).split("## ", 1)[0].count("> ")
    report.pop("banner")
    assert "id='banner'" not in render_html(report)


def test_pipeline_check_banner_comes_first_in_every_format(mixed_run: MixedRun) -> None:
    report = copy.deepcopy(_report(mixed_run))
    report["banner"] = BANNER
    html, md = render_html(report), render_markdown(report)
    body = html[html.index("<main>") :]
    assert body.index("id='banner'") < body.index("<section")  # before the decision and everything else
    assert BANNER in body[: body.index("<section")]
    head = md.split("\n## ", 1)[0]
    assert f"> **{md_escape(BANNER)}**" in head
    assert md.index(md_escape(BANNER)) < md.index("## Summary and decision")


def test_decision_card_shows_mitigation_sign_off_and_policy_version(mixed_run: MixedRun) -> None:
    report = copy.deepcopy(_report(mixed_run))
    ov = report["targets"][0]["decision"]["overall"]
    ov.update(
        {
            "pre_mitigation": {"level": "medium", "action": "deploy_with_safeguards"},
            "post_mitigation": {"target": "safeguarded/m", "level": "low", "status": "evaluated"},
            "policy_version": "7",
            "sign_off": {"action": "deploy_with_safeguards", "roles": ["safety lead", "CEO"]},
            "alerts": 2,
        }
    )
    for text in (render_html(report), re.sub(r"\\(.)", r"\1", render_markdown(report))):
        summary = text[: text.index("Model and scope")]
        assert "Before safeguards" in summary and "DEPLOY WITH SAFEGUARDS" in summary
        assert "safeguarded/m" in summary and "residual level" in summary
        assert "version 7" in summary and "safety lead, CEO" in summary
        assert "2 alert threshold(s) reached" in summary
    # the other target's decision predates these keys: it renders without them, and says nothing false
    other = report["targets"][1]["decision"]["overall"]
    for k in ("pre_mitigation", "post_mitigation", "policy_version", "sign_off", "alerts"):
        other.pop(k, None)
    card = render_html(report).split("data-target='scripted/refuse'", 1)[1].split("</div>", 1)[0]
    assert "Before safeguards" not in card and "Sign-off" not in card


# --- HTML requirements --------------------------------------------------------------------------------


def test_viewport_meta_and_self_contained(mixed_run: MixedRun) -> None:
    html = render_html(_report(mixed_run))
    assert "<meta name='viewport' content='width=device-width, initial-scale=1'>" in html
    assert "Content-Security-Policy" in html and "<script" not in html.lower()
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", html)


def test_every_figure_has_alt_text_and_a_caption(mixed_run: MixedRun) -> None:
    html = render_html(_report(mixed_run))
    figures = re.findall(r"<figure\b.*?</figure>", html, flags=re.S)
    assert len(figures) >= 5
    for fig in figures:
        svg_tag = re.search(r"<svg\b[^>]*>", fig)
        assert svg_tag, fig[:80]
        assert 'role="img"' in svg_tag.group(0)
        label = re.search(r'aria-label="([^"]+)"', svg_tag.group(0))
        assert label and len(label.group(1)) > 30, "alt text says what the figure shows"
        assert re.search(r"<figcaption>.+</figcaption>", fig, flags=re.S)


def _hex(c: str) -> str:
    c = c.lower()
    return "#" + "".join(ch * 2 for ch in c[1:]) if len(c) == 4 else c


def _lum(c: str) -> float:
    rgb = [int(_hex(c)[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two sRGB colours."""
    hi, lo = sorted((_lum(a), _lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _rules(css: str) -> list[tuple[str, str | None, str | None]]:
    out = []
    for sel, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        fg = re.search(r"(?:^|;)\s*color:\s*(#[0-9a-fA-F]{3,6})", body)
        bg = re.search(r"background(?:-color)?:\s*(#[0-9a-fA-F]{3,6})", body)
        out.append((sel.strip(), fg.group(1) if fg else None, bg.group(1) if bg else None))
    return out


def colour_pairs(css: str) -> list[tuple[str, str, str]]:
    """Every (where, text colour, background) the stylesheet can put together: a rule's own pair, and
    a text colour without its own background against every background of its lightness class (a dark
    text may sit on any light background, a light text on any dark one)."""
    rules = _rules(css)
    backgrounds = {bg for _, _, bg in rules if bg}
    pairs = []
    for sel, fg, bg in rules:
        if fg and bg:
            pairs.append((sel, fg, bg))
        elif fg:
            dark = _lum(fg) < 0.18
            pairs += [(sel, fg, b) for b in backgrounds if (_lum(b) > 0.4) == dark]
    return pairs


def test_wcag_formula() -> None:
    assert contrast("#000", "#fff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#868e96", "#ffffff") < 4.5  # the grey the report used to mute text with fails AA


@pytest.mark.parametrize("css", [CSS, CSS + DASHBOARD_CSS], ids=["report", "dashboard"])
def test_every_colour_pair_meets_wcag_aa(css: str) -> None:
    pairs = colour_pairs(css)
    text_colours = {_hex(fg) for _, fg, _ in pairs}
    assert {"#212529", "#0a58ca", "#5c636a", "#495057"} <= text_colours
    assert "#868e96" not in text_colours
    failing = [(s, fg, bg, round(contrast(fg, bg), 2)) for s, fg, bg in pairs if contrast(fg, bg) < 4.5]
    assert not failing
    assert len(pairs) >= 10


def test_heatmap_labels_meet_contrast_on_every_cell_colour() -> None:
    import matplotlib

    cmap = matplotlib.colormaps["Reds"]
    for i in range(101):
        rgba = cmap(i / 100)
        hex_bg = "#" + "".join(f"{round(c * 255):02x}" for c in rgba[:3])
        text = "#000000" if plots.text_colour_on(rgba) == "black" else "#ffffff"
        assert contrast(text, hex_bg) >= 4.5, (i, hex_bg, text)


def test_plots_draw_nothing_for_a_single_category() -> None:
    one = [{"label": "a", "estimate": 0.2, "ci_low": 0.1, "ci_high": 0.3, "n": 10, "thresholds": {}}]
    assert plots.risk_intervals(one, "t") == ""
    assert plots.forest(one, "t", "x") == ""
    assert plots.heatmap(["cyber", "bio"], ["plain"], [[0.1], [0.2]], [[10], [10]], "t") == ""
    assert plots.curves({"d": [{"setting": "agents=1", "estimate": 0.5}]}, "t", "y") == ""
    # a control: two categories are a comparison, and are drawn
    assert plots.forest(one * 2, "t", "x").startswith("<svg")
    assert plots.heatmap(["cyber"], ["plain", "base64"], [[0.1, 0.4]], [[10, 10]], "t").startswith("<svg")


def test_single_family_heatmap_is_dropped_with_a_note(mixed_run: MixedRun) -> None:
    report = copy.deepcopy(_report(mixed_run))
    for sec in report["sections"]["misuse"]["targets"].values():
        hm = sec["heatmap"]
        hm["families"] = hm["families"][:1]
        for key in ("values", "n", "ci_low", "ci_high", "unknown"):
            if key in hm:
                hm[key] = [row[:1] for row in hm[key]]
    html = render_html(report)
    assert "fig-heatmap" not in html and "Only one attack strategy family ran" in html


# --- escaping --------------------------------------------------------------------------------------------


def _inject(report: dict[str, Any]) -> dict[str, Any]:
    report = copy.deepcopy(report)
    report["banner"] = EVIL
    report["limitations"].append(EVIL)
    report["targets"][0]["decision"]["overall"]["rationale"] = EVIL
    report["targets"][0]["findings"][0]["evidence"].append(EVIL + "#1/1")
    claims = report["sections"].get("claims")
    if claims and claims.get("verdicts"):
        claims["verdicts"][0]["statement"] = EVIL  # a section module's Markdown quoting user text
    report["sections"]["mystery"] = {"note": EVIL}  # a section no module renders: dumped as text
    return report


def test_model_text_is_escaped_in_html(mixed_run: MixedRun) -> None:
    html = render_html(_inject(_report(mixed_run)))
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert html.count("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") >= 4


def test_model_text_is_escaped_in_markdown(mixed_run: MixedRun) -> None:
    md = render_markdown(_inject(_report(mixed_run)))
    # no raw tag a Markdown viewer would run: every '<' of the hostile text is backslash-escaped
    assert not re.search(r"(?<!\\)<(script|img)", md, flags=re.I)
    # and a viewer that passes raw HTML through (GitHub-style) still shows it as text
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(md)
    assert "<script" not in rendered.lower() and "<img" not in rendered.lower()
    assert rendered.count("&lt;script&gt;") >= 4


def test_markdown_it_runs_in_safe_mode() -> None:
    out = md_to_html(
        "Hi <b>bold</b> <script>x()</script>\n\n"
        "[js](javascript:alert(1)) [far](https://example.com/x) [near](#ev-0) ![img](http://x/y.png)\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    assert "<b>" not in out and "<script>" not in out and "&lt;script&gt;" in out
    assert "javascript:" not in out.replace("[js](javascript:alert(1))", "")
    assert "href=\"https://" not in out and "<img" not in out  # nothing reaches the network
    assert '<a href="#ev-0">near</a>' in out
    assert "<table>" in out and "<td>1</td>" in out


def test_section_markdown_cannot_add_sections_or_tags() -> None:
    assert demote_headings("## Rogue\ntext\n# Top") == "##### Rogue\ntext\n#### Top"
    assert neutralise_markdown("a <b>x</b> `<kept>`") == "a \\<b>x\\</b> `<kept>`"


# --- decisive numbers link to their samples ---------------------------------------------------------------


def _criteria_tables(html: str) -> list[str]:
    return re.findall(r"<table class='criteria'>.*?</table>", html, flags=re.S)


def test_decisive_numbers_link_to_failures_and_passes(mixed_run: MixedRun) -> None:
    report = _report(mixed_run)
    html, md = render_html(report), render_markdown(report)
    comply, refuse = _criteria_tables(html)
    # the complying target's decisive interval links to its events (attacks that succeeded) ...
    assert re.search(r"<td><a href='#ev-0-cyber-attack-success-rate-all'>\[0\.\d+, 1\.000\]</a></td>", comply)
    # ... and the refusing target's to its passes: a clean result is backed by samples too
    assert re.search(r"<td><a href='#ev-1-cyber-attack-success-rate-all-passes'>\[0\.000, 0\.\d+\]</a></td>", refuse)
    for table in (comply, refuse):
        for anchor in re.findall(r"href='#([^']+)'", table):
            assert f"<div id='{anchor}' class='evidence'>" in html, anchor
    passes = next(
        f for f in report["targets"][1]["findings"] if f["metric"] == "attack_success_rate" and f["slice"] == "all"
    )
    safe = passes["details"]["evidence_safe"]
    block = html.split(f"<div id='ev-1-{passes['domain'].replace('_', '-')}-attack-success-rate-all-passes'", 1)[1]
    assert safe[0] in block.split("</div>", 1)[0]
    log, _, rest = safe[0].partition("#")
    sid, _, epoch = rest.rpartition("/")
    assert f"samples/{sid}_epoch_{epoch}.json" in block.split("</div>", 1)[0]  # names the .eval member
    # Markdown carries the same links and anchors
    assert "](#ev-1-cyber-attack-success-rate-all-passes)" in md
    assert '<a id="ev-1-cyber-attack-success-rate-all-passes"></a>' in md
    assert "](#ev-0-cyber-attack-success-rate-all)" in md


def test_unknown_outcomes_are_linked_too(mixed_run: MixedRun) -> None:
    report = copy.deepcopy(_report(mixed_run))
    crit = report["targets"][1]["decision"]["domains"]["cyber"]["criteria"][0]
    crit["finding"]["details"]["evidence_unknown"] = ["u.eval#cyber-009/1"]
    html = render_html(report)
    refuse = _criteria_tables(html)[1]
    assert "href='#ev-1-cyber-attack-success-rate-all-unknown'>1 unknown outcome(s)</a>" in refuse
    assert "<div id='ev-1-cyber-attack-success-rate-all-unknown' class='evidence'>" in html


def test_dashboard_links_decisive_numbers_straight_to_sample_pages(mixed_run: MixedRun) -> None:
    report = _report(mixed_run)

    def sample_url(ref: str) -> str:
        return f"/runs/r/evidence?ref={quote(ref, safe='')}"

    body = render_html(report, sample_url=sample_url, standalone=False)
    assert not body.lstrip().startswith("<!DOCTYPE")
    for table in _criteria_tables(body):
        assert re.search(r"href='/runs/r/evidence\?ref=[^']+'>\[1\]</a>", table)
        assert re.search(r"href='#ev-\d-[^']+'", table)  # and the whole list in the appendix


def test_a_criterion_without_a_sample_list_points_to_the_logs(mixed_run: MixedRun) -> None:
    report = copy.deepcopy(_report(mixed_run))
    for t in report["targets"]:
        for f in t["findings"]:
            f["evidence"] = []
            f["details"].pop("evidence_safe", None)
            f["details"].pop("evidence_unknown", None)
        for d in t["decision"]["domains"].values():
            for c in d["criteria"]:
                c["finding"]["evidence"] = []
                c["finding"]["details"].pop("evidence_safe", None)
    table = _criteria_tables(render_html(report))[0]
    assert "no sample list stored" in table and "href='#runs-and-logs'" in table


# --- pruned slices -------------------------------------------------------------------------------------


def test_pruned_slices_are_named_in_both_formats(mixed_run: MixedRun) -> None:
    report = copy.deepcopy(_report(mixed_run))
    report["appendix"]["pruned_slices"] = [{"target": "t", "domain": "cyber", "slice": "category=x", "n": 2}]
    assert "<code>slices.csv</code>" in render_html(report)
    assert "`slices.csv`" in render_markdown(report)
    report["appendix"].pop("pruned_slices")
    assert "slices.csv" not in render_html(report)


def test_slices_csv_is_stable_and_flat() -> None:
    rows = [{"domain": "cyber", "n": 2, "details": {"b": 1, "a": 2}}, {"domain": "bio", "k": None, "n": 3}]
    assert slices_csv(rows) == 'domain,n,details,k\ncyber,2,"{""a"": 2, ""b"": 1}",\nbio,3,,\n'


def test_written_slices_file_is_in_the_manifest(mixed_run: MixedRun, tmp_path: Path) -> None:
    report, paths = write_reports(mixed_run.store(), mixed_run.run_id, tmp_path / "out")
    manifest = json.loads(paths["manifest"].read_text())
    if not report["appendix"].get("pruned_slices"):
        assert not (tmp_path / "out" / SLICES_CSV).exists()
        pytest.skip("this build prunes no slices")
    lines = (tmp_path / "out" / SLICES_CSV).read_text().splitlines()
    assert len(lines) == len(report["appendix"]["pruned_slices"]) + 1
    assert SLICES_CSV in manifest["files"]
    assert "slices.csv" in (tmp_path / "out" / "report.md").read_text()
