"""Score every prompt of a stored run with a white-box probe: how test-like did each suite look to the model?

Why an explicit step with a stored artefact: a probe needs a forward pass of the probe's model per
prompt (seconds each on a CPU), which must never slow a normal run or a report. So
``frontiergate awareness whitebox-score RUN --probe FILE`` computes once and writes
``<run dir>/awareness_whitebox.json``; the report section reads that file if it exists (a plain JSON
file beside the run's other artefacts: no store schema change, survives copying the run directory,
and ``verify`` does not need it).

Prompts come from the store (``SampleRow.input_text`` joined with the item's domain and framing),
deduplicated by item: the same prompt sent to two targets is scored once. The probe reads the
*probe model's* activations; when that model is not a target of the run the artefact says so,
because then the figure is how test-like the prompts look to that model, not to the target.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from frontiergate.whitebox.activations import extract
from frontiergate.whitebox.loading import WhiteboxModel
from frontiergate.whitebox.probes import LinearProbe

ARTEFACT = "awareness_whitebox.json"


@dataclass(frozen=True)
class RunPrompt:
    item_id: str
    seed_id: str
    domain: str
    framing: str
    targets: tuple[str, ...]
    text: str


def load_run_prompts(store: Any, run_id: str) -> list[RunPrompt]:
    """One prompt per item of the run (first stored sample's input), with its domain, framing and targets."""
    from sqlalchemy import select

    from frontiergate.store.models import EvaluationRow, ItemRow, SampleRow

    with store.session() as s:
        items = {r.item_id: r for r in s.scalars(select(ItemRow).where(ItemRow.run_id == run_id))}
        q = (select(SampleRow.item_id, SampleRow.input_text, EvaluationRow.target)
             .join(EvaluationRow, EvaluationRow.id == SampleRow.evaluation_id)
             .where(SampleRow.run_id == run_id).order_by(SampleRow.id))
        texts: dict[str, str] = {}
        targets: dict[str, set[str]] = {}
        for item_id, text, target in s.execute(q):
            if text and item_id not in texts:
                texts[item_id] = text
            targets.setdefault(item_id, set()).add(target)
    out: list[RunPrompt] = []
    for item_id in sorted(texts):
        it = items.get(item_id)
        out.append(RunPrompt(item_id, it.seed_id if it else item_id, it.domain if it else "",
                             it.framing if it else "plain", tuple(sorted(targets.get(item_id, ()))), texts[item_id]))
    return out


def limit_prompts(prompts: list[RunPrompt], per_group: int | None) -> list[RunPrompt]:
    """At most ``per_group`` prompts per domain × framing (the first by item id): bounds CPU time, and the
    artefact's ``n`` per group says how many were scored."""
    if per_group is None:
        return prompts
    seen: dict[tuple[str, str], int] = {}
    out: list[RunPrompt] = []
    for p in prompts:
        key = (p.domain, p.framing)
        if seen.get(key, 0) < per_group:
            out.append(p)
            seen[key] = seen.get(key, 0) + 1
    return out


def _mean_ci(vals: np.ndarray, clusters: list[str], n_boot: int = 1000, seed: int = 0) -> tuple[float, float, float]:
    """Mean and a percentile bootstrap interval over clusters (scenario seeds)."""
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(clusters):
        groups.setdefault(c, []).append(i)
    sums = np.array([vals[g].sum() for g in groups.values()])
    sizes = np.array([len(g) for g in groups.values()], dtype=float)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(sizes), size=(n_boot, len(sizes)))
    boot = sums[draws].sum(1) / sizes[draws].sum(1)
    lo, hi = np.quantile(boot, [0.025, 0.975])
    return float(vals.mean()), float(lo), float(hi)


def score_prompts(wb: WhiteboxModel, probe: LinearProbe, prompts: list[RunPrompt], cache_dir: Path | None,
                  run_targets: list[str]) -> dict[str, Any]:
    """P(eval) of every prompt and its summary per domain × framing (cluster-bootstrap CIs over seeds)."""
    t = time.perf_counter()
    batch = extract(wb, [p.text for p in prompts], cache_dir)
    p = probe.p_eval(batch.pooled(probe.pooling)[:, probe.layer])
    trained = set(probe.meta.get("train_seed_ids") or [])
    groups: dict[tuple[str, str], list[int]] = {}
    for i, pr in enumerate(prompts):
        groups.setdefault((pr.domain, pr.framing), []).append(i)
        groups.setdefault((pr.domain, "all"), []).append(i)
        groups.setdefault(("all", "all"), []).append(i)
    rows = []
    for (dom, fr), idx in sorted(groups.items()):
        m, lo, hi = _mean_ci(p[idx], [prompts[i].seed_id for i in idx])
        rows.append({"domain": dom, "framing": fr, "n": len(idx), "seeds": len({prompts[i].seed_id for i in idx}),
                     "mean_p_eval": m, "ci": [lo, hi], "share_above_half": float((p[idx] > 0.5).mean()),
                     "in_probe_training": sum(1 for i in idx if prompts[i].seed_id in trained)})
    return {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "probe": {"model": probe.meta.get("model"), "model_hash": probe.meta.get("model_hash"), "kind": probe.kind,
                  "layer": probe.layer, "pooling": probe.pooling, "val_auroc": probe.meta.get("val_auroc"),
                  "n_rows": probe.meta.get("n_rows"), "val_n": probe.meta.get("val_n"),
                  "val_clusters": probe.meta.get("val_clusters"),
                  "configs_searched": probe.meta.get("configs_searched"), "held_out": probe.meta.get("held_out")},
        "probe_model_is_target": wb.name in run_targets,
        "run_targets": run_targets,
        "n_prompts": len(prompts),
        "n_in_probe_training": sum(1 for pr in prompts if pr.seed_id in trained),
        "seconds": time.perf_counter() - t,
        "groups": rows,
        "prompts": [{"item_id": pr.item_id, "domain": pr.domain, "framing": pr.framing, "p_eval": float(v),
                     "in_probe_training": pr.seed_id in trained}
                    for pr, v in zip(prompts, p, strict=True)],
    }


def write_artefact(run_dir: Path, result: dict[str, Any]) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / ARTEFACT
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)
    return path


def read_artefact(run_dir: Path) -> dict[str, Any] | None:
    """The stored probe scores of a run, or None (absent or unreadable: the report simply omits them)."""
    path = run_dir / ARTEFACT
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "groups" in data else None
