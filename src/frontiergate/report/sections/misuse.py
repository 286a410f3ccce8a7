"""Report section: adversarial misuse: which attacks work, where, and at what over-refusal cost.

Built only from stored records: the ``attack_success_rate`` findings sliced ``family=...`` (per
domain × transform family, with n and Wilson intervals), the ``over_refusal_rate`` findings, and
the stored samples for the finer ranking of individual transform chains and for over-refusal per
family. The ``heatmap`` matrix (domains × families) is there for the HTML renderer to plot.
"""

from __future__ import annotations

import html as _html
from collections import defaultdict
from typing import Any

from frontiergate.analysis.metrics_misuse import outcome, relevant_samples
from frontiergate.analysis.rates import Unit, outcome_rate_finding
from frontiergate.report.context import ReportContext
from frontiergate.report.plain import deciding_arms, heatmap_grid
from frontiergate.scenarios.transforms import FAMILIES

NAME = "misuse"
TITLE = "Adversarial misuse: attack success by domain and transform family"
ORDER = 30

MIN_N_TO_RANK = 10
"""Below this many attempts a strategy's rate is shown but flagged as too few attempts to judge."""

_FAMILY_ORDER = ("none", *FAMILIES, "pair")


def _bounded_rate(units: list[Unit], confidence: float) -> dict[str, Any]:
    f = outcome_rate_finding("", "attack_success_rate", units, confidence)
    return {"k": f.k, "n": f.n, "estimate": f.estimate, "ci_low": f.ci_low, "ci_high": f.ci_high,
            "unknown": f.details.get("unknown", 0), "seeds": f.details.get("seeds")}


def _ordered(values: set[str], preferred: tuple[str, ...] | list[str]) -> list[str]:
    first = [v for v in preferred if v in values]
    return first + sorted(values - set(first))


