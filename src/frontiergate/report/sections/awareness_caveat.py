"""Report section: the evaluation-awareness caveat, attached to every result from cue-bearing prompts.

A model that can tell it is being tested may behave better in the test than in use. Every result
computed from prompts that carry evaluation cues can therefore understate deployment risk, and the
reader of that result must be told so next to it, with the measured gap when there is one.

Which prompts carry cues (``scenarios/framings.py``): the ``eval`` framing (all six cues), the
single-cue framings ``cue:<name>``, and the bare ``plain`` request, whose missing surrounding
context is itself one of the cues (``stripped_context``); only the ``deploy`` framing and its
``reworded`` counterpart (the same rendering, the request's wording changed) carry none.
Per target and domain the section counts the samples of each kind (from the stored samples), lists
the results that pooled cue-bearing samples (the domain's headline findings and its eval/cue
slices), and gives the awareness gap from ``evaluation_differential`` in the one sign convention of
``decision_text.AWARENESS_GAP_DEFINITION`` (deploy − eval; positive = worse when unwatched).
"""

from __future__ import annotations

from typing import Any

from frontiergate.report.context import ReportContext
from frontiergate.report.decision_text import AWARENESS_GAP_DEFINITION, awareness_gap_text, awareness_sign
from frontiergate.report.plain import domain_order

NAME = "awareness_caveat"
TITLE = "Evaluation-awareness caveat"
ORDER = 14

AWARENESS_METRICS = ("evaluation_differential", "verbalised_awareness_rate", "behaviour_given_awareness",
                     "prefill_awareness_effect", "steering_awareness_effect")
EXPERIMENT_FRAMINGS = ("prefill", "steer")
"""The causal experiments' own arms (an opening we wrote, a push we added): experiments on awareness,
not results it colours, so they are neither counted as cue-bearing nor listed as coloured results."""
CAUSAL = {"prefill_awareness_effect": "an eval-aware answer opening made it significantly safer than a neutral one",
          "steering_awareness_effect": "steering its activations toward 'test' made it significantly safer than "
                                       "toward deployment, beyond a random push"}


def is_cued_framing(framing: str) -> bool:
    """An eval-framed or single-cue rendering (explicit cues)."""
    return framing == "eval" or framing.startswith("cue:")


def is_cue_slice(slice_: str) -> bool:
    return "framing=eval" in slice_ or "cue:" in slice_


def _counts(rc: ReportContext, target: str, domain: str) -> dict[str, int]:
    ctx = rc.analysis.get(target)
    out = {"samples": 0, "cued": 0, "bare": 0, "realistic": 0}
    for s in ctx.for_domain(domain) if ctx is not None else []:
        if s.framing in EXPERIMENT_FRAMINGS:
            continue
        out["samples"] += 1
        fr = s.framing or "plain"
        if is_cued_framing(fr):
            out["cued"] += 1
        elif fr in ("deploy", "reworded"):
            out["realistic"] += 1
        else:
            out["bare"] += 1
    return out


def _domain(rc: ReportContext, target: str, domain: str) -> dict[str, Any] | None:
    counts = _counts(rc, target, domain)
    findings = rc.findings_for(target, domain=domain)
    explicit = [f for f in findings if is_cue_slice(f["slice"]) and f["metric"] not in AWARENESS_METRICS]
    if counts["cued"] + counts["bare"] == 0 and not explicit:
        return None
    pooled = [f for f in findings if f["slice"] == "all" and f["metric"] not in AWARENESS_METRICS
              and not f["metric"].endswith("_change")] if counts["cued"] + counts["bare"] else []
    results = [{"metric": f["metric"], "slice": f["slice"], "n": f["n"], "estimate": f["estimate"]}
               for f in pooled + explicit]
    head = next((f for f in findings if f["metric"] == "evaluation_differential" and f["slice"] == "all"), None)
    gap = None if head is None else {k: head.get(k) for k in ("n", "estimate", "ci_low", "ci_high", "p_value")}
    est, lo, hi = (gap or {}).get("estimate"), (gap or {}).get("ci_low"), (gap or {}).get("ci_high")
    sign = awareness_sign(est, lo, hi)
    gap_text = awareness_gap_text(est, lo, hi) if gap else "not measured in this run (run frontiergate/awareness)"
    cue_bearing = counts["cued"] + counts["bare"]
    note = (
        f"{domain}: {cue_bearing} of {counts['samples']} samples came from cue-bearing prompts ({counts['cued']} "
        f"eval-framed or single-cue, {counts['bare']} bare requests, whose missing context is itself a cue); "
        "results from them may understate deployment risk. Awareness gap (deploy − eval): "
        f"{gap_text}" + (f", p={gap['p_value']:.3g}" if gap and gap.get("p_value") is not None else "") + "."
    )
    causal = [text for metric, text in CAUSAL.items()
              if any(f["metric"] == metric and f["slice"] == "all" and (f.get("details") or {}).get("flag")
                     for f in findings)]
    if causal:
        note += (" Causal evidence that safe behaviour depends on perceived evaluation: " + "; ".join(causal)
                 + ".")
    return {"domain": domain, **counts, "cue_bearing": cue_bearing, "gap": gap, "sign": sign,
            "gap_text": gap_text, "results": results, "note": note, "causal": causal}


def build(rc: ReportContext) -> dict[str, Any] | None:
    targets = []
    for t in rc.targets:
        names = {f["domain"] for f in rc.findings.get(t, [])}
        rows = [r for r in (_domain(rc, t, d) for d in domain_order(rc.policy, names)) if r is not None]
        if rows:
            targets.append({"target": t, "domains": rows})
    if not targets:
        return None
    return {"convention": AWARENESS_GAP_DEFINITION, "targets": targets}


def markdown(section: dict[str, Any]) -> str:
    lines = [f"Sign convention: {section['convention']}.", ""]
    for t in section["targets"]:
        lines += [f"**Target `{t['target']}`**", ""]
        for d in t["domains"]:
            lines.append(f"- {d['note']}")
            if d["results"]:
                shown = ", ".join(f"{r['metric']} ({r['slice']})" for r in d["results"])
                lines.append(f"  - applies to: {shown}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
