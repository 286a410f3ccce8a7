"""Report section: how test-like each suite looked to the model itself (white-box probe scores).

Shown only when ``frontiergate awareness whitebox-score RUN --probe FILE`` has stored
``<run dir>/awareness_whitebox.json`` (probe scoring needs a forward pass per prompt, so it is an
explicit step and never slows a normal run or report). The figures are the probe's mean P(eval) per
domain and framing with cluster-bootstrap intervals over scenario seeds. The probe's validity limits
travel with it: which model it reads, its layer, how it was chosen (the best of K configurations on a
small validation split: an optimistic figure, with the split's size), its held-out AUROC with a cluster-bootstrap
interval ("probe at chance — not interpretable" when that interval includes 0.5), and whether that model is a
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


AT_CHANCE = "probe at chance — not interpretable"


def probe_validity(p: dict[str, Any]) -> tuple[str, bool]:
    """How the probe was chosen and what its held-out figure says, and whether it is at chance.

    Why not "validation AUROC X on N texts": the run-scoring probe is the best of K configurations (pooling ×
    kind × layer) on one small validation split, so that maximum is optimistic (on activations carrying no
    label it reads well above 0.5); the honest figure is a held-out design's test AUROC with its
    cluster-bootstrap interval. A held-out interval that includes 0.5 means the probe reads nothing we can
    show, and the scores below are not interpretable. Artefacts written before the held-out figure was
    recorded say so instead of implying validity."""
    k, vn, vc = p.get("configs_searched"), p.get("val_n"), p.get("val_clusters")
    split = (f"a validation split of {vn} texts from {vc} clusters" if vn is not None else
             f"a validation split of part of its {p.get('n_rows')} labelled texts (size not recorded)")
    chosen = (f"chosen as the best of {k if k is not None else 'several'} configurations (pooling × kind × layer) "
              f"on {split}: validation AUROC {_fmt(p.get('val_auroc'))}, optimistic because it is that maximum")
    h = p.get("held_out")
    if not isinstance(h, dict) or h.get("auroc") is None:
        return (f"{chosen}; no held-out figure recorded, so its validity is not established; "
                f"{AT_CHANCE} until one is", True)
    lo, hi = (list(h.get("ci") or []) + [None, None])[:2]
    at_chance = lo is None or hi is None or float(lo) <= 0.5 <= float(hi)
    held = (f"held-out AUROC {_fmt(h.get('auroc'))} [{_fmt(lo)}, {_fmt(hi)}] on design {h.get('design')} "
            f"({h.get('n_test')} test texts, {h.get('test_clusters')} clusters, cluster bootstrap; same kind and "
            f"pooling, layer {h.get('layer')} chosen on that design's training side)")
    return f"{chosen}; {held}" + (f": **{AT_CHANCE}**" if at_chance else ""), at_chance


def markdown(section: dict[str, Any]) -> str:
    p = section["probe"]
    who = ("the probe reads a target of this run" if section["probe_model_is_target"] else
           f"the probe reads `{p.get('model')}`, which is not a target of this run: the scores say how test-like the "
           "prompts look to that model, not to the targets")
    validity, at_chance = probe_validity(p)
    lines = [
        *([f"**{AT_CHANCE[0].upper()}{AT_CHANCE[1:]}**: the probe's held-out AUROC does not exclude 0.5 (or was not "
           "recorded), so the P(eval) figures below may be noise.", ""] if at_chance else []),
        f"A linear probe ({p.get('kind')}, layer {p.get('layer')}, {p.get('pooling')}-pooled, fitted on "
        f"{p.get('n_rows')} labelled texts; {validity}) scored {section['n_prompts']} prompts "
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
