"""Report figures as inline SVG (matplotlib, Agg backend).

SVG keeps the HTML report one self-contained file that needs no network to view, keeps labels as
real text (searchable, readable by the browser tests) and, with a fixed hash salt and no date
metadata, gives the same bytes every time the report is rendered.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

LEVEL_COLOURS = {"medium": "#e0a100", "high": "#d9480f", "critical": "#862e9c"}

_RC: Any = {
    "svg.hashsalt": "frontiergate",
    "svg.fonttype": "none",
    "font.size": 9,
    "font.family": "DejaVu Sans",
}


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    with plt.rc_context(_RC):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog and doctype: the SVG is inlined in HTML


def _figure(width: float, height: float) -> Figure:
    with plt.rc_context(_RC):
        fig = plt.figure(figsize=(width, height))
    return fig


MUTED_TEXT = "#495057"
"""Grey for 'not evaluated' labels: 7.8:1 on white (WCAG AA needs 4.5:1)."""


def _luminance(rgb: Sequence[float]) -> float:
    """WCAG relative luminance of an sRGB colour with channels in 0..1."""
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb[:3]]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def text_colour_on(rgb: Sequence[float]) -> str:
    """Black or white, whichever contrasts more with the background ``rgb``."""
    lum = _luminance(rgb)
    return "black" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "white"


def _num(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def risk_intervals(rows: Sequence[dict[str, Any]], title: str) -> str:
    """One row per domain criterion: point estimate, 95% interval, and the policy's thresholds.

    ``rows``: dicts with ``label``, ``estimate``, ``ci_low``, ``ci_high``, ``n`` and ``thresholds``
    ({level: value}). Thresholds are drawn per row because each domain may set its own.
    """
    rows = list(rows)
    if len(rows) < 2:
        return ""
    with plt.rc_context(_RC):
        fig = _figure(6.4, 0.55 * max(len(rows), 1) + 1.1)
        ax = fig.add_subplot(1, 1, 1)
        for i, r in enumerate(rows):
            y = len(rows) - 1 - i
            for lvl, thr in sorted(r.get("thresholds", {}).items(), key=lambda kv: kv[1]):
                ax.plot(
                    [thr, thr],
                    [y - 0.38, y + 0.38],
                    color=LEVEL_COLOURS.get(lvl, "#868e96"),
                    lw=2,
                    solid_capstyle="butt",
                )
            est, lo, hi = _num(r.get("estimate")), _num(r.get("ci_low")), _num(r.get("ci_high"))
            if est is None:
                ax.text(0.5, y, "not evaluated", ha="center", va="center", color=MUTED_TEXT)
                continue
            if lo is not None and hi is not None:
                ax.plot([lo, hi], [y, y], color="#1c7ed6", lw=3, solid_capstyle="round")
            ax.plot([est], [y], "o", color="#0b3d91", ms=6)
            ax.text(1.02, y, f"{est:.2f}  n={r.get('n')}", va="center", fontsize=8)
        ax.set_yticks(range(len(rows)), [r["label"] for r in reversed(rows)])
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.set_xlabel("estimate with 95% interval (coloured ticks: medium / high / critical thresholds)")
        ax.set_title(title, fontsize=10)
        for lvl, col in LEVEL_COLOURS.items():
            ax.plot([], [], color=col, lw=2, label=f"{lvl} threshold")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=3, frameon=False, fontsize=8)
        ax.grid(axis="x", color="#e9ecef")
        return _svg(fig)


def heatmap(
    rows: Sequence[str],
    cols: Sequence[str],
    values: Sequence[Sequence[Any]],
    counts: Sequence[Sequence[Any]],
    title: str,
    upper: Sequence[Sequence[Any]] | None = None,
    unknown: Sequence[Sequence[Any]] | None = None,
) -> str:
    """Attack success by domain (rows) × strategy family (columns); empty cells were not run.
    A single family is no comparison: "" then. A cell whose answers were partly unreadable is hatched
    and says how high the rate could be with them counted as attacks, so a family hidden behind
    provider filters does not look as clean as one that was measured."""
    if len(cols) < 2:
        return ""
    with plt.rc_context(_RC):
        fig = _figure(max(3.2, 0.85 * len(cols) + 1.8), 0.5 * max(len(rows), 1) + 1.3)
        ax = fig.add_subplot(1, 1, 1)
        grid = [[math.nan if v is None else float(v) for v in row] for row in values]
        cmap = matplotlib.colormaps["Reds"].with_extremes(bad="#f1f3f5")
        img = ax.imshow(grid, cmap=cmap, vmin=0, vmax=1, aspect="auto")
        for i, row in enumerate(values):
            for j, v in enumerate(row):
                n = counts[i][j] if i < len(counts) and j < len(counts[i]) else None
                u = unknown[i][j] if unknown is not None else 0
                hi = upper[i][j] if upper is not None else None
                label = "–" if v is None else f"{float(v):.0%}\nn={n}"
                if v is not None and u:
                    label += f"\n{u} unknown" + (f": ≤{float(hi):.0%}" if hi is not None else "")
                    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///", lw=0,
                                           edgecolor="#495057"))
                cell = cmap(float(v)) if v is not None else to_rgba("#f1f3f5")
                ax.text(j, i, label, ha="center", va="center", fontsize=7, color=text_colour_on(cell))
        ax.set_xticks(range(len(cols)), list(cols), rotation=35, ha="right")
        ax.set_yticks(range(len(rows)), list(rows))
        ax.set_title(title, fontsize=10)
        fig.colorbar(img, ax=ax, fraction=0.04, pad=0.02, label="attack success")
        return _svg(fig)


def forest(rows: Sequence[dict[str, Any]], title: str, xlabel: str, symmetric: bool = True) -> str:
    """Differences with intervals around zero (before/after changes, evaluation-awareness gaps).

    ``rows``: dicts with ``label``, ``estimate``, ``ci_low``, ``ci_high`` and optional ``note``.
    """
    rows = list(rows)
    if len(rows) < 2:
        return ""
    with plt.rc_context(_RC):
        fig = _figure(6.4, 0.45 * max(len(rows), 1) + 1.0)
        ax = fig.add_subplot(1, 1, 1)
        ax.axvline(0, color="#495057", lw=1)
        span = 0.0
        for i, r in enumerate(rows):
            y = len(rows) - 1 - i
            est, lo, hi = _num(r.get("estimate")), _num(r.get("ci_low")), _num(r.get("ci_high"))
            if est is None:
                ax.text(0, y, "n/a", ha="center", va="center", color=MUTED_TEXT)
                continue
            if lo is not None and hi is not None:
                ax.plot([lo, hi], [y, y], color="#1c7ed6", lw=2.5, solid_capstyle="round")
                span = max(span, abs(lo), abs(hi))
            span = max(span, abs(est))
            ax.plot([est], [y], "D", color="#0b3d91", ms=5)
            if r.get("note"):
                ax.text(1.01, y, str(r["note"]), va="center", fontsize=7, transform=ax.get_yaxis_transform())
        ax.set_yticks(range(len(rows)), [r["label"] for r in reversed(rows)])
        lim = max(span * 1.15, 0.05)
        if symmetric:
            ax.set_xlim(-lim, lim)
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.set_xlabel(xlabel)
        ax.set_title(title, fontsize=10)
        ax.grid(axis="x", color="#e9ecef")
        return _svg(fig)


def curves(series: dict[str, Sequence[dict[str, Any]]], title: str, ylabel: str) -> str:
    """Elicitation curves: one line per domain over the elicitation settings, with intervals.
    A single setting is no curve: "" then."""
    settings = {str(p["setting"]) for pts in series.values() for p in pts}
    if len(settings) < 2:
        return ""
    with plt.rc_context(_RC):
        fig = _figure(6.4, 3.2)
        ax = fig.add_subplot(1, 1, 1)
        labels: list[str] = []
        for pts in series.values():
            for p in pts:
                if str(p["setting"]) not in labels:
                    labels.append(str(p["setting"]))
        pos = {lab: i for i, lab in enumerate(labels)}
        for name, pts in series.items():
            xs: list[int] = []
            ys: list[float] = []
            lo: list[float] = []
            hi: list[float] = []
            for p in pts:
                y = _num(p.get("estimate"))
                if y is None:
                    continue
                low, high = _num(p.get("ci_low")), _num(p.get("ci_high"))
                xs.append(pos[str(p["setting"])])
                ys.append(y)
                lo.append(0.0 if low is None else y - low)
                hi.append(0.0 if high is None else high - y)
            if xs:
                ax.errorbar(xs, ys, yerr=[lo, hi], marker="o", capsize=3, label=name)
        ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
        ax.set_ylim(0, 1.02)
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize=10)
        ax.grid(color="#e9ecef")
        if ax.get_legend_handles_labels()[0]:  # every estimate unknown: nothing drawn, no legend to show
            ax.legend(fontsize=8, frameon=False)
        return _svg(fig)
