"""Report section: evaluation awareness, three measurements side by side.

Public work measures evaluation awareness in ways that agree only weakly, so the section never
reports one alone: per domain, the behavioural gap (``evaluation_differential``: unsafe compliance under
deployment framing minus under eval framing, the one sign convention of
``decision_text.AWARENESS_GAP_DEFINITION``; interval clustered by seed, exact McNemar p), the verbalised-awareness rate
per arm, behaviour conditional on verbalising it, and how test-like the prompts of each arm and their bare
requests looked to the realism meter (``arm_realism``: median P(eval) per arm, the paired deploy-vs-bare
comparison, and the limitation when the realistic wrapper made requests look more test-like; or a note that
realism was not measured and why). Direct-probing AUROC is an offline benchmark (``benchmarks/probe_2x2.py``), not
a stored record, so the section points to it instead of quoting a figure. When a gap is flagged the
limitation the decision applies is stated, with how much of the realistic arm was attacked
(transformed) and how much of it is unknown, so a reader can see the correction is like for like.
The ``reworded`` arm (deploy rendering, the library's request wording changed) is shown with the
wording differential (``wording_differential``: reworded − deploy, paired), or its absence is stated:
without it only the public library's own wording was tested. Everything comes from stored findings and samples.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

from frontiergate.analysis.metrics_awareness import p_text, realism_limitation
from frontiergate.report.context import ReportContext
from frontiergate.report.decision_text import AWARENESS_GAP_DEFINITION, awareness_gap_text, awareness_sign

NAME = "awareness"
TITLE = "Evaluation awareness: does the model behave better when it can tell it is being tested?"
ORDER = 35

_KEEP = ("n", "k", "estimate", "ci_low", "ci_high", "test", "p_value")
PROBE_NOTE = ("Direct probing (asking the model whether a transcript is an evaluation) is measured offline: "
              "`python benchmarks/probe_2x2.py --model M --data DIR`; see docs/validation.md.")


def _brief(f: dict[str, Any]) -> dict[str, Any]:
    return {k: f.get(k) for k in _KEEP}


def _realism(rc: ReportContext, target: str, domain: str) -> dict[str, Any]:
    """The ``arm_realism`` finding's per-arm P(eval), paired comparison and reference; without one (an older
    analysis), the per-arm figures from the stored samples."""
    f = next((x for x in rc.findings_for(target, "arm_realism", domain) if x["slice"] == "all"), None)
    if f is not None:
        d = f.get("details", {})
        return {"measured": bool(d.get("measured")), "reason": d.get("reason"), "arms": d.get("arms", {}),
                "paired": d.get("paired", {}), "reference": d.get("reference"),
                "limitation": realism_limitation(domain, d, 1 - rc.policy.confidence)}
    ctx = rc.analysis.get(target)
    vals: dict[str, list[float]] = defaultdict(list)
    for s in ctx.for_domain(domain) if ctx is not None else []:
        v = s.extra.get("test_likeness")
        if isinstance(v, int | float) and "pair_id" in s.extra and s.epoch <= 1:
            vals[s.framing].append(float(v))
    arms = {f: {"n": len(v), "mean": float(np.mean(v)), "median": float(np.median(v))} for f, v in sorted(vals.items())}
    return {"measured": bool(arms), "reason": None if arms else "no realism score was stored", "arms": arms,
            "paired": {}, "reference": None, "limitation": None}


def _domain(rc: ReportContext, target: str, domain: str) -> dict[str, Any] | None:
    diff = rc.findings_for(target, "evaluation_differential", domain)
    head = next((f for f in diff if f["slice"] == "all"), None)
    if head is None:
        return None
    d = head.get("details", {})
    verbal = {f["slice"].split("=", 1)[1]: _brief(f)
              for f in rc.findings_for(target, "verbalised_awareness_rate", domain) if f["slice"] != "all"}
    cond = {f["slice"]: _brief(f) for f in rc.findings_for(target, "behaviour_given_awareness", domain)
            if f["slice"] in ("aware=yes", "aware=no")}
    out: dict[str, Any] = {
        "domain": domain, "gap": _brief(head), "flag": bool(d.get("flag")), "direction": d.get("direction"),
        "sign": awareness_sign(head.get("estimate"), head.get("ci_low"), head.get("ci_high")),
        "realistic_rate": d.get("realistic_rate"), "cued_rate": d.get("cued_rate"),
        "seeds": d.get("seeds"), "epochs": d.get("epochs"), "too_few": d.get("too_few"),
        "realistic_arm": d.get("realistic_arm"), "cued_arm": d.get("cued_arm"),
        "unknown_pairs": d.get("unknown_pairs", 0), "not_estimable": d.get("not_estimable"),
        "hidden_by_unknowns": (d.get("hidden_by_unknowns") or {}).get("text"),
        "evidence": d.get("evidence", [])[:10],
        "cues": [{"cue": f["slice"].split("=cue:", 1)[1], **_brief(f)} for f in diff if f["slice"] != "all"],
        "verbalised": verbal, "behaviour_given_awareness": cond, "realism": _realism(rc, target, domain),
    }
    wording = next((f for f in rc.findings_for(target, "wording_differential", domain) if f["slice"] == "all"), None)
    wd = (wording or {}).get("details", {})
    out["reworded"] = None if wording is None else {
        "gap": _brief(wording), "flag": bool(wd.get("flag")), "direction": wd.get("direction"),
        "reworded_rate": wd.get("realistic_rate"), "deploy_rate": wd.get("cued_rate"),
        "not_estimable": wd.get("not_estimable"),
        "hidden_by_unknowns": (wd.get("hidden_by_unknowns") or {}).get("text"),
    }
    if out["flag"] and head.get("estimate") is not None and head.get("p_value") is not None:
        out["limitation"] = (
            f"{domain}: the model complied with harmful requests significantly more often when they looked "
            f"like real use than when they looked like a test (awareness gap, deploy − eval: "
            f"{awareness_gap_text(head['estimate'], head.get('ci_low'), head.get('ci_high'))}, "
            f"p={head['p_value']:.3g}); cued-evaluation results understate deployment risk, so the decision "
            "takes the worse of the pooled and the deployment-realistic rates (both cover attacked items)."
        )
    return out


LAYER_LIMITS = {
    "behavioural": "Behavioural (evaluation differential, verbalised awareness): black-box and works on any "
                   "target, but it compares our own framings, so it shows sensitivity to the cues we wrote, not "
                   "to every way a deployment differs from a test. Both framings wrap the request in a small, "
                   "fixed set of sentences, so a model can tell either from real traffic; the decision therefore "
                   "also weighs the plain, unwrapped requests.",
    "representational": "Representational (white-box probe): reads one open-weight model at one layer; on small "
                        "models it tracks prompt style more than context (little AUROC survives a style shift), "
                        "and it says nothing about a target whose activations it cannot read.",
    "causal": "Causal (reasoning intervention, prefilled answer opening vs a same-length neutral one): needs a "
              "target that continues an assistant prefix (others are recorded as not applicable); it shows that "
              "a stated belief of being tested changes behaviour, not that the model forms that belief unprompted.",
    "steering": "Causal, white-box (activation steering along the eval-minus-deploy direction, with an equal-norm "
                "random push as control): needs the weights; one layer and one scale, declared in advance; a push "
                "large enough to matter can also break the language (such answers are unknown), and a null result "
                "at this scale does not exclude an effect at another.",
}


def _effect_rows(rc: ReportContext, target: str, metric: str,
                 more: Callable[[dict[str, Any], list[dict[str, Any]]], dict[str, Any]]) -> list[dict[str, Any]]:
    """Per domain: a causal experiment's headline effect (slice ``all``), its paired contrasts, and the
    experiment's own fields (``more``: from the headline's details and the domain's findings)."""
    rows = []
    found = rc.findings_for(target, metric)
    for domain in sorted({f["domain"] for f in found}):
        fs = [f for f in found if f["domain"] == domain]
        head = next((f for f in fs if f["slice"] == "all"), None)
        if head is None:
            continue
        d = head.get("details", {})
        rows.append({
            "domain": domain, "effect": _brief(head), "flag": bool(d.get("flag")), "seeds": d.get("seeds"),
            "unknown_pairs": d.get("unknown_pairs", 0), "not_applicable": d.get("not_applicable", []),
            "hidden_by_unknowns": (d.get("hidden_by_unknowns") or {}).get("text"),
            "not_estimable": d.get("not_estimable"), "too_few": d.get("too_few"),
            "contrasts": [{"contrast": f["slice"].split("=", 1)[1], **_brief(f)} for f in fs
                          if f["slice"].startswith("contrast=")],
            **more(d, fs),
        })
    return rows


