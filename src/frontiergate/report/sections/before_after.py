"""Report section: baseline vs candidate on the same items (``frontiergate run --baseline A --candidate B``).

Everything is recomputed from the stored samples of both targets by ``compare_targets``: paired
change in attack success and in over-refusal (exact McNemar, bootstrap interval clustered by
seed) and the latency/token cost, per domain.
"""

from __future__ import annotations

from typing import Any

from frontiergate.analysis.paired_targets import compare_targets, read_change
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
    return [f.as_dict() for f in compare_targets(rc.analysis[baseline], rc.analysis[candidate], domains,
                                                  rc.policy.seed_floor)]


def _verdict(f: dict[str, Any]) -> str:
    """The reading of one finding: the shared ``read_change``, so ``frontiergate compare`` reads alike."""
    return read_change(f)


def _domain_heads(findings: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """One whole-domain finding per domain, for the per-domain pairing counts (the same in each)."""
    heads: dict[str, dict[str, Any]] = {}
    for f in findings:
        if f["slice"] == "all":
            heads.setdefault(f["domain"], f)
    return heads


def pairing_limitations(
    findings: list[dict[str, Any]], domains: list[str], who: str, one_side: str, both: str = "both targets"
) -> list[str]:
    """What the pairing left out, for every domain: unmatched or relabelled items, and domains where
    no item was answered by both sides.

    Why: a candidate that answers only the items it does well on, or none of a domain, must not have
    the rest of its evidence vanish from the table; each domain says what it lost. ``who`` prefixes
    each line ("before/after", a target name); ``one_side`` says where the unmatched items ran and
    ``both`` what the two sides are.
    """
    heads = _domain_heads(findings)
    out = []
    for d in domains:
        head = heads.get(d)
        if head is None:
            out.append(f"{who} {d}: no item answered by {both}")
            continue
        unmatched = head["details"].get("unmatched_items")
        if unmatched:
            relabelled = head["details"].get("relabelled_items")
            why = (f" or carry different harmful, seed or domain labels on the two sides ({relabelled} of them)"
                   if relabelled else "")
            out.append(f"{who} {d}: {unmatched} item(s) ran on {one_side}{why} and are left out of the paired "
                       "comparison")
    return out


def unknown_limitations(
    findings: list[dict[str, Any]], who: str, labels: dict[str, str], candidate: str = "the candidate"
) -> list[str]:
    """One line per whole-domain rate change with unknown pairs: how the interval treats them, and
    that the reading does not rest on the known pairs alone."""
    return [
        f"{who} {f['domain']}, {labels.get(f['metric'], f['metric'])}: {f['details']['unknown_pairs']} "
        "pair(s) had an unknown answer (errors, empty answers, guard failures); the interval counts each "
        f"against {candidate} at its upper end and for it at its lower end"
        for f in findings
        if f["slice"] == "all" and f["details"].get("unknown_pairs")
    ]


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
    limitations = pairing_limitations(findings, domains, "before/after", "only one target")
    limitations += unknown_limitations(findings, "before/after", _LABELS)
    small = sorted({f["domain"] for f in findings if f["verdict"].startswith("too few")})
    if small:
        limitations.append(f"before/after: too few paired items or seed scenarios to decide in {', '.join(small)}")
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
