"""The dashboard: a FastAPI app that renders server-side HTML (Jinja2), with no CDN and no script.

Pages are rebuilt from the store on each request (a report is a pure function of the store), and
figures are the same inline SVG as in ``report.html``. Model text is untrusted: Jinja2 autoescapes it,
and the report renderer escapes it too. Run options and model arguments are never shown, so keys
cannot leak through the dashboard.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from frontiergate.dashboard.queries import list_samples, run_summaries, sample_detail, sample_pk_for_ref
from frontiergate.report.build import build_report
from frontiergate.report.canonical import dumps
from frontiergate.report.compare import compare_runs, render_comparison_html
from frontiergate.report.content import ACTION_TEXT
from frontiergate.report.html import CSS, render_html
from frontiergate.store.db import Store

DASHBOARD_CSS = """
header.top{background:#212529;color:#ffffff;padding:.5rem 2rem}header.top a{color:#ffffff;margin-right:1rem}
.msg{white-space:pre-wrap;border:1px solid #dee2e6;padding:.5rem;margin:.4rem 0;font-size:.85rem}
.msg .role{font-weight:700;text-transform:uppercase;font-size:.75rem;color:#495057}
.role-assistant{background:#f3f8ff}.role-system{background:#fff9db}
@media (max-width:700px){header.top{padding:.5rem 1rem}}
"""
"""The dashboard's own styles on top of the report's; the contrast test checks these pairs too."""


def create_app(store: Store) -> FastAPI:
    app = FastAPI(title="frontiergate", docs_url=None, redoc_url=None, openapi_url=None)
    env = Environment(
        loader=PackageLoader("frontiergate.dashboard", "templates"),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
    )
    env.globals.update(css=Markup(CSS + DASHBOARD_CSS), action_text=ACTION_TEXT)

    def page(template: str, **ctx: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(template).render(**ctx))

    def known_run(run_id: str) -> None:
        if store.get_run(run_id) is None:
            raise HTTPException(404, f"no run {run_id}")

    @app.get("/", response_class=HTMLResponse)
    def index() -> HTMLResponse:
        return page("runs.html.j2", runs=run_summaries(store))

    @app.get("/runs/{run_id}", response_class=HTMLResponse)
    def run_page(run_id: str) -> HTMLResponse:
        known_run(run_id)
        report = json.loads(dumps(build_report(store, run_id)))  # as report.json has it (same order)

        def sample_url(ref: str) -> str:
            return f"/runs/{quote(run_id)}/evidence?ref={quote(ref, safe='')}"

        body = Markup(render_html(report, sample_url=sample_url, standalone=False))  # escapes internally
        return page("run.html.j2", run_id=run_id, report=report, body=body)

    @app.get("/runs/{run_id}/samples", response_class=HTMLResponse)
    def samples(
        run_id: str,
        target: str | None = None,
        domain: str | None = None,
        page_no: int = Query(1, alias="page", ge=1),
    ) -> HTMLResponse:
        known_run(run_id)
        result = list_samples(store, run_id, target or None, domain or None, page_no)
        return page("samples.html.j2", run_id=run_id, result=result, target=target or "", domain=domain or "")

    @app.get("/runs/{run_id}/samples/{pk}", response_class=HTMLResponse)
    def sample(run_id: str, pk: int) -> HTMLResponse:
        known_run(run_id)
        detail = sample_detail(store, run_id, pk)
        if detail is None:
            raise HTTPException(404, f"no sample {pk} in run {run_id}")
        return page("sample.html.j2", run_id=run_id, s=detail)

    @app.get("/runs/{run_id}/evidence")
    def evidence(run_id: str, ref: str) -> RedirectResponse:
        """Resolve a report's transcript reference ('<log>.eval#<id>/<epoch>') to the sample page."""
        known_run(run_id)
        pk = sample_pk_for_ref(store, run_id, ref)
        if pk is None:
            raise HTTPException(404, f"no sample {ref} in run {run_id}")
        return RedirectResponse(f"/runs/{quote(run_id)}/samples/{pk}", status_code=303)

    @app.get("/compare", response_class=HTMLResponse)
    def compare(a: str, b: str) -> HTMLResponse:
        known_run(a)
        known_run(b)
        cmp = compare_runs(store, a, store, b)
        return page("compare.html.j2", a=a, b=b, body=Markup(render_comparison_html(cmp, standalone=False)))

    return app