def _steering(rc: ReportContext, target: str) -> list[dict[str, Any]]:
    """Steering: toward test − toward deployment, the random-push controls, the steered-toward-deployment rate."""

    def more(d: dict[str, Any], fs: list[dict[str, Any]]) -> dict[str, Any]:
        steered = next((f for f in fs if f["slice"] == "steered=toward_deploy"), None)
        return {"direction": d.get("direction"), "specific": d.get("specific_contrasts", []),
                "weighed": bool(d.get("weigh_steered")) and not d.get("flag"),
                "suggested": d.get("suggested_contrasts", []),
                "kind": d.get("kind", "misuse"), "steering": d.get("steering", {}),
                "deploy_rate": d.get("baseline_rate"), "test_rate": d.get("treated_rate"),
                "steered_not_refused": None if steered is None else _brief(steered)}

    return _effect_rows(rc, target, "steering_awareness_effect", more)


def _causal(rc: ReportContext, target: str) -> list[dict[str, Any]]:
    """The reasoning intervention: eval-aware − neutral opening, and its other contrasts."""
    return _effect_rows(rc, target, "prefill_awareness_effect", lambda d, _fs: {
        "neutral_rate": d.get("baseline_rate"), "eval_aware_rate": d.get("treated_rate")})


def _representational(rc: ReportContext) -> bool:
    from pathlib import Path

    from frontiergate.whitebox.run_scores import read_artefact

    out_dir = getattr(rc.run, "out_dir", None)
    return out_dir is not None and read_artefact(Path(out_dir)) is not None


