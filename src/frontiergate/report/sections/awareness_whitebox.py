"""Report section: how test-like each suite looked to the model itself (white-box probe scores).

Shown only when ``frontiergate awareness whitebox-score RUN --probe FILE`` has stored
``<run dir>/awareness_whitebox.json`` (probe scoring needs a forward pass per prompt, so it is an
explicit step and never slows a normal run or report). The figures are the probe's mean P(eval) per
domain and framing with cluster-bootstrap intervals over scenario seeds. The probe's validity limits
travel with it: which model it reads, its layer, its validation AUROC, and whether that model is a
target of this run (if not, the scores describe that model's view, not the target's).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from frontiergate.report.context import ReportContext

NAME = "awareness_whitebox"
TITLE = "Evaluation awareness: what the model's activations say"
ORDER = 36


def build(rc: ReportContext) -> dict[str, Any] | None:
    from frontiergate.whitebox.run_scores import read_artefact

    data = read_artefact(Path(rc.run.out_dir))
    if data is None:
        return None
    return {"probe": data.get("probe", {}), "probe_model_is_target": bool(data.get("probe_model_is_target")),
            "n_prompts": data.get("n_prompts"), "groups": data.get("groups", []),
            "n_in_probe_training": data.get("n_in_probe_training"),
            "created_at": data.get("created_at")}


def _fmt(x: Any) -> str:
    return "n/a" if x is None else f"{float(x):.2f}"


def markdown(section: dict[str, Any]) -> str:
    p = section["probe"]
    who = ("the probe reads a target of this run" if section["probe_model_is_target"] else
           f"the probe reads `{p.get('model')}`, which is not a target of this run: the scores say how test-like the "
           "prompts look to that model, not to the targets")
    lines = [
        f"A linear probe ({p.get('kind')}, layer {p.get('layer')}, {p.get('pooling')}-pooled; validation AUROC "
        f"{_fmt(p.get('val_auroc'))} on {p.get('n_rows')} labelled texts) scored {section['n_prompts']} prompts "
        f"of this run; {who}. P(eval) near 1 means the prompt looked like a test to the model. Limits: a probe trained "
        "on one model and small labelled sets; on this model it reads benchmark format and source style more than "
        "context (format-held-out AUROC near 0, docs/awareness.md). Prompts from scenario seeds the probe was "
        "trained on are in-sample (last column).",
        "",
        "| domain | framing | prompts | seeds | mean P(eval) | 95% CI | share > 0.5 | from probe-training seeds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for g in section["groups"]:
        lo, hi = (g.get("ci") or [None, None])[:2]
        lines.append(f"| {g['domain']} | {g['framing']} | {g['n']} | {g['seeds']} | {_fmt(g['mean_p_eval'])} | "
                     f"[{_fmt(lo)}, {_fmt(hi)}] | {_fmt(g['share_above_half'])} | "
                     f"{g.get('in_probe_training', 'n/a')} |")
    return "\n".join(lines) + "\n"
