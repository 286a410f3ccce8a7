"""Optional PDF export: print the self-contained HTML report through headless Chromium.

The HTML report needs no network, so printing it needs none either; the browser runs with a
throwaway profile and every background service switched off.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from frontiergate.errors import FrontiergateError

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def find_chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise FrontiergateError(
        "no Chromium browser found for the PDF export",
        "install Debian's `chromium` package, or open report.html and print it yourself",
    )


def print_pdf(html_path: Path, pdf_path: Path, timeout_s: float = 120) -> Path:
    browser = find_chromium()
    with tempfile.TemporaryDirectory(prefix="fg-chromium-") as profile:
        cmd = [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf_path.resolve()}",
            html_path.resolve().as_uri(),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
    if proc.returncode != 0 or not pdf_path.is_file():
        raise FrontiergateError(
            f"Chromium could not print {html_path} (exit {proc.returncode}): {proc.stderr.strip()[-300:]}",
            "check that `chromium --headless` runs here",
        )
    return pdf_path
