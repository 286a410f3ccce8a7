"""Write a run's reports to disk (JSON is canonical; Markdown and HTML are renderings of it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from frontiergate.pipeline.targets import scrub
from frontiergate.report.build import build_report
from frontiergate.report.canonical import dumps
from frontiergate.report.markdown import render_markdown
from frontiergate.store.db import Store


def write_reports(store: Store, run_id: str, out_dir: Path) -> tuple[dict[str, Any], dict[str, Path]]:
    report = build_report(store, run_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "report.json", "md": out_dir / "report.md"}
    paths["json"].write_text(scrub(dumps(report)), encoding="utf-8")
    paths["md"].write_text(scrub(render_markdown(report)), encoding="utf-8")
    try:
        from frontiergate.report.html import render_html
    except ImportError:
        return report, paths
    paths["html"] = out_dir / "report.html"
    paths["html"].write_text(scrub(render_html(report)), encoding="utf-8")
    return report, paths
