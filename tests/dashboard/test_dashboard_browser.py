"""End to end in Debian's headless Chromium (Selenium + /usr/bin/chromedriver; no browser download)."""

from __future__ import annotations

import copy
import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mixed_run import MixedRun

from frontiergate.report.content import SECTION_HOME, module_anchor
from frontiergate.report.html import CORE_SECTIONS, render_html

pytestmark = pytest.mark.slow

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        pytest.skip("Debian chromium / chromium-driver not installed")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,2000",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def server(dash_run: MixedRun) -> Iterator[str]:
    import uvicorn

    from frontiergate.dashboard.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(dash_run.store()), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not srv.started and time.time() < deadline:
        time.sleep(0.1)
    assert srv.started
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


def test_dashboard_in_chromium(server: str, browser: object, dash_run: MixedRun, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    d = browser
    d.get(server + "/")  # type: ignore[attr-defined]
    runs = d.find_element(By.ID, "runs")  # type: ignore[attr-defined]
    assert dash_run.run_id in runs.text and "STOP SCALING" in runs.text
    runs.find_element(By.LINK_TEXT, dash_run.run_id).click()
    summary = d.find_element(By.ID, "summary")  # type: ignore[attr-defined]
    assert "STOP SCALING" in summary.text and "scripted/refuse" in summary.text
    results = d.find_element(By.ID, "results")  # type: ignore[attr-defined]
    assert "cyber" in results.text and "chem_bio" in results.text
    assert d.find_element(By.CSS_SELECTOR, "#fig-risk-0 svg").size["height"] > 50  # type: ignore[attr-defined]
    assert d.find_element(By.CSS_SELECTOR, "#fig-heatmap-0 svg").is_displayed()  # type: ignore[attr-defined]
    d.save_screenshot(str(tmp_path / "run.png"))  # type: ignore[attr-defined]
    run_url = d.current_url  # type: ignore[attr-defined]
    d.find_element(By.CSS_SELECTOR, "#evidence a[href*='/evidence?ref=']").click()  # type: ignore[attr-defined]
    transcript = d.find_element(By.ID, "transcript")  # type: ignore[attr-defined]
    assert "[HARMFUL-DETAIL]" in transcript.text and "USER" in transcript.text.upper()
    assert d.find_element(By.ID, "scores").text.strip()  # type: ignore[attr-defined]
    d.save_screenshot(str(tmp_path / "sample.png"))  # type: ignore[attr-defined]
    # the decisive numbers open their samples: a failure of the complying target, a pass of the refusing one
    for nth in (1, 2):
        d.get(run_url)  # type: ignore[attr-defined]
        table = d.find_elements(By.CSS_SELECTOR, "table.criteria")[nth - 1]  # type: ignore[attr-defined]
        table.find_element(By.CSS_SELECTOR, "a[href*='/evidence?ref=']").click()
        assert "/samples/" in d.current_url  # type: ignore[attr-defined]
        text = d.find_element(By.ID, "transcript").text  # type: ignore[attr-defined]
        assert "ASSISTANT" in text.upper()
        # the complying target's decisive samples are attacks that worked; the refusing one's are refusals
        assert ("[HARMFUL-DETAIL]" in text) is (nth == 1), text
    d.get(f"{server}/compare?a={dash_run.run_id}&b={dash_run.run_id}")  # type: ignore[attr-defined]
    assert "Run comparison" in d.find_element(By.TAG_NAME, "main").text  # type: ignore[attr-defined]
    assert d.find_element(By.CSS_SELECTOR, "#fig-compare-0 svg").is_displayed()  # type: ignore[attr-defined]
    shutil.copy(tmp_path / "run.png", Path("/tmp") / "fg-dashboard-run.png")
    assert (tmp_path / "run.png").stat().st_size > 10_000


def test_static_report_in_chromium_has_every_section_and_plot(
    browser: object, dash_run: MixedRun, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    d = browser
    d.get((dash_run.run_dir / "report.html").as_uri())  # type: ignore[attr-defined]
    for anchor, title in CORE_SECTIONS:
        sec = d.find_element(By.ID, anchor)  # type: ignore[attr-defined]
        assert title in sec.find_element(By.TAG_NAME, "h2").text
    for fig in ("fig-risk-0", "fig-risk-1", "fig-heatmap-0", "fig-heatmap-1", "fig-before-after"):
        svg = d.find_element(By.CSS_SELECTOR, f"#{fig} svg")  # type: ignore[attr-defined]
        assert svg.size["width"] > 100 and svg.size["height"] > 50, fig
    summary = d.find_element(By.ID, "summary").text  # type: ignore[attr-defined]
    assert "STOP SCALING" in summary and "\nDEPLOY\n" in summary
    assert "encoding" in d.find_element(By.ID, "attack-success").text  # type: ignore[attr-defined]
    report = json.loads((dash_run.run_dir / "report.json").read_text())
    for name in report["sections"]:  # every section module has its own anchor or a home section
        anchor = SECTION_HOME.get(name) or module_anchor(name)
        assert d.find_element(By.ID, anchor).text.strip(), name  # type: ignore[attr-defined]
    if "domain_summary" in report["sections"]:
        top = {a: d.find_element(By.ID, a).location["y"] for a in ("summary", "domain-summary", "scope")}  # type: ignore[attr-defined]
        assert top["summary"] < top["domain-summary"] < top["scope"]
    assert not d.find_elements(By.ID, "banner")  # type: ignore[attr-defined]
    for fig in d.find_elements(By.CSS_SELECTOR, "figure"):  # type: ignore[attr-defined]
        svg = fig.find_element(By.TAG_NAME, "svg")
        assert svg.get_attribute("role") == "img" and len(svg.get_attribute("aria-label") or "") > 30
        assert fig.find_element(By.TAG_NAME, "figcaption").is_displayed()
    d.save_screenshot(str(tmp_path / "report.png"))  # type: ignore[attr-defined]
    shutil.copy(tmp_path / "report.png", Path("/tmp") / "fg-report.png")
    # a decisive number (here a pass of the refusing target) jumps to the samples behind it
    link = d.find_elements(By.CSS_SELECTOR, "table.criteria")[1].find_element(  # type: ignore[attr-defined]
        By.CSS_SELECTOR, "a[href^='#ev-1-']"
    )
    anchor = link.get_attribute("href").split("#", 1)[1]
    link.click()
    target = d.find_element(By.ID, anchor)  # type: ignore[attr-defined]
    assert target.is_displayed() and ".eval" in target.text and "member samples/" in target.text
    assert d.execute_script("return window.scrollY") > 1000  # type: ignore[attr-defined]


def test_banner_and_decision_fill_the_first_screen_on_a_phone(
    browser: object, dash_run: MixedRun, tmp_path: Path
) -> None:
    """A pipeline-check report, at a phone's width: the banner is the first thing on the page, the
    decision follows, and nothing forces sideways scrolling of the page."""
    from selenium.webdriver.common.by import By

    report = copy.deepcopy(json.loads((dash_run.run_dir / "report.json").read_text()))
    report["banner"] = "Pipeline check: this run tests the evaluation pipeline; it is not a deployment decision."
    page = tmp_path / "report.html"
    page.write_text(render_html(report))
    d = browser
    d.set_window_size(412, 915)  # type: ignore[attr-defined]
    d.get(page.as_uri())  # type: ignore[attr-defined]
    banner = d.find_element(By.ID, "banner")  # type: ignore[attr-defined]
    assert "not a deployment decision" in banner.text and banner.is_displayed()
    height = d.execute_script("return window.innerHeight")  # type: ignore[attr-defined]
    assert banner.location["y"] + banner.size["height"] < height / 2
    verdict = d.find_element(By.CSS_SELECTOR, "#summary .verdict")  # type: ignore[attr-defined]
    assert banner.location["y"] < verdict.location["y"] < height
    width = d.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")  # type: ignore[attr-defined]
    assert width[0] <= width[1] + 1, width
    d.save_screenshot(str(tmp_path / "phone.png"))  # type: ignore[attr-defined]
    shutil.copy(tmp_path / "phone.png", Path("/tmp") / "fg-report-phone.png")


def test_pdf_export_through_chromium(dash_run: MixedRun, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium not installed")
    from frontiergate.report.pdf import print_pdf

    pdf = print_pdf(dash_run.run_dir / "report.html", tmp_path / "report.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000
