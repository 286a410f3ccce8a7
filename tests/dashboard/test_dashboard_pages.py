"""Dashboard pages through FastAPI's test client: content, evidence links, transcripts, escaping."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from mixed_run import MixedRun
from sqlalchemy import select

from frontiergate.dashboard.app import create_app
from frontiergate.store.models import SampleRow


def test_runs_run_samples_sample_and_compare_pages(dash_run: MixedRun) -> None:
    client = TestClient(create_app(dash_run.store()))
    home = client.get("/")
    assert home.status_code == 200 and dash_run.run_id in home.text and "STOP SCALING" in home.text
    run = client.get(f"/runs/{dash_run.run_id}")
    assert run.status_code == 200
    assert "STOP SCALING" in run.text and "<figure id='fig-heatmap-0' class='plot'><svg" in run.text
    assert "<td>cyber</td>" in run.text and "<td>chem_bio</td>" in run.text
    assert "<meta name=\"viewport\"" in run.text
    criteria = re.findall(r"<table class='criteria'>.*?</table>", run.text, flags=re.S)
    assert len(criteria) == 2  # one per target; each decisive number opens its samples in the dashboard
    for table in criteria:
        direct = re.search(r"href='(/runs/[^']+/evidence\?ref=[^']+)'", table)
        assert direct, "a decisive number does not link to its sample pages"
        page_ = client.get(direct.group(1).replace("&amp;", "&"))
        assert page_.status_code == 200 and "/samples/" in str(page_.url) and 'id="transcript"' in page_.text
    link = re.search(r"href='(/runs/[^']+/evidence\?ref=[^']+)'", run.text)
    assert link, "report evidence does not link to sample pages"
    sample = client.get(link.group(1).replace("&amp;", "&"))
    assert sample.status_code == 200 and "/samples/" in str(sample.url)
    assert "[HARMFUL-DETAIL]" in sample.text and "from Inspect log" in sample.text
    assert "refusal" in sample.text.lower() or "complied" in sample.text.lower() or "<td>1.0</td>" in sample.text
    listing = client.get(f"/runs/{dash_run.run_id}/samples", params={"target": "scripted/refuse", "domain": "cyber"})
    assert listing.status_code == 200 and "scripted/refuse" in listing.text and "scripted/comply" not in listing.text
    cmp = client.get("/compare", params={"a": dash_run.run_id, "b": dash_run.run_id})
    assert cmp.status_code == 200 and "Run comparison" in cmp.text and "fig-compare-0" in cmp.text
    assert client.get("/runs/nope").status_code == 404


def test_model_text_in_transcripts_is_escaped(dash_run: MixedRun) -> None:
    store = dash_run.store()
    with store.session() as s:
        row = s.scalars(select(SampleRow).order_by(SampleRow.id)).first()
        assert row is not None
        pk = row.id
    client = TestClient(create_app(store))
    page = client.get(f"/runs/{dash_run.run_id}/samples")
    assert "<script" not in page.text
    detail = client.get(f"/runs/{dash_run.run_id}/samples/{pk}")
    assert detail.status_code == 200 and "<script" not in detail.text and 'id="transcript"' in detail.text


def test_html_in_stored_model_output_is_escaped_in_the_sample_list(dash_run: MixedRun) -> None:
    store = dash_run.store()
    evil = "<script>alert(1)</script>"
    with store.session() as s:
        row = s.scalars(select(SampleRow).order_by(SampleRow.id)).first()
        assert row is not None
        pk, old = row.id, row.output_text
        row.output_text = evil
    try:
        page = TestClient(create_app(store)).get(f"/runs/{dash_run.run_id}/samples")
        assert evil not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    finally:
        with store.session() as s:
            r = s.get(SampleRow, pk)
            assert r is not None
            r.output_text = old
