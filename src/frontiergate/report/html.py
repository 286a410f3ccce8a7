"""Render ``report.json`` to one self-contained HTML file (templates ``report.html.j2`` and friends).

The file needs no network to view: CSS is inline, figures are inline SVG from ``plots``, and a
Content-Security-Policy forbids anything else. Every figure and every decisive number links to the
samples behind it (the evidence appendix, or the dashboard's sample pages when ``sample_url`` is
given). Everything that came from a model or a user is escaped by the template engine: model text is
untrusted, and a report must not be able to run script in the reader's browser.
"""

from __future__ import annotations

import html as _h
from typing import Any

from markupsafe import Markup

from frontiergate.report.content import CORE_SECTIONS, build_document
from frontiergate.report.evidence import SampleUrl, evidence_anchor, slug
from frontiergate.report.templating import html_env

__all__ = ["CORE_SECTIONS", "CSS", "SampleUrl", "esc", "evidence_anchor", "render_html", "slug"]

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#212529;background:#f8f9fa;
line-height:1.45}
main{max-width:1100px;margin:0 auto;padding:1.5rem 2rem;background:#ffffff}
a{color:#0a58ca}
h1{margin-top:0}h2{border-bottom:2px solid #dee2e6;padding-bottom:.3rem;margin-top:2.2rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.85rem;display:block;overflow-x:auto;max-width:100%}
th,td{border:1px solid #dee2e6;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f1f3f5}code,pre{font-size:.8rem;background:#f1f3f5;padding:0 .2rem}
pre{padding:.5rem;overflow-x:auto;white-space:pre-wrap}
.banner{display:block;background:#fff3bf;color:#212529;border:2px solid #e0a100;padding:.7rem 1rem;margin:1rem 0;
font-size:1.05rem}
.decision{border-left:6px solid #5c636a;padding:.6rem 1rem;margin:.8rem 0;background:#f8f9fa}
.decision p{margin:.3rem 0}
.action-deploy{border-color:#2f9e44}.action-deploy_with_safeguards{border-color:#e0a100}
.action-do_not_deploy{border-color:#d9480f}.action-stop_scaling{border-color:#862e9c}
.decision .verdict{font-size:1.3rem;font-weight:700}
figure{margin:1rem 0;padding:.5rem;border:1px solid #dee2e6}figcaption{font-size:.8rem;color:#495057}
figure svg{max-width:100%;height:auto}
nav.toc{font-size:.85rem;columns:2}.muted{color:#5c636a}.evidence li{font-family:monospace;font-size:.78rem}
.hash{font-family:monospace;word-break:break-all}code{overflow-wrap:anywhere}
@media (max-width:700px){main{padding:1rem}nav.toc{columns:1}}
@media print{nav.toc{display:none}main{max-width:none}}
"""
"""Colours: every text/background pair meets WCAG AA (4.5:1); tests/report/test_render_templates.py
computes each ratio. The muted grey is #5c636a (5.5:1 on the lightest grey), not #868e96 (3.3:1)."""


def esc(x: Any) -> str:
    """HTML-escape a value for hand-written markup (the comparison page)."""
    return _h.escape("" if x is None else str(x), quote=True)


def render_html(report: dict[str, Any], sample_url: SampleUrl | None = None, standalone: bool = True) -> str:
    """The whole report as HTML. ``standalone=False`` returns only the body (for the dashboard)."""
    doc = build_document(report, sample_url)
    env = html_env()
    if not standalone:
        return env.get_template("report_body.html.j2").render(doc=doc)
    return env.get_template("report.html.j2").render(doc=doc, css=Markup(CSS))