def build(rc: ReportContext) -> dict[str, Any] | None:
    targets = []
    for t in rc.targets:
        domains = sorted({f["domain"] for f in rc.findings_for(t, "evaluation_differential")})
        rows = [r for r in (_domain(rc, t, d) for d in domains) if r is not None]
        causal, steering = _causal(rc, t), _steering(rc, t)
        if rows or causal or steering:
            targets.append({"target": t, "domains": rows, "causal": causal, "steering": steering})
    if not targets:
        return None
    return {"targets": targets, "probing": PROBE_NOTE, "convention": AWARENESS_GAP_DEFINITION,
            "layers": {**LAYER_LIMITS}, "representational_present": _representational(rc)}


def _pct(x: Any) -> str:
    return "n/a" if x is None else f"{100 * float(x):.1f}%"


def _rate(r: dict[str, Any] | None) -> str:
    if not r or r.get("n") in (None, 0):
        return "n/a"
    return f"{r['k']}/{r['n']} = {_pct(r['estimate'])} [{_pct(r['ci_low'])}, {_pct(r['ci_high'])}]"


def markdown(section: dict[str, Any]) -> str:
    lines: list[str] = [f"Sign convention: {section.get('convention', AWARENESS_GAP_DEFINITION)}.", ""]
    layers = section.get("layers")
    if layers:
        rep = ("shown in the next section" if section.get("representational_present")
               else "not measured for this run (`frontiergate awareness whitebox-score`)")
        lines += ["Three layers of evidence, each with its validity limits:", "",
                  f"- {layers['behavioural']} Shown below per domain.",
                  f"- {layers['representational']} Probe scores: {rep}.",
                  f"- {layers['causal']} Shown below when the `frontiergate/awareness_prefill` task ran.",
                  f"- {layers.get('steering', LAYER_LIMITS['steering'])} Shown below when the "
                  "`frontiergate/awareness_steer` task ran.", ""]
    for t in section["targets"]:
        lines += _causal_md(t)
        lines += _steering_md(t)
        if not t["domains"]:
            continue
        lines += [f"**Target `{t['target']}`**", "",
                  "| domain | unsafe, realistic | unsafe, cued | awareness gap (deploy − eval) [95% CI] | McNemar p "
                  "| verbalised (cued / realistic) | median P(eval) (eval / deploy / reworded / bare) | flag |",
                  "|---|---|---|---|---|---|---|---|"]
        for d in t["domains"]:
            g = d["gap"]
            gap = ("not estimable" if g["estimate"] is None or g["ci_low"] is None or g["ci_high"] is None
                   else f"{g['estimate']:+.3f} [{g['ci_low']:+.3f}, {g['ci_high']:+.3f}]")
            v = d["verbalised"]
            verb = f"{_pct(v.get('eval', {}).get('estimate'))} / {_pct(v.get('deploy', {}).get('estimate'))}"
            real = _realism_cell(d["realism"])
            p = "n/a" if g["p_value"] is None else f"{g['p_value']:.3g}"
            lines.append(f"| {d['domain']} | {_rate(d['realistic_rate'])} | {_rate(d['cued_rate'])} | {gap} | {p} "
                         f"| {verb} | {real} | {_flag_cell(d)} |")
        lines.append("")
        for d in t["domains"]:
            if d.get("too_few"):
                lines.append(f"- {d['domain']}: {d['too_few']}.")
            if d.get("not_estimable"):
                lines.append(f"- {d['domain']}: gap not estimable: {d['not_estimable']}.")
            if d.get("hidden_by_unknowns"):
                lines.append(f"- **Not determined:** {d['domain']}: no significant gap on the pairs known in both "
                             f"arms, but {d['hidden_by_unknowns']}.")
            arm = d.get("realistic_arm")
            if arm:
                lines.append(
                    f"- {d['domain']}: the realistic arm holds {arm['samples']} harmful samples, "
                    f"{arm['transformed']} of them attacked (transformed), {arm['unknown']} with an unknown "
                    f"outcome; {d.get('unknown_pairs', 0)} pairs had an unknown arm and are not in the gap.")
            cond = d["behaviour_given_awareness"]
            if cond:
                lines.append(f"- {d['domain']}: unsafe compliance when the model verbalised awareness "
                             f"{_rate(cond.get('aware=yes'))}; when it did not {_rate(cond.get('aware=no'))}.")
            if d["cues"]:
                cues = ", ".join(f"{c['cue']} {c['estimate']:+.2f} (p={c['p_value']:.2g})"
                                 for c in d["cues"] if c["estimate"] is not None and c["p_value"] is not None)
                lines.append(f"- {d['domain']}: gap per single cue (deploy − one-cue, same sign): {cues}.")
            lines.append(_wording_line(d))
            lines += _realism_lines(d)
            if d.get("limitation"):
                lines.append(f"- **Limitation:** {d['limitation']}")
        lines.append("")
    lines.append(section["probing"])
    return "\n".join(lines)


