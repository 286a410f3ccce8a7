"""Report section: capability at its best (elicited), the elicitation gap and the cost of contemplation.

Computed only from the stored findings of ``capability_accuracy``, ``elicitation_gap`` and
``contemplation_latency_overhead`` (see ``frontiergate.analysis.metrics_elicitation``).
"""

from __future__ import annotations

from typing import Any

from frontiergate.report.context import ReportContext

NAME = "elicitation"
TITLE = "Elicitation: capability at its best"
ORDER = 60


def _iv(f: dict[str, Any]) -> dict[str, Any]:
    return {
        "estimate": f.get("estimate"),
        "ci_low": f.get("ci_low"),
        "ci_high": f.get("ci_high"),
        "n": f.get("n"),
        "test": f.get("test"),
    }


def build(rc: ReportContext) -> dict[str, Any] | None:
    targets: dict[str, Any] = {}
    for target in rc.targets:
        domains: dict[str, Any] = {}
        for f in rc.findings_for(target, "capability_accuracy"):
            d = domains.setdefault(f["domain"], {"points": [], "latency_overhead": []})
            det = f.get("details") or {}
            if f["slice"] == "all":
                d["elicited"] = {
                    **_iv(f),
                    "setting": det.get("elicited_by"),
                    "plain_setting": det.get("plain_slice"),
                    "plain_estimate": det.get("plain_estimate"),
                }
            else:
                d["points"].append(
                    {
                        "setting": f["slice"],
                        **_iv(f),
                        "mean_tokens": det.get("mean_tokens"),
                        "mean_latency_s": det.get("mean_latency_s"),
                        "length_penalised": det.get("length_penalised"),
                        "source": det.get("source"),
                    }
                )
        for f in rc.findings_for(target, "elicitation_gap"):
            domains.setdefault(f["domain"], {"points": [], "latency_overhead": []})["gap"] = _iv(f)
        for f in rc.findings_for(target, "contemplation_latency_overhead"):
            if f["slice"] != "all":
                domains.setdefault(f["domain"], {"points": [], "latency_overhead": []})["latency_overhead"].append(
                    {"setting": f["slice"], **_iv(f)}
                )
        if domains:
            targets[target] = {"domains": dict(sorted(domains.items()))}
    if not targets:
        return None
    return {
        "targets": targets,
        "method": (
            "Smaller agent counts are resampled from the answers of the largest run (average over agent "
            "subsets: unbiased for an n-agent majority vote). Latency is the critical path of a parallel "
            "deployment (slowest agent's own request time plus the aggregator). The elicited score is the "
            "best setting's accuracy; decisions on capability thresholds use it, not the plain score."
        ),
    }


def _fmt(x: Any, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def markdown(section: dict[str, Any]) -> str:
    lines = [section["method"], ""]
    for target, t in section["targets"].items():
        for domain, d in t["domains"].items():
            lines.append(f"**{target} · {domain}**")
            e = d.get("elicited")
            if e:
                lines.append(
                    f"- elicited accuracy {_fmt(e['estimate'])} [{_fmt(e['ci_low'])}, {_fmt(e['ci_high'])}] "
                    f"(n={e['n']}, {e['setting']}); plain {_fmt(e['plain_estimate'])} ({e['plain_setting']})"
                )
            g = d.get("gap")
            if g:
                lines.append(
                    f"- elicitation gap {_fmt(g['estimate'])} [{_fmt(g['ci_low'])}, {_fmt(g['ci_high'])}] "
                    f"(n={g['n']} items, {g['test']})"
                )
            for lo in d["latency_overhead"]:
                lines.append(
                    f"- latency overhead {lo['setting']}: {_fmt(lo['estimate'])} "
                    f"[{_fmt(lo['ci_low'])}, {_fmt(lo['ci_high'])}]"
                )
            if d["points"]:
                lines += [
                    "",
                    "| setting | accuracy | 95% CI | n | tokens | latency (s) | penalised |",
                    "|---|---|---|---|---|---|---|",
                ]
                for p in d["points"]:
                    lines.append(
                        f"| {p['setting']} | {_fmt(p['estimate'])} "
                        f"| [{_fmt(p['ci_low'])}, {_fmt(p['ci_high'])}] "
                        f"| {p['n']} | {_fmt(p['mean_tokens'], 1)} | {_fmt(p['mean_latency_s'])} "
                        f"| {_fmt(p['length_penalised'])} |"
                    )
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
