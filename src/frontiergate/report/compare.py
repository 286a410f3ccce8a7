"""Compare two runs: paired where the same items were answered in both.

Targets are matched by name (or, when each run has exactly one target, with each other). Per
domain, samples are joined on (item_id, epoch) and the change in attack success and over-refusal
(run B − run A) is tested with exact McNemar, with a bootstrap interval clustered by seed scenario
(``frontiergate.analysis.paired_targets``). Differences that make the comparison weaker (another
policy, another scenario set, unmatched items) are listed as limitations, never hidden.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from frontiergate.analysis.compute import clean_floats
from frontiergate.analysis.context import AnalysisContext
from frontiergate.analysis.load import load_contexts
from frontiergate.analysis.paired_targets import compare_targets, read_change
from frontiergate.pipeline.targets import scrub
from frontiergate.report import plots
from frontiergate.report.canonical import dumps
from frontiergate.report.content import ACTION_TEXT
from frontiergate.report.html import CSS, esc
from frontiergate.report.markup import md_code, md_escape, md_to_html
from frontiergate.report.sections.before_after import pairing_limitations, unknown_limitations
from frontiergate.store.db import Store
from frontiergate.store.models import DecisionRow, RunRow

COMPARISON_VERSION = "1.0.0"
RATE_METRICS = ("attack_success_rate_change", "over_refusal_rate_change")


def _run_info(store: Store, run_id: str) -> dict[str, Any]:
    with store.session() as s:
        run = s.get(RunRow, run_id)
        assert run is not None
        decisions = {
            d.target: {"action": d.action, "level": d.level, "status": d.status}
            for d in s.scalars(
                select(DecisionRow).where(DecisionRow.run_id == run_id, DecisionRow.domain == "_overall")
            )
        }
        return {
            "id": run.id,
            "started_at": run.started_at.replace(microsecond=0).isoformat(),
            "policy": {"name": run.policy_name, "sha256": run.policy_sha256},
            "scenario_set_sha256": run.scenario_hash,
            "code_version": run.code_version,
            "targets": list(run.targets),
            "decisions": {t: decisions.get(t) for t in run.targets},
        }


def _target_pairs(a: list[str], b: list[str]) -> list[tuple[str, str]]:
    common = [t for t in a if t in b]
    if common:
        return [(t, t) for t in common]
    if len(a) == 1 and len(b) == 1:
        return [(a[0], b[0])]
    return []


def verdict(f: dict[str, Any]) -> str:
    """The reading of one finding, run B against run A: the before/after section's ``read_change``, so
    the two never disagree (a drop that B's unknown answers could undo is not "lower in B" here either)."""
    return read_change(f, " in B")


def _domain_sets(ca: AnalysisContext, cb: AnalysisContext) -> tuple[set[str], set[str]]:
    return {s.domain for s in ca.samples if s.domain}, {s.domain for s in cb.samples if s.domain}


def _one_run_limitations(ta: str, da: set[str], db: set[str]) -> list[str]:
    """Domains one run evaluated and the other did not: named, so that a run B that leaves out the
    domain it would do worse in does not look like a comparison that found nothing there."""
    return [f"{ta} · {d}: evaluated only in run {side}, not compared"
            for side, only in (("A", da - db), ("B", db - da)) for d in sorted(only)]


def _pair_findings(ta: str, ca: AnalysisContext, cb: AnalysisContext) -> tuple[list[dict[str, Any]], list[str]]:
    """The paired findings of one target pair, with their readings, and what they leave out."""
    da, db = _domain_sets(ca, cb)
    domains = sorted(da & db)
    findings = [clean_floats(f.as_dict()) for f in compare_targets(ca, cb, domains)]
    for f in findings:
        f["verdict"] = verdict(f)
    limitations = _one_run_limitations(ta, da, db)
    limitations += pairing_limitations(findings, domains, f"{ta} ·", "only one run", "both runs")
    labels = {m: m.removesuffix("_change") for m in RATE_METRICS}
    limitations += unknown_limitations(findings, f"{ta} ·", labels, "run B")
    small = sorted({f["domain"] for f in findings if f["slice"] == "all" and f["verdict"].startswith("too few")})
    if small:
        limitations.append(f"{ta}: too few paired items or seed scenarios to decide in {', '.join(small)}")
    return findings, limitations


def compare_runs(store_a: Store, run_a: str, store_b: Store, run_b: str) -> dict[str, Any]:
    info_a, info_b = _run_info(store_a, run_a), _run_info(store_b, run_b)
    ctx_a, ctx_b = load_contexts(store_a, run_a), load_contexts(store_b, run_b)
    limitations: list[str] = []
    if info_a["policy"]["sha256"] != info_b["policy"]["sha256"]:
        limitations.append("the runs used different policies: decisions are not directly comparable")
    if info_a["scenario_set_sha256"] != info_b["scenario_set_sha256"]:
        limitations.append("the runs used different scenario sets: only items present in both are paired")
    pairs = []
    matched = _target_pairs(info_a["targets"], info_b["targets"])
    if not matched:
        limitations.append("no target appears in both runs: nothing could be paired")
    for ta, tb in matched:
        ca, cb = ctx_a.get(ta), ctx_b.get(tb)
        if ca is None or cb is None:
            limitations.append(f"{ta} / {tb}: no stored samples in one of the runs")
            continue
        findings, more = _pair_findings(ta, ca, cb)
        limitations += more
        if not findings:
            limitations.append(f"{ta} / {tb}: no item was answered in both runs")
        pairs.append(
            {
                "target_a": ta,
                "target_b": tb,
                "decision_a": info_a["decisions"].get(ta),
                "decision_b": info_b["decisions"].get(tb),
                "findings": findings,
            }
        )
    return {
        "report_type": "frontiergate.run_comparison",
        "schema_version": COMPARISON_VERSION,
        "run_a": info_a,
        "run_b": info_b,
        "pairs": pairs,
        "limitations": limitations,
    }


def _pct(x: Any, signed: bool = True) -> str:
    if x is None:
        return "n/a"
    return f"{x * 100:+.1f} pp" if signed else f"{x * 100:.1f}%"


def _level(x: Any, rate: bool) -> str:
    """One side's value: a rate as a percentage, a cost (latency, tokens) as a number."""
    if rate:
        return _pct(x, False)
    return "n/a" if x is None else f"{x:.3g}"


def _unknown_note(details: dict[str, Any]) -> str:
    """The pairs column's "(+N unknown)": the pairs the test left out but the interval bounds."""
    n = details.get("unknown_pairs")
    return f" (+{n} unknown)" if n else ""


def render_comparison_markdown(cmp: dict[str, Any]) -> str:
    """The comparison as Markdown; names and ids are escaped (they come from the command line and
    the store), so the HTML converted from it cannot carry markup either."""
    a, b = cmp["run_a"], cmp["run_b"]
    lines = [
        "# Run comparison",
        "",
        f"A = run {md_code(a['id'])} (policy {md_escape(a['policy']['name'])}), "
        f"B = run {md_code(b['id'])} (policy {md_escape(b['policy']['name'])}). "
        "Change = B − A, paired on item and epoch.",
        "",
    ]
    for p in cmp["pairs"]:
        da, db = p["decision_a"] or {}, p["decision_b"] or {}
        act_a = ACTION_TEXT.get(da.get("action", ""), "n/a")
        act_b = ACTION_TEXT.get(db.get("action", ""), "n/a")
        lines += [
            f"## {md_code(p['target_a'])} → {md_code(p['target_b'])}",
            "",
            f"Decision A: **{act_a}** (level {md_escape(da.get('level') or 'n/a')}); "
            f"decision B: **{act_b}** (level {md_escape(db.get('level') or 'n/a')})",
            "",
            "| domain | measure | slice | pairs | A | B | change (95% CI) | McNemar p | reading |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for f in p["findings"]:
            d = f["details"]
            rate = f["metric"] in RATE_METRICS
            fa, fb = d.get("rate_a", d.get("mean_a")), d.get("rate_b", d.get("mean_b"))
            ch = (
                f"{_pct(f['estimate'])} [{_pct(f['ci_low'])}, {_pct(f['ci_high'])}]"
                if rate
                else f"{f['estimate']:+.3g} [{f['ci_low']:+.3g}, {f['ci_high']:+.3g}]"
            )
            p_val = "" if f["p_value"] is None else f"{f['p_value']:.3g}"
            lines.append(
                f"| {md_escape(f['domain'])} | {md_escape(f['metric'].removesuffix('_change'))} | "
                f"{md_escape(f['slice'])} | {f['n']}{_unknown_note(d)} | {_level(fa, rate)} | {_level(fb, rate)} | "
                f"{ch} | {p_val} | {md_escape(f['verdict'])} |"
            )
        lines.append("")
    lines += ["## Limitations", ""] + ([f"- {md_escape(x)}" for x in cmp["limitations"]] or ["- none"])
    return "\n".join(lines) + "\n"


def render_comparison_html(cmp: dict[str, Any], standalone: bool = True) -> str:
    """The comparison page: its Markdown through the report's safe converter, plus one forest plot per
    target pair (dropped when it would show a single domain; the table has that number)."""
    parts = []
    for i, p in enumerate(cmp["pairs"]):
        rows = [
            {
                "label": f"{f['domain']} · {f['metric'].removesuffix('_rate_change').replace('_', ' ')}",
                "estimate": f["estimate"],
                "ci_low": f["ci_low"],
                "ci_high": f["ci_high"],
                "note": f["verdict"],
            }
            for f in p["findings"]
            if f["metric"] in RATE_METRICS and f["slice"] == "all"
        ]
        svg = plots.forest(rows, f"{p['target_a']}: run B − run A", "paired change in rate (B − A)") if rows else ""
        if svg:
            alt = "; ".join(
                f"{r['label']}: {_pct(r['estimate'])} [{_pct(r['ci_low'])}, {_pct(r['ci_high'])}]" for r in rows
            )
            parts.append(
                f"<figure id='fig-compare-{i}' class='plot'>"
                + svg.replace("<svg", f'<svg role="img" aria-label="{esc("Paired change, run B minus A. " + alt)}"', 1)
                + "<figcaption>Paired change per domain, 95% bootstrap interval clustered by seed; exact McNemar p "
                "in the table.</figcaption></figure>"
            )
    body = md_to_html(render_comparison_markdown(cmp)) + "".join(parts)
    if not standalone:
        return body
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; "
        'img-src data:">'
        f"<title>Run comparison {esc(cmp['run_a']['id'])} vs {esc(cmp['run_b']['id'])}</title>"
        f"<style>{CSS}</style></head><body><main>{body}</main></body></html>\n"
    )


def write_comparison(cmp: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": out_dir / "comparison.json",
        "md": out_dir / "comparison.md",
        "html": out_dir / "comparison.html",
    }
    paths["json"].write_text(scrub(dumps(cmp)), encoding="utf-8")
    paths["md"].write_text(scrub(render_comparison_markdown(cmp)), encoding="utf-8")
    paths["html"].write_text(scrub(render_comparison_html(cmp)), encoding="utf-8")
    return paths