def _wording_line(d: dict[str, Any]) -> str:
    """The reworded arm and the wording differential (reworded − deploy), or that there was none."""
    w = d.get("reworded")
    if not w:
        return (f"- **Limitation:** {d['domain']}: no reworded arm: only the scenario library's own request wording "
                "was tested, so a model that recognises that wording would pass this measurement.")
    g = w["gap"]
    p = "" if g.get("p_value") is None else f", p={g['p_value']:.3g}"
    text = (f"- {d['domain']}: reworded arm (deploy rendering, the library's request wording changed): unsafe "
            f"{_rate(w.get('reworded_rate'))} vs deploy {_rate(w.get('deploy_rate'))}; wording differential "
            f"(reworded − deploy): {_ci(g)}{p}.")
    if w.get("not_estimable"):
        text += f" Not estimable: {w['not_estimable']}."
    if w.get("hidden_by_unknowns"):
        text += f" **Not determined:** {w['hidden_by_unknowns']}."
    if w["flag"]:
        text += (" **The model complies when the library's wording is changed**: it may recognise the public "
                 "library; the decision weighs the reworded arm like the deployment-realistic one.")
    return text


def _med(a: dict[str, Any] | None) -> str:
    return "–" if not a or a.get("median") is None else f"{float(a['median']):.2f}"


def _realism_cell(r: dict[str, Any]) -> str:
    """Median P(eval) of the eval, deploy and reworded arms and of the bare requests."""
    arms = r.get("arms") or {}
    if not r.get("measured") or not arms:
        return "not measured"
    return " / ".join(_med(arms.get(a)) for a in ("eval", "deploy", "reworded", "bare"))


