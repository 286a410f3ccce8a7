"""Write a run's reports to disk (JSON is canonical; Markdown and HTML are renderings of it).

Slices pruned from the report's tables (very small n, or a repeat of their parent) are written as
``slices.csv`` next to ``report.json``, so nothing measured is thrown away. The hash manifest is
written last, over the reports, the slices file and the raw evidence, so that ``frontiergate verify``
can tell whether anything changed afterwards.
"""

from __future__ import annotations

import csv
import io
import json
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

SLICES_CSV = "slices.csv"


def _cell(v: Any) -> Any:
    if isinstance(v, dict | list):
        return json.dumps(v, sort_keys=True, ensure_ascii=False)
    return "" if v is None else v


def slices_csv(rows: list[dict[str, Any]]) -> str:
    """The pruned slices as CSV: columns in order of first appearance, nested values as JSON, so the
    same report gives the same bytes."""
    columns: list[str] = []
    for r in rows:
        columns += [k for k in r if k not in columns]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in columns])
    return buf.getvalue()


def write_reports(
    store: Store, run_id: str, out_dir: Path, analysis: dict[str, AnalysisContext] | None = None
) -> tuple[dict[str, Any], dict[str, Path]]:
    report = build_report(store, run_id, analysis)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "report.json", "md": out_dir / "report.md", "html": out_dir / "report.html"}
    text = scrub(dumps(report))
    paths["json"].write_text(text, encoding="utf-8")
    canonical = json.loads(text)  # render what the file says (sorted keys), so re-rendering report.json agrees
    paths["md"].write_text(scrub(render_markdown(canonical)), encoding="utf-8")
    paths["html"].write_text(scrub(render_html(canonical)), encoding="utf-8")
    pruned = (canonical.get("appendix") or {}).get("pruned_slices")
    slices = out_dir / SLICES_CSV
    if isinstance(pruned, list) and pruned:
        slices.write_text(scrub(slices_csv([r for r in pruned if isinstance(r, dict)])), encoding="utf-8")
        paths["slices"] = slices
    elif slices.exists():
        slices.unlink()  # a stale file from an earlier rendering would contradict this report
    paths["manifest"] = write_manifest(out_dir, run_id)  # covers slices.csv (integrity.REPORT_FILES)
    return report, paths
