"""Write a run's reports to disk (JSON is canonical; Markdown and HTML are renderings of it).

The hash manifest is written last, over the reports and the raw evidence, so that
``frontiergate verify`` can tell whether anything changed afterwards.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from frontiergate.analysis.context import AnalysisContext
from frontiergate.pipeline.targets import scrub
from frontiergate.report.build import build_report
from frontiergate.report.canonical import dumps
from frontiergate.report.html import render_html
from frontiergate.report.integrity import write_manifest
from frontiergate.report.markdown import render_markdown
from frontiergate.store.db import Store


def write_reports(
    store: Store, run_id: str, out_dir: Path, analysis: dict[str, AnalysisContext] | None = None
) -> tuple[dict[str, Any], dict[str, Path]]:
    report = build_report(store, run_id, analysis)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "report.json", "md": out_dir / "report.md", "html": out_dir / "report.html"}
    paths["json"].write_text(scrub(dumps(report)), encoding="utf-8")
    paths["md"].write_text(scrub(render_markdown(report)), encoding="utf-8")
    paths["html"].write_text(scrub(render_html(report)), encoding="utf-8")
    paths["manifest"] = write_manifest(out_dir, run_id)
    return report, paths