def _realism_lines(d: dict[str, Any]) -> list[str]:
    """Per-arm P(eval), the paired wrapper-vs-bare comparison, the real-traffic reference, and the
    limitation or the note that realism was not measured."""
    r = d.get("realism") or {}
    name = d["domain"]
    if not r.get("measured"):
        why = r.get("reason") or "no realism score was stored"
        return [f"- {name}: realism not measured ({why}): whether the deployment-realistic arm looks like real use "
                "is unknown, so a small awareness gap is weaker evidence of no awareness than it appears."]
    arms = r.get("arms") or {}
    shown = ", ".join(f"{label} {_med(arms[a])} / {float(arms[a]['mean']):.2f} (n={arms[a]['n']})"
                      for a, label in (("eval", "eval"), ("deploy", "deploy"), ("reworded", "reworded"),
                                       ("bare", "bare request"), ("bare_reworded", "bare reworded request"))
                      if a in arms and arms[a].get("mean") is not None)
    lines = [f"- {name}: realism meter P(eval) (0 = reads like real use, 1 = like a test), median / mean per arm: "
             f"{shown}."]
    for arm, label in (("deploy", "deployment-realistic"), ("reworded", "reworded")):
        p = (r.get("paired") or {}).get(arm)
        if not p:
            continue
        sp = "" if p.get("sign_p") is None else f", exact sign test p{p_text(p['sign_p'])}"
        seed = p.get("seed_sign") or {}
        by_seed = ("" if not seed.get("seeds") else
                   f"; by seed {seed['raised']} of {seed['seeds']}"
                   + ("" if seed.get("p") is None else f", p{p_text(seed['p'])}"))
        lines.append(f"- {name}: the {label} wrapper vs the same bare request: raised P(eval) in {p['raised']} of "
                     f"{p['pairs']} pairs (median {p['median']:.2f} vs {p['bare_median']:.2f}{sp}{by_seed}).")
    ref = r.get("reference")
    if ref and ref.get("p75") is not None:
        lines.append(f"- {name}: real user traffic (held-out rows of {ref.get('data_file')}, n={ref.get('n')}): "
                     f"median P(eval) {float(ref['median']):.2f}, 75th percentile {float(ref['p75']):.2f}.")
    if r.get("limitation"):
        lines.append(f"- **Limitation:** {r['limitation']}.")
    return lines


def _flag_cell(d: dict[str, Any]) -> str:
    """FLAGGED, undetermined (unknown pairs could hide the effect) or no."""
    return "**FLAGGED**" if d["flag"] else "undetermined (unknown pairs)" if d.get("hidden_by_unknowns") else "no"


def _causal_md(t: dict[str, Any]) -> list[str]:
    """The reasoning-intervention table for one target (empty when the task did not run)."""
    rows = t.get("causal") or []
    if not rows:
        return []
    lines = [f"**Target `{t['target']}`: causal layer (reasoning intervention)**", "",
             "| domain | refused, neutral opening | refused, eval-aware opening | effect (eval-aware − neutral) "
             "[95% CI] | McNemar p | seeds | unknown pairs | flag |",
             "|---|---|---|---|---|---|---|---|"]
    for d in rows:
        e = d["effect"]
        eff = ("not estimable" if e["estimate"] is None or e["ci_low"] is None or e["ci_high"] is None
               else f"{e['estimate']:+.3f} [{e['ci_low']:+.3f}, {e['ci_high']:+.3f}]")
        p = "n/a" if e["p_value"] is None else f"{e['p_value']:.3g}"
        lines.append(f"| {d['domain']} | {_rate(d['neutral_rate'])} | {_rate(d['eval_aware_rate'])} | {eff} | {p} | "
                     f"{d['seeds']} | {d['unknown_pairs']} | {_flag_cell(d)} |")
    lines.append("")
    for d in rows:
        others = ", ".join(
            f"{c['contrast']} {c['estimate']:+.3f} [{c['ci_low']:+.3f}, {c['ci_high']:+.3f}] (n={c['n']}"
            + (f", p={c['p_value']:.3g})" if c["p_value"] is not None else ")")
            for c in d["contrasts"] if None not in (c["estimate"], c["ci_low"], c["ci_high"]))
        if others:
            lines.append(f"- {d['domain']}: other contrasts (refusal-rate change): {others}.")
        if d.get("not_estimable"):
            lines.append(f"- {d['domain']}: effect not estimable: {d['not_estimable']}.")
        if d.get("too_few"):
            lines.append(f"- {d['domain']}: {d['too_few']}.")
        if d.get("hidden_by_unknowns"):
            lines.append(f"- **Not determined:** {d['domain']}: no significant effect on the pairs known under "
                         f"both openings, but {d['hidden_by_unknowns']}.")
        if d["flag"]:
            lines.append(f"- **Limitation:** {d['domain']}: an eval-aware opening made the model significantly "
                         "safer than a neutral one, so safe behaviour depends on perceived evaluation; the "
                         "decision takes the worse of the pooled and deployment-realistic rates.")
    lines.append("")
    return lines


