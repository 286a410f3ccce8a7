"""End to end in Debian's headless Chromium (Selenium + /usr/bin/chromedriver; no browser download)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mixed_run import MixedRun

from frontiergate.report.html import CORE_SECTIONS

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
    d.find_element(By.CSS_SELECTOR, "#evidence a[href*='/evidence?ref=']").click()  # type: ignore[attr-defined]
    transcript = d.find_element(By.ID, "transcript")  # type: ignore[attr-defined]
    assert "[HARMFUL-DETAIL]" in transcript.text and "USER" in transcript.text.upper()
    assert d.find_element(By.ID, "scores").text.strip()  # type: ignore[attr-defined]
    d.save_screenshot(str(tmp_path / "sample.png"))  # type: ignore[attr-defined]
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
    d.save_screenshot(str(tmp_path / "report.png"))  # type: ignore[attr-defined]
    shutil.copy(tmp_path / "report.png", Path("/tmp") / "fg-report.png")


def test_pdf_export_through_chromium(dash_run: MixedRun, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium not installed")
    from frontiergate.report.pdf import print_pdf

    pdf = print_pdf(dash_run.run_dir / "report.html", tmp_path / "report.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000
