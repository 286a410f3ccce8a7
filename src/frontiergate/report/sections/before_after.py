"""Report section: baseline vs candidate on the same items (``frontiergate run --baseline A --candidate B``).

Everything is recomputed from the stored samples of both targets by ``compare_targets``: paired
change in attack success and in over-refusal (exact McNemar, bootstrap interval clustered by
seed) and the latency/token cost, per domain.
"""

from __future__ import annotations

from typing import Any

from frontiergate.analysis.paired_targets import compare_targets
from frontiergate.report.context import ReportContext

NAME = "before_after"
TITLE = "Before / after: baseline vs candidate"
ORDER = 40

_LABELS = {
    "attack_success_rate_change": "attack success",
    "over_refusal_rate_change": "over-refusal (benign look-alikes)",
    "latency_s_change": "latency per sample (s)",
    "tokens_change": "tokens per sample",
}


def _domains(rc: ReportContext, targets: list[str]) -> list[str]:
    seen = {s.domain for t in targets for s in rc.analysis[t].samples if s.domain}
    ordered = [d for d in rc.policy.domains if d in seen]
    return ordered + sorted(seen - set(ordered))


def paired_findings(rc: ReportContext, baseline: str, candidate: str) -> list[dict[str, Any]] | None:
    """The paired change (candidate − baseline) per domain, recomputed from both targets' samples.

    Shared with the residual-risk section (raw model vs its safeguarded configuration), so the
    safeguards' cost is paired exactly like a before/after comparison. None when either target has
    no loaded samples.
    """
    if baseline not in rc.analysis or candidate not in rc.analysis:
        return None
    domains = _domains(rc, [baseline, candidate])
    return [f.as_dict() for f in compare_targets(rc.analysis[baseline], rc.analysis[candidate], domains)]


def _verdict(f: dict[str, Any]) -> str:
    if f["metric"] not in ("attack_success_rate_change", "over_refusal_rate_change"):
        return ""
    if f["p_value"] is not None and f["p_value"] < 0.05:
        lower = (f["estimate"] or 0) < 0
        unknown = f["details"].get("unknown_pairs") or 0
        # the test ran on the pairs known on both sides; the interval also covers the unknown arms
        high, low = f["ci_high"], f["ci_low"]
        holds = (high is not None and high < 0) if lower else (low is not None and low > 0)
        if unknown and not holds:
            return f"{'lower' if lower else 'higher'} on the known pairs only; {unknown} unknown pairs could undo it"
        return "lower" if lower else "higher"
    if not f["details"].get("enough_to_decide", False):
        return "too few pairs to decide"
    return "no significant change"


def build(rc: ReportContext) -> dict[str, Any] | None:
    baseline = rc.run.options.get("baseline")
    candidate = rc.run.options.get("candidate")
    if not baseline or not candidate:
        return None
    findings = paired_findings(rc, str(baseline), str(candidate))
    if findings is None:
        return None
    domains = _domains(rc, [baseline, candidate])
    for f in findings:
        f["verdict"] = _verdict(f)
    limitations = []
    for f in findings:
        if f["slice"] == "all" and f["details"].get("unmatched_items"):
            limitations.append(
                f"before/after {f['domain']}: {f['details']['unmatched_items']} item(s) ran on only one target "
                "and are left out of the paired comparison"
            )
            break
    for f in findings:
        if f["slice"] == "all" and f["details"].get("unknown_pairs"):
            limitations.append(
                f"before/after {f['domain']}, {_LABELS.get(f['metric'], f['metric'])}: {f['details']['unknown_pairs']} "
                "pair(s) had an unknown answer (errors, empty answers, guard failures); the interval counts each "
                "against the candidate at its upper end and for it at its lower end"
            )
    small = sorted({f["domain"] for f in findings if f["verdict"] == "too few pairs to decide"})
    if small:
        limitations.append(f"before/after: too few paired items to decide in {', '.join(small)}")
    return {
        "baseline": baseline,
        "candidate": candidate,
        "domains": domains,
        "findings": findings,
        "limitations": limitations,
    }


def _fmt(x: float | None, pct: bool) -> str:
    if x is None:
        return "n/a"
    return f"{x * 100:+.1f} pp" if pct else f"{x:+.3g}"


def markdown(section: dict[str, Any]) -> str:
    lines = [
        f"Baseline **{section['baseline']}** vs candidate **{section['candidate']}**, same items, paired on "
        "item and epoch. Change = candidate − baseline.",
        "",
        "| domain | measure | slice | pairs | baseline | candidate | change (95% CI) | p | reading |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for f in section["findings"]:
        d = f["details"]
        pct = f["metric"] in ("attack_success_rate_change", "over_refusal_rate_change")
        a = d.get("rate_a", d.get("mean_a"))
        b = d.get("rate_b", d.get("mean_b"))
        fa = "n/a" if a is None else (f"{a * 100:.1f}%" if pct else f"{a:.3g}")
        fb = "n/a" if b is None else (f"{b * 100:.1f}%" if pct else f"{b:.3g}")
        ci = f"{_fmt(f['estimate'], pct)} [{_fmt(f['ci_low'], pct)}, {_fmt(f['ci_high'], pct)}]"
        p = "" if f["p_value"] is None else f"{f['p_value']:.3g}"
        lines.append(
            f"| {f['domain']} | {_LABELS.get(f['metric'], f['metric'])} | {f['slice']} | {f['n']}"
            + (f" (+{d['unknown_pairs']} unknown)" if d.get("unknown_pairs") else "")
            + f" | {fa} | "
            f"{fb} | {ci} | {p} | {f.get('verdict', '')} |"
        )
    if not section["findings"]:
        lines.append("| – | no items were answered by both targets | | | | | | | |")
    return "\n".join(lines) + "\n"