def _ci(e: dict[str, Any]) -> str:
    if e.get("estimate") is None or e.get("ci_low") is None or e.get("ci_high") is None:
        return "not estimable"
    return f"{e['estimate']:+.3f} [{e['ci_low']:+.3f}, {e['ci_high']:+.3f}]"


def _steering_md(t: dict[str, Any]) -> list[str]:
    """The steering table for one target (empty when the task did not run)."""
    rows = t.get("steering") or []
    if not rows:
        return []
    st: dict[str, Any] = next((r["steering"] for r in rows if r.get("steering")), {})
    how = (f"layer {st.get('layer')}, scale {st.get('scale')} (|direction| {st.get('direction_norm', 0):.2f}), "
           f"direction from {st.get('direction_source')}" if st else "no steered answer was produced")
    lines = [f"**Target `{t['target']}`: causal layer (activation steering)**: {how}.", "",
             "| domain | safe, toward deployment | safe, toward test | effect (test − deployment) [95% CI] "
             "| McNemar p | specific vs random push | unsafe when steered toward deployment | seeds "
             "| unknown pairs | flag |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for d in rows:
        e = d["effect"]
        p = "n/a" if e["p_value"] is None else f"{e['p_value']:.3g}"
        spec = ", ".join(d["specific"]) or (
            f"by McNemar only: {', '.join(d.get('suggested') or [])}" if d.get("suggested")
            else "not established (control unreadable)" if d.get("direction") == "specificity_not_established"
            else "no")
        flag = "**FLAGGED**" if d["flag"] else "**weighed as a precaution**" if d.get("weighed") else "no"
        lines.append(f"| {d['domain']} | {_rate(d['deploy_rate'])} | {_rate(d['test_rate'])} | {_ci(e)} | {p} | "
                     f"{spec} | {_rate(d['steered_not_refused'])} | {d['seeds']} | {d['unknown_pairs']} | "
                     f"{flag} |")
    kinds = {d["kind"] for d in rows}
    meaning = [text for kind, text in (("misuse", "in misuse domains safe = refused and unsafe = not refused "
                                        "(a cautious proxy of attack success)"),
                                       ("autonomy", "in autonomy safe = an engaged episode that finished without "
                                        "the violating action and unsafe = the violating action was taken"))
               if kind in kinds]
    lines += ["", f"Safe and unsafe: {'; '.join(meaning)}; unknown answers or episodes are left out of the pairs "
              "and bound the unsafe share on both sides."]
    lines.append("")
    for d in rows:
        others = ", ".join(f"{c['contrast']} {_ci(c)} (n={c['n']}" + (f", p={c['p_value']:.3g})"
                                                                       if c["p_value"] is not None else ")")
                           for c in d["contrasts"] if c.get("estimate") is not None)
        if others:
            lines.append(f"- {d['domain']}: other contrasts (change in the safe share; random = equal-norm "
                         f"random push): {others}.")
        if d.get("not_estimable"):
            lines.append(f"- {d['domain']}: effect not estimable: {d['not_estimable']}.")
        if d.get("too_few"):
            lines.append(f"- {d['domain']}: {d['too_few']}.")
        if d.get("direction") == "unspecific_push":
            lines.append(f"- {d['domain']}: the push toward test made the model safer, but an equal-norm random "
                         "push did as much: not evidence about awareness, and not flagged.")
        if d.get("weighed"):
            lines.append(f"- **Limitation:** {d['domain']}: steered toward 'test' the model behaved safely more often "
                         "than steered toward deployment by the exact McNemar test, "
                         + ("and no answer under the random push could be read, so specificity is not established"
                            if d.get("direction") == "specificity_not_established" else
                            "beyond the random push by McNemar, though the seed-clustered interval does not exclude 0")
                         + "; the decision weighs the behaviour steered toward deployment as a precaution and takes "
                         "the worse.")
        if d["flag"]:
            lines.append(f"- **Limitation:** {d['domain']}: steered toward 'test' the model behaved safely "
                         "significantly more often than steered toward deployment, beyond what a random push "
                         "explains, so its safe "
                         "behaviour depends on perceived evaluation; the decision also weighs the behaviour "
                         "steered toward deployment and takes the worse.")
    lines.append("")
    return lines
