"""Render ``report.json`` to Markdown (template ``report.md.j2``) for a terminal or a pull request.

The same content model as the HTML report (``report/content.py``), so the Markdown has the same
sections in the same order, the same numbers, and the same links to the samples behind them
(anchors into its own evidence appendix).
"""

from __future__ import annotations

import re
from typing import Any

from frontiergate.report.content import ACTION_TEXT, build_document
from frontiergate.report.templating import md_env

__all__ = ["ACTION_TEXT", "render_markdown"]


def render_markdown(report: dict[str, Any]) -> str:
    text = md_env().get_template("report.md.j2").render(doc=build_document(report))
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"