def _family_cells(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cells = []
    for f in findings:
        sl = str(f.get("slice", ""))
        if not sl.startswith("family=") or not f.get("n"):
            continue
        k = f.get("k")
        if k is None and f.get("estimate") is not None:
            k = round(f["estimate"] * f["n"])
        cells.append({"domain": f["domain"], "family": sl.split("=", 1)[1], "k": int(k or 0),
                      "n": int(f["n"]), "estimate": f.get("estimate"), "ci_low": f.get("ci_low"),
                      "ci_high": f.get("ci_high"), "unknown": int((f.get("details") or {}).get("unknown") or 0)})
    return cells


def _heatmap(cells: list[dict[str, Any]], domain_order: list[str]) -> dict[str, Any]:
    domains = _ordered({c["domain"] for c in cells}, domain_order)
    families = _ordered({c["family"] for c in cells}, _FAMILY_ORDER)
    at = {(c["domain"], c["family"]): c for c in cells}

    def grid(key: str) -> list[list[Any]]:
        return [[at[(d, f)][key] if (d, f) in at else None for f in families] for d in domains]

    return {"domains": domains, "families": families, "values": grid("estimate"), "n": grid("n"),
            "ci_low": grid("ci_low"), "ci_high": grid("ci_high"), "unknown": grid("unknown"),
            "metric": "attack_success_rate"}


def _cell(v: float | None, n: int | None, hi: float | None, unknown: int | None) -> str:
    """A heatmap cell in words: the estimate over the answers read, and, where some were not, how high
    the rate could be with them counted as attacks (the upper end the decision uses)."""
    if not n:
        return "–"
    if unknown:
        return f"{_pct(v)} ({n}, {unknown} unknown: up to {_pct(hi)})"
    return f"{_pct(v)} ({n})"


def _family_ranking(units: dict[str, list[Unit]], confidence: float) -> list[dict[str, Any]]:
    """Families pooled over domains, each rate built like the decision's (seed-clustered, unknowns bounded)."""
    base = _bounded_rate(units["none"], confidence) if units.get("none") else None
    base_rate = base["estimate"] if base else None
    rows = []
    for fam, us in units.items():
        if fam == "none":
            continue
        r = _bounded_rate(us, confidence)
        lift = None if base_rate is None or r["estimate"] is None else r["estimate"] - base_rate
        r.update(family=fam, too_few=r["n"] < MIN_N_TO_RANK, lift_vs_plain=lift)
        rows.append(r)
    rows.sort(key=lambda r: (-(r["estimate"] or 0.0), -r["n"], r["family"]))
    _mark_separation(rows)
    for i, r in enumerate(rows, start=1):
        r["rank"] = i
    return rows


def _mark_separation(rows: list[dict[str, Any]]) -> None:
    """A rank is only meaningful when its interval clears the next one's: say so per row."""
    for r, nxt in zip(rows, [*rows[1:], None][: len(rows)], strict=True):
        if nxt is None or r["ci_low"] is None or nxt["ci_high"] is None:
            r["separated_from_next"] = None
        else:
            r["separated_from_next"] = bool(r["ci_low"] > nxt["ci_high"])


def _samples_breakdowns(
    rc: ReportContext, target: str, domains: set[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Family and chain attack rankings and per-family over-refusal, from the stored samples.

    Each rate is built as the decision builds its own (``outcome_rate_finding``: clustered by seed,
    errors and unreadable answers kept as unknowns that widen the interval), so no table here reads
    more favourably than the findings the decision used."""
    ctx = rc.analysis.get(target)
    if ctx is None:
        return [], [], []
    families: dict[str, list[Unit]] = defaultdict(list)
    chains: dict[str, list[Unit]] = defaultdict(list)
    chain_family: dict[str, str] = {}
    benign: dict[str, list[Unit]] = defaultdict(list)
    for d in sorted(domains):
        for harmful in (True, False):
            for s in relevant_samples(ctx.for_domain(d), harmful):
                o = outcome(s)
                cluster = f"{d}|{s.seed_id or s.item_id}"
                if harmful:
                    unit: Unit = (cluster, None if o.unknown else o.harmful_success, o.reason)
                    families[s.family].append(unit)
                    key = "+".join(s.transforms) if s.transforms else "none"
                    chains[key].append(unit)
                    chain_family[key] = s.family
                else:
                    benign[s.family].append((cluster, None if o.unknown else o.kind == "refused", o.reason))
    conf = ctx.confidence
    ranked = []
    for key, us in chains.items():
        if key == "none":
            continue
        r = _bounded_rate(us, conf)
        r.update(strategy=key, family=chain_family[key], too_few=r["n"] < MIN_N_TO_RANK)
        ranked.append(r)
    ranked.sort(key=lambda r: (-(r["estimate"] or 0.0), -r["n"], r["strategy"]))
    _mark_separation(ranked)
    over = []
    for fam in _ordered(set(benign), _FAMILY_ORDER):
        r = _bounded_rate(benign[fam], conf)
        r["family"] = fam
        over.append(r)
    return _family_ranking(families, conf), ranked[:15], over


def _brief(f: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if f is None else {k: f.get(k) for k in ("k", "n", "estimate", "ci_low", "ci_high")}


def _decided_on(rc: ReportContext, target: str, domain: str, metric: str) -> dict[str, Any] | None:
    """The interval the decision used for ``metric`` when it is not the pooled one: the worse of the
    pooled and a deployment-realistic (or steered) arm, with the arm's own counts and its name."""
    dec = (rc.decisions.get(target) or {}).get("domains", {}).get(domain) or {}
    crit = next((c for c in dec.get("criteria") or [] if isinstance(c, dict) and c.get("metric") == metric), None)
    f = crit.get("finding") if crit else None
    if not isinstance(f, dict):
        return None
    arms = deciding_arms(f)
    if not arms:
        return None
    label, counts, _which = arms[0]
    return {**_brief(counts), "estimate": f.get("estimate"), "ci_low": f.get("ci_low"),  # type: ignore[dict-item]
            "ci_high": f.get("ci_high"), "arm": label}


def _target_section(rc: ReportContext, target: str, domain_order: list[str]) -> dict[str, Any] | None:
    asr = rc.findings_for(target, "attack_success_rate")
    orr = rc.findings_for(target, "over_refusal_rate")
    if not asr and not orr:
        return None
    headline = {}
    for d in _ordered({f["domain"] for f in asr + orr}, domain_order):
        a = next((f for f in asr if f["domain"] == d and f.get("slice") == "all"), None)
        o = next((f for f in orr if f["domain"] == d and f.get("slice") == "all"), None)
        headline[d] = {"attack_success": _brief(a), "over_refusal": _brief(o),
                       "decided_on": _decided_on(rc, target, d, "attack_success_rate")}
    cells = _family_cells(asr)
    families, strategies, over_by_family = _samples_breakdowns(rc, target, set(headline))
    return {
        "headline": headline,
        "cells": cells,
        "heatmap": _heatmap(cells, domain_order),
        "family_ranking": families,
        "strategy_ranking": strategies,
        "over_refusal_by_family": over_by_family,
    }


def build(rc: ReportContext) -> dict[str, Any] | None:
    domain_order = list(rc.policy.domains)
    targets: dict[str, Any] = {}
    for t in rc.targets:
        sec = _target_section(rc, t, domain_order)
        if sec is not None:
            targets[t] = sec
    if not targets:
        return None
    limitations: list[str] = []
    for t, sec in targets.items():
        small = [r["family"] for r in sec["family_ranking"] if r["too_few"]]
        if small:
            limitations.append(
                f"misuse [{t}]: fewer than {MIN_N_TO_RANK} attempts for {', '.join(small)}; "
                "their attack-success rates are too uncertain to rank")
        top = sec["family_ranking"][:1]
        if top and top[0]["separated_from_next"] is False:
            limitations.append(
                f"misuse [{t}]: the most effective family ({top[0]['family']}) is not separated from the "
                "next by its 95% interval; the ranking of the top strategies is not decided at this n")
        if len(sec["heatmap"]["families"]) <= 1:
            limitations.append(f"misuse [{t}]: no transforms were run, so no attack family is compared")
    first = next(iter(targets))
    return {"targets": targets, "heatmap": {"target": first, **targets[first]["heatmap"]},
            "min_n_to_rank": MIN_N_TO_RANK, "limitations": limitations}


def _note(r: dict[str, Any]) -> str:
    if r["too_few"]:
        return f"n < {MIN_N_TO_RANK}: too few to judge"
    if r.get("separated_from_next") is True:
        return "ahead of the next (intervals separate)"
    if r.get("separated_from_next") is False:
        return "interval overlaps the next"
    return ""


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.1f}%"


def _ci(r: dict[str, Any] | None) -> str:
    if not r or not r.get("n"):
        return "n/a"
    unknown = f", {r['unknown']} unknown" if r.get("unknown") else ""
    return f"{_pct(r['estimate'])} [{_pct(r['ci_low'])}, {_pct(r['ci_high'])}] (k={r.get('k')}, n={r['n']}{unknown})"


def markdown(section: dict[str, Any]) -> str:
    lines: list[str] = []
    for t, sec in section["targets"].items():
        lines += [f"**{t}**", "",
                  "| domain | attack success (95% CI: seed-clustered, unknowns bounded) | "
                  "over-refusal on benign look-alikes |",
                  "|---|---|---|"]
        for d, h in sec["headline"].items():
            asr = _ci(h["attack_success"])
            worse = h.get("decided_on")
            if worse:  # the decision used a worse arm: that is the figure, the pooled one is context
                asr = f"**{_ci(worse)}** {worse['arm']} (the worse arm, which decides); pooled {asr}"
            lines.append(f"| {d} | {asr} | {_ci(h['over_refusal'])} |")
        hm = sec["heatmap"]
        if hm["families"]:
            lines += ["", "Attack success by domain × transform family (n in brackets; where answers could not be "
                      "read, how high the rate could be with them counted as attacks):", "",
                      "| domain | " + " | ".join(hm["families"]) + " |",
                      "|---|" + "---|" * len(hm["families"])]
            for i, d in enumerate(hm["domains"]):
                cells = zip(hm["values"][i], hm["n"][i], hm["ci_high"][i], heatmap_grid(hm, "unknown", 0)[i],
                            strict=True)
                row = [_cell(v, n, hi, u) for v, n, hi, u in cells]
                lines.append(f"| {d} | " + " | ".join(row) + " |")
        if sec["family_ranking"]:
            lines += ["", "Most effective attack families (pooled over domains):", "",
                      "| rank | family | attack success (95% CI) | vs plain | note |",
                      "|---|---|---|---|---|"]
            for r in sec["family_ranking"]:
                lift = "n/a" if r["lift_vs_plain"] is None else f"{r['lift_vs_plain'] * 100:+.1f} pp"
                note = _note(r)
                lines.append(f"| {r['rank']} | {r['family']} | {_ci(r)} | {lift} | {note} |")
        if sec["strategy_ranking"]:
            lines += ["", "Most effective individual strategies (transform chains):", "",
                      "| strategy | family | attack success (95% CI) | note |", "|---|---|---|---|"]
            for r in sec["strategy_ranking"]:
                lines.append(f"| {r['strategy']} | {r['family']} | {_ci(r)} | {_note(r)} |")
        if sec["over_refusal_by_family"]:
            lines += ["", "Over-refusal on benign look-alikes under the same wrapper:", "",
                      "| family | refused (95% CI) |", "|---|---|"]
            for r in sec["over_refusal_by_family"]:
                lines.append(f"| {r['family']} | {_ci(r)} |")
        lines.append("")
    for lim in section.get("limitations", []):
        lines.append(f"- {lim}")
    return "\n".join(lines).rstrip() + "\n"


def _colour(v: float | None) -> str:
    if v is None:
        return "#eeeeee"
    green = int(255 - 175 * v)
    return f"rgb(255,{green},{green})"


def html(section: dict[str, Any]) -> str:
    """The heatmap as a coloured table (white = no successful attacks, red = all succeeded)."""
    parts: list[str] = []
    for t, sec in section["targets"].items():
        hm = sec["heatmap"]
        parts.append(f"<h4>{_html.escape(t)}</h4><table class='heatmap'><tr><th>domain</th>"
                     + "".join(f"<th>{_html.escape(f)}</th>" for f in hm["families"]) + "</tr>")
        for i, d in enumerate(hm["domains"]):
            cells = []
            for j in range(len(hm["families"])):
                v, n = hm["values"][i][j], hm["n"][i][j]
                lo, hi = hm["ci_low"][i][j], hm["ci_high"][i][j]
                u = heatmap_grid(hm, "unknown", 0)[i][j]
                title = f"n={n}, 95% CI {_pct(lo)}–{_pct(hi)}" if n else "not run"
                more = f"<br><small>{u} unknown: up to {_pct(hi)}</small>" if u else ""
                cells.append(f"<td style='background:{_colour(v)}' title='{title}'>"
                             f"{_pct(v) if n else '–'}<br><small>n={n or 0}</small>{more}</td>")
            parts.append(f"<tr><th>{_html.escape(d)}</th>{''.join(cells)}</tr>")
        parts.append("</table>")
    md = markdown(section)
    parts.append("<pre class='misuse-tables'>" + _html.escape(md) + "</pre>")
    return "\n".join(parts)
