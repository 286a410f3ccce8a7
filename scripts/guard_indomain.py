"""In-domain training and decode-before-judge for the classifier guard (issue 23).

Called by ``scripts/train_guard.py --scenarios/--decode`` (see its docstring for the command);
kept apart so the moderation-only path of that script stays as it was. Every figure written into
the head's ``meta["validation"]`` and into ``safeguards/data/guard_generalisation.json`` is
computed here, from a fixed split and ``--seed``; nothing is typed in by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import json
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

GENERALISATION_PATH = Path("src/frontiergate/safeguards/data/guard_generalisation.json")


def _code_version(repo: Path) -> str:
    """Git commit of the working tree (``+dirty`` when it has uncommitted changes); read-only."""
    try:
        sha = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        from frontiergate import __version__

        return f"frontiergate {__version__}"


def _f1(y: NDArray[np.bool_], b: NDArray[np.bool_]) -> float:
    tp = int((y & b).sum())
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + int((~y & b).sum()) + int((y & ~b).sum()))


def paired_f1(labels: Sequence[bool], a: Sequence[bool], b: Sequence[bool], n_boot: int = 2000) -> dict[str, Any]:
    """F1(b) - F1(a) on the same rows with a paired bootstrap interval, and exact McNemar on correctness."""
    from frontiergate.stats.paired import mcnemar_exact

    y = np.asarray(labels, dtype=bool)
    ba = np.asarray(a, dtype=bool)
    bb = np.asarray(b, dtype=bool)
    rng = np.random.default_rng(0)
    diffs = []
    for _ in range(n_boot):
        i = rng.integers(0, len(y), len(y))
        diffs.append(_f1(y[i], bb[i]) - _f1(y[i], ba[i]))
    lo, hi = np.quantile(diffs, [0.025, 0.975]).tolist()
    only_a, only_b, p = mcnemar_exact(list(ba == y), list(bb == y))
    return {
        "delta_f1": round(_f1(y, bb) - _f1(y, ba), 6),
        "delta_f1_ci": [round(lo, 6), round(hi, 6)],
        "n": int(len(y)),
        "mcnemar_only_a_correct": only_a,
        "mcnemar_only_b_correct": only_b,
        "mcnemar_p": p,
    }


def paired_blocks(a: Sequence[bool], b: Sequence[bool]) -> dict[str, Any]:
    """Exact McNemar between two guards' block decisions on the same items."""
    from frontiergate.stats.paired import mcnemar_exact

    only_a, only_b, p = mcnemar_exact(list(a), list(b))
    return {"only_a_blocked": only_a, "only_b_blocked": only_b, "p_value": p, "n": len(a)}


def run_indomain(args: argparse.Namespace, repo: Path, head_path: Path) -> int:
    """Train (moderation + scenario rows of training seeds), validate, and optionally ship the head."""
    try:
        import torch

        torch.set_num_threads(1)  # two shared cores: one thread of heavy compute
    except ImportError:
        pass
    from frontiergate.ml.encoders import get_encoder
    from frontiergate.safeguards.classifier_guard import ClassifierGuard, Head, load_head
    from frontiergate.safeguards.decode import decode
    from frontiergate.safeguards.embedding_cache import EmbeddingCache
    from frontiergate.safeguards.generalisation import DEFAULT_UNSEEN
    from frontiergate.safeguards.indomain import (
        CONTRAST_DOMAIN,
        TRAIN_HALF,
        ScenarioRow,
        _half,
        contrast_rows,
        decoded_max,
        leave_one_family_out,
        sample_rows,
        score_rows,
        train_combined_head,
        training_seed_ids,
    )
    from frontiergate.safeguards.rules_filter import RulesFilter, tune_rules
    from frontiergate.safeguards.training import (
        HEAD_C,
        HEAD_ENCODER,
        MIN_CATEGORY_POSITIVES,
        SPLIT_SEED,
        STACK_C,
        STACK_FOLDS,
        TEST_FRACTION,
        split_indices,
        train_stacked_head,
    )
    from frontiergate.safeguards.validation import guard_metrics, load_labelled
    from frontiergate.scenarios.library import load_seeds
    from frontiergate.stats.intervals import wilson_interval

    t0 = time.time()
    encoder = get_encoder(args.encoder or HEAD_ENCODER)
    embed: Callable[[Sequence[str]], NDArray[np.float32]] = (
        EmbeddingCache(args.cache, encoder.name, encoder.embed).embed if args.cache else encoder.embed
    )

    def embed_decoded(texts: Sequence[str], x_raw: NDArray[np.float32]) -> tuple[NDArray[np.float32], int]:
        """Embeddings of the decoded views (the raw row where decoding changes nothing)."""
        views = [decode(t) for t in texts]
        idx = [i for i, v in enumerate(views) if v.changed]
        out = np.array(x_raw, copy=True)
        if idx:
            out[idx] = embed([views[i].text for i in idx])
        return out, len(idx)

    mod = load_labelled(args.moderation)
    train, test = split_indices(mod.labels)
    x_mod = embed(mod.texts)
    x_mod_dec, mod_decoded = embed_decoded(mod.texts, x_mod)
    ytr = [mod.labels[i] for i in train]
    yte = [mod.labels[i] for i in test]
    cats_tr = {k: [v[i] for i in train] for k, v in mod.categories.items()}
    print(f"moderation embedded ({time.time() - t0:.0f} s); {mod_decoded} rows changed by decoding", flush=True)

    seeds = load_seeds()
    rows: list[ScenarioRow] = sample_rows(seeds, rng_seed=args.seed) if args.scenarios else []
    if args.scenarios and args.contrast:
        rows += contrast_rows()
    x_scn = embed([r.text for r in rows])
    x_scn_dec, scn_decoded = embed_decoded([r.text for r in rows], x_scn)
    print(f"scenario rows embedded: {len(rows)} ({scn_decoded} decoded) ({time.time() - t0:.0f} s)", flush=True)
    train_ids = set(training_seed_ids(s.id for s in seeds))
    is_contrast = np.array([r.domain == CONTRAST_DOMAIN for r in rows], dtype=bool)
    in_train_half = np.array(
        [r.seed_id in train_ids or (r.domain == CONTRAST_DOMAIN and _half(r.seed_id) == TRAIN_HALF) for r in rows],
        dtype=bool,
    )
    fam = np.array([r.family for r in rows])
    families = sorted({r.family for r in rows} - {"none"})

    def fit(mask: NDArray[np.bool_], meta: dict[str, Any] | None = None) -> Head:
        meta = {"encoder": encoder.name, "embedding_model": encoder.model, **(meta or {})}
        if not args.scenarios or not mask.any():
            return train_stacked_head(x_mod[train], ytr, cats_tr, meta=meta)
        idx = np.where(mask)[0]
        return train_combined_head(
            x_mod[train], ytr, cats_tr, x_scn[idx], [rows[i] for i in idx],
            c=HEAD_C, stack_c=STACK_C, min_positives=MIN_CATEGORY_POSITIVES, folds=STACK_FOLDS, meta=meta,
        )

    baseline = load_head(head_path)  # the head shipped before this run: the paired baseline
    dec_mod = x_mod_dec if args.decode else None
    dec_scn = x_scn_dec if args.decode else None
    full_mask = in_train_half.copy()
    trained_families = sorted({r.family for r, m in zip(rows, full_mask, strict=True) if m} - {"none"})
    head = fit(full_mask)
    print(f"head trained ({time.time() - t0:.0f} s)", flush=True)
    results: dict[str, Any] = {"seed": args.seed, "n_scenario_rows": len(rows), "decode": bool(args.decode)}

    # 1. moderation held-out 30%, paired against the shipped head
    p_new = decoded_max(head, x_mod[test], None if dec_mod is None else dec_mod[test])
    p_new_raw = head.predict_proba(x_mod[test])
    p_old = baseline.predict_proba(x_mod[test])
    p_old_dec = decoded_max(baseline, x_mod[test], x_mod_dec[test])
    mod_res = {
        "new": guard_metrics(yte, list(p_new >= head.threshold), list(p_new)),
        "new_without_decoding": guard_metrics(yte, list(p_new_raw >= head.threshold), list(p_new_raw)),
        "baseline": guard_metrics(yte, list(p_old >= baseline.threshold), list(p_old)),
        "baseline_with_decoding": guard_metrics(yte, list(p_old_dec >= baseline.threshold), list(p_old_dec)),
    }
    mod_res["paired_new_vs_baseline"] = paired_f1(yte, list(p_old >= baseline.threshold), list(p_new >= head.threshold))
    results["moderation_test"] = mod_res

    # 2. unseen families: leave one family out, held-out seeds only
    unseen: dict[str, Any] = {}
    if args.scenarios:
        lofo = leave_one_family_out(rows, x_scn, dec_scn, lambda m: fit(m), families=families, train_half=TRAIN_HALF)
        test_rows: list[ScenarioRow] = lofo["rows"]
        idx_of = {id(r): i for i, r in enumerate(rows)}
        ti = np.array([idx_of[id(r)] for r in test_rows])
        b_old = list(baseline.predict_proba(x_scn[ti]) >= baseline.threshold)
        b_old_dec = list(decoded_max(baseline, x_scn[ti], x_scn_dec[ti]) >= baseline.threshold)
        harm = [r.harmful for r in test_rows]
        unseen = {
            "new_lofo": lofo["summary"],
            "new_lofo_without_decoding": lofo["summary_without_decoding"],
            "baseline": score_rows(test_rows, b_old),
            "baseline_with_decoding": score_rows(test_rows, b_old_dec),
            "paired_recall_new_vs_baseline": paired_blocks(
                [b for b, h in zip(b_old, harm, strict=True) if h],
                [b for b, h in zip(lofo["blocked"], harm, strict=True) if h],
            ),
            "paired_fpr_new_vs_baseline": paired_blocks(
                [b for b, h in zip(b_old, harm, strict=True) if not h],
                [b for b, h in zip(lofo["blocked"], harm, strict=True) if not h],
            ),
        }
        # an operating point the targets name (recall at <= 5% false positives on the twins): the
        # threshold is read off the same held-out rows, so this is an optimistic bound, not a setting
        harm_s = np.array([sc for sc, h in zip(lofo["scores"], harm, strict=True) if h])
        ben_s = np.sort(np.array([sc for sc, h in zip(lofo["scores"], harm, strict=True) if not h]))
        thr = float(ben_s[int(np.floor(0.95 * len(ben_s)))]) if len(ben_s) else 1.0
        unseen["oracle_recall_at_fpr_0.05"] = {
            "threshold": thr,
            "recall": float((harm_s > thr).mean()) if len(harm_s) else None,
            "fpr": float((ben_s > thr).mean()) if len(ben_s) else None,
            "n_harmful": len(harm_s),
            "n_benign": len(ben_s),
            "note": "threshold chosen on the evaluated rows themselves: an optimistic upper bound",
        }
        held = np.where(~in_train_half & ~is_contrast)[0]
        p_held = decoded_max(head, x_scn[held], None if dec_scn is None else dec_scn[held])
        unseen["shipped_head_on_held_out_seeds_all_families"] = score_rows(
            [rows[i] for i in held], list(p_held >= head.threshold)
        )
        if args.contrast:  # the same leave-one-family-out without the contrast rows: a paired before/after
            lofo_nc = leave_one_family_out(
                rows, x_scn, dec_scn, lambda m: fit(m & ~is_contrast), families=families, train_half=TRAIN_HALF
            )
            unseen["lofo_without_contrast"] = lofo_nc["summary"]
            unseen["paired_recall_contrast_vs_without"] = paired_blocks(
                [b for b, h in zip(lofo_nc["blocked"], harm, strict=True) if h],
                [b for b, h in zip(lofo["blocked"], harm, strict=True) if h],
            )
            unseen["paired_fpr_contrast_vs_without"] = paired_blocks(
                [b for b, h in zip(lofo_nc["blocked"], harm, strict=True) if not h],
                [b for b, h in zip(lofo["blocked"], harm, strict=True) if not h],
            )
        results["unseen_families"] = unseen
        held_c = np.where(~in_train_half & is_contrast)[0]
        if len(held_c):  # over-blocking on benign contrast rows never trained on (one row, one cluster)
            p_c = decoded_max(head, x_scn[held_c], None if dec_scn is None else dec_scn[held_c])
            b_c = [bool(v) for v in p_c >= head.threshold]
            b_c_old = [bool(v) for v in baseline.predict_proba(x_scn[held_c]) >= baseline.threshold]
            results["contrast_held_out"] = {
                "new": wilson_interval(sum(b_c), len(b_c)).as_dict(),
                "baseline": wilson_interval(sum(b_c_old), len(b_c_old)).as_dict(),
                "paired_new_vs_baseline": paired_blocks(b_c_old, b_c),
                "n_trained": int((in_train_half & is_contrast).sum()),
            }
        print(f"leave-one-family-out done ({time.time() - t0:.0f} s)", flush=True)

        # 3. like-for-like with docs/validation.md's generalisation split: seen families on seed
        # half 0 to train/tune on; unseen = DEFAULT_UNSEEN on seed half 1
        seen_fams = {"none"} | (set(families) - set(DEFAULT_UNSEEN))
        gmask = in_train_half & np.isin(fam, sorted(seen_fams))
        g_head = fit(gmask)
        te_un = np.where(~in_train_half & np.isin(fam, list(DEFAULT_UNSEEN)))[0]
        te_seen = np.where(~in_train_half & ~is_contrast & np.isin(fam, sorted(seen_fams)))[0]
        tuned = tune_rules(
            [rows[i].text for i in np.where(gmask)[0] if rows[i].harmful],
            [rows[i].text for i in np.where(gmask)[0] if not rows[i].harmful],
        )
        default_rules = RulesFilter()

        def rules_blocks(rf: RulesFilter, idx: NDArray[np.int_]) -> list[bool]:
            return [bool(rf.matches(rows[i].text)) for i in idx]

        def head_blocks(h: Head, idx: NDArray[np.int_], dec: bool) -> list[bool]:
            return list(decoded_max(h, x_scn[idx], x_scn_dec[idx] if dec else None) >= h.threshold)

        guards: dict[str, Callable[[NDArray[np.int_]], list[bool]]] = {
            "rules, default": lambda i: rules_blocks(default_rules, i),
            "rules, tuned on seen families": lambda i: rules_blocks(tuned, i),
            "classifier before (moderation-trained)": lambda i: head_blocks(baseline, i, False),
            "classifier before + decode": lambda i: head_blocks(baseline, i, True),
            "classifier after (moderation + seen-family scenario rows"
            + (" + benign contrast rows" if args.contrast else "")
            + (" + decode)" if args.decode else ")"): (
                lambda i: head_blocks(g_head, i, bool(args.decode))
            ),
        }
        table = []
        un_rows = [rows[i] for i in te_un]
        seen_rows = [rows[i] for i in te_seen]
        for name, fn in guards.items():
            s_un = score_rows(un_rows, fn(te_un))
            s_seen = score_rows(seen_rows, fn(te_seen))
            table.append(
                {
                    "guard": name,
                    "recall_unseen": s_un["recall"],
                    "fpr_unseen": s_un["fpr_benign_twins"],
                    "recall_seen": s_seen["recall"],
                    "fpr_seen": s_seen["fpr_benign_twins"],
                }
            )
        results["generalisation_before_after"] = {
            "unseen_families": sorted(DEFAULT_UNSEEN),
            "seen_families": sorted(seen_fams),
            "note": (
                "all figures on held-out seeds (hash half 1) never trained or tuned on; 'seen' = families "
                "the tuned rules and the after-classifier were fitted on (on the other seeds); "
                "seed-clustered 95% intervals"
            ),
            "rows": table,
        }
        print(f"generalisation table done ({time.time() - t0:.0f} s)", flush=True)

    # 4. XSTest: over-blocking on the safe prompts, recall on the unsafe ones
    xs_res: dict[str, Any] = {}
    if args.xstest.is_file():
        xs = load_labelled(args.xstest)
        x_xs = embed(xs.texts)
        x_xs_dec, xs_decoded = embed_decoded(xs.texts, x_xs)
        px = decoded_max(head, x_xs, x_xs_dec if args.decode else None)
        po = baseline.predict_proba(x_xs)
        safe = [not v for v in xs.labels]
        xs_res = {
            "new": guard_metrics(xs.labels, list(px >= head.threshold), list(px)),
            "baseline": guard_metrics(xs.labels, list(po >= baseline.threshold), list(po)),
            "decoded_prompts": xs_decoded,
            "paired_safe_blocks_new_vs_baseline": paired_blocks(
                [bool(b) for b, s in zip(po >= baseline.threshold, safe, strict=True) if s],
                [bool(b) for b, s in zip(px >= head.threshold, safe, strict=True) if s],
            ),
        }
        results["xstest"] = xs_res

    # 5. latency of one guarded request (embedding + head, + the decoded view when it differs)
    guard = ClassifierGuard(head, decode=bool(args.decode))
    probe = load_labelled(args.xstest).texts[: args.latency_n] if args.xstest.is_file() else mod.texts[: args.latency_n]
    guard.scores(probe[:1])  # load the encoder outside the timing
    lat = []
    for text in probe:
        s = time.perf_counter()
        asyncio.run(guard.check_input(text))
        lat.append((time.perf_counter() - s) * 1000)
    enc_probe = [rows[i].text for i in np.where(fam == "encoding")[0][: max(1, args.latency_n // 4)]] if rows else []
    lat_enc = []
    for text in enc_probe:
        s = time.perf_counter()
        asyncio.run(guard.check_input(text))
        lat_enc.append((time.perf_counter() - s) * 1000)
    results["latency_ms"] = {
        "mean": round(float(np.mean(lat)), 1),
        "p50": round(float(np.median(lat)), 1),
        "p95": round(float(np.quantile(lat, 0.95)), 1),
        "n": len(lat),
        "texts": "first XSTest prompts, one request at a time, torch 1 thread, 2 shared cores",
        "encoded_mean": round(float(np.mean(lat_enc)), 1) if lat_enc else None,
        "encoded_n": len(lat_enc),
    }

    def fig(m: dict[str, Any], key: str, ci: str) -> dict[str, Any]:
        return {"value": m[key], "ci": m[ci], "n": m["n"] if key == "f1" else m["n_safe"]}

    validation: dict[str, Any] = {
        "moderation_f1": {
            **fig(mod_res["new"], "f1", "f1_ci"),
            "split": f"stratified {TEST_FRACTION:.0%} of {args.moderation.name}, split seed {SPLIT_SEED}",
            "fpr": mod_res["new"]["fpr"],
            "baseline_f1": mod_res["baseline"]["f1"],
        },
        "unseen_family_recall": None,
        "xstest_fpr": {**fig(xs_res["new"], "fpr", "fpr_ci"), "recall_unsafe": xs_res["new"]["recall"]}
        if xs_res
        else None,
        "latency_ms_per_request": results["latency_ms"]["mean"],
        "code_version": _code_version(repo),
        "measured_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
    }
    if unseen:
        s = unseen["new_lofo"]
        validation["unseen_family_recall"] = {
            "value": s["recall"]["value"],
            "ci": s["recall"]["ci"],
            "n": s["recall"]["n"],
            "seeds": s["recall"]["seeds"],
            "fpr_benign_twins": {k: s["fpr_benign_twins"][k] for k in ("value", "ci", "n")},
            "families": s["families"],
            "method": "leave-one-family-out, held-out seeds (hash half 1), seed-clustered 95% CI",
            "baseline_value": unseen["baseline"]["recall"]["value"],
        }
    results["validation"] = validation
    scenario_ids = sorted({rows[i].seed_id for i in np.where(full_mask & ~is_contrast)[0]})
    contrast_ids = sorted(rows[i].seed_id for i in np.where(full_mask & is_contrast)[0])
    head.meta = {
        "name": f"{encoder.name}-moderation{'+scenarios' if args.scenarios else ''}-stacked-lr"
        + ("+decode" if args.decode else ""),
        "encoder": encoder.name,
        "embedding_model": encoder.model,
        "decode": bool(args.decode),
        **{k: v for k, v in head.meta.items() if k not in ("name", "encoder", "embedding_model")},
        "trained_on": {
            "datasets": [f"{args.moderation.name} ({1 - TEST_FRACTION:.0%} split, seed {SPLIT_SEED})"]
            + (
                [
                    f"frontiergate scenario library (seed hash half {TRAIN_HALF}, "
                    f"one transform per family, sample seed {args.seed})"
                ]
                if rows
                else []
            )
            + (
                [f"frontiergate benign contrast set ({len(contrast_ids)} rows, hash half {TRAIN_HALF})"]
                if contrast_ids
                else []
            ),
            "scenario_seed_ids": scenario_ids,
            "families": trained_families,
            **({"contrast_row_ids": contrast_ids} if contrast_ids else {}),
        },
        "trained_on_sha256": hashlib.sha256(args.moderation.read_bytes()).hexdigest(),
        "split": {"seed": SPLIT_SEED, "test_fraction": TEST_FRACTION, "n_train": len(train), "n_test": len(test)},
        "scenario_sample_seed": args.seed,
        "C": HEAD_C,
        "label": "unsafe = any moderation category flagged, or a harmful scenario-library request",
        "validation": validation,
    }
    print(json.dumps({k: v for k, v in validation.items()}, indent=1))
    _print_summary(results)
    if args.write_head:
        head.save(head_path)
        print(f"head written to {head_path}")
    if args.write_figures and "generalisation_before_after" in results:
        _write_figures(repo / GENERALISATION_PATH, results["generalisation_before_after"], head, validation, args)
        print(f"figures written to {repo / GENERALISATION_PATH}")
    if args.out:
        args.out.write_text(json.dumps(results, indent=1, sort_keys=True, default=str) + "\n", encoding="utf-8")
    print(f"done in {time.time() - t0:.0f} s")
    return 0


KEPT_ROWS = ("classifier before", "classifier, tuned encoder")
"""Rows of the packaged table a rerun keeps as they were measured: the "before" rows describe the
moderation-only head (this run's baseline is whatever head is shipped now), and the tuned encoder's
row comes from scripts/guard_finetune_indomain.py."""


def _write_figures(
    path: Path, table: dict[str, Any], head: Any, validation: dict[str, Any], args: argparse.Namespace
) -> None:
    """Replace this run's rows of the before/after table; every row keeps its own measurement date."""
    old = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"rows": []}
    kept = [
        {**r, "measured_at": r.get("measured_at", old.get("measured_at"))}
        for r in old["rows"]
        if str(r["guard"]).startswith(KEPT_ROWS)
    ]
    new = [
        {**r, "measured_at": validation["measured_at"]}
        for r in table["rows"]
        if not str(r["guard"]).startswith(KEPT_ROWS) or not kept
    ]
    order = {name: i for i, name in enumerate(r["guard"] for r in table["rows"])}
    rows = sorted(kept + new, key=lambda r: order.get(r["guard"], len(order)))
    path.write_text(
        json.dumps(
            {
                **table,
                "rows": rows,
                "head": head.meta["name"],
                "after_head_shipped": bool(args.write_head),
                "code_version": validation["code_version"],
                "measured_at": validation["measured_at"],
                "command": "python scripts/train_guard.py --scenarios --decode"
                + (" --contrast" if args.contrast else "")
                + f" --seed {args.seed} --skip-cv --write-figures",
            },
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )


def _print_summary(results: dict[str, Any]) -> None:
    m = results["moderation_test"]
    for k in ("baseline", "baseline_with_decoding", "new_without_decoding", "new"):
        r = m[k]
        print(f"moderation 30% / {k}: F1 {r['f1']:.3f} {r['f1_ci']} FPR {r['fpr']:.3f} n={r['n']}")
    print("paired new vs baseline:", m["paired_new_vs_baseline"])
    for k, r in results.get("unseen_families", {}).items():
        if isinstance(r.get("recall"), dict):
            rc, fp = r["recall"], r["fpr_benign_twins"]
            print(
                f"unseen / {k}: recall {rc['value']:.3f} {rc['ci']} ({rc['k']}/{rc['n']}), "
                f"FPR twins {fp['value']:.3f} ({fp['k']}/{fp['n']})"
            )
        else:
            print(f"unseen / {k}: {r}")
    for row in results.get("generalisation_before_after", {}).get("rows", []):
        print(row["guard"], {k: (v["value"], v["k"], v["n"]) for k, v in row.items() if k != "guard"})
    for k in ("new", "baseline"):
        if "xstest" in results:
            r = results["xstest"][k]
            print(
                f"xstest / {k}: FPR {r['fpr']:.3f} {r['fpr_ci']} (n safe {r['n_safe']}), "
                f"recall {r['recall']:.3f}, F1 {r['f1']:.3f}"
            )
    print("latency", results["latency_ms"])


def _pct(r: dict[str, Any]) -> str:
    """'45.2% [38.1, 52.4] (159/352, 88 seeds)' from a clustered rate."""
    if not r or r.get("value") is None:
        return "n/a"
    lo, hi = r["ci"]
    seeds = f", {r['seeds']} seeds" if r.get("seeds") is not None else ""
    return f"{r['value'] * 100:.1f}% [{lo * 100:.1f}, {hi * 100:.1f}] ({r['k']}/{r['n']}{seeds})"


def _w(r: dict[str, Any]) -> str:
    """Same for a Wilson rate from ``wilson_interval(...).as_dict()``."""
    return f"{r['estimate'] * 100:.1f}% [{r['ci_low'] * 100:.1f}, {r['ci_high'] * 100:.1f}] ({r['k']}/{r['n']})"


def render_markdown(results: dict[str, Any]) -> str:
    """The docs tables for one run of ``--scenarios``, rendered from its ``--out`` JSON."""
    out: list[str] = []
    m = results["moderation_test"]
    out += [
        "| moderation held-out 30% (n = 252) | F1 [95% bootstrap CI] | AUPRC | FPR [Wilson 95%] | recall |",
        "|---|---|---|---|---|",
    ]
    names = {
        "baseline": "shipped head before (moderation only)",
        "baseline_with_decoding": "shipped head before + decode",
        "new_without_decoding": "new head (moderation + scenario rows), no decode",
        "new": "new head + decode",
    }
    for k, label in names.items():
        r = m[k]
        out.append(
            f"| {label} | {r['f1']:.3f} [{r['f1_ci'][0]:.3f}, {r['f1_ci'][1]:.3f}] | {r['auprc']:.3f} | "
            f"{r['fpr']:.3f} [{r['fpr_ci'][0]:.3f}, {r['fpr_ci'][1]:.3f}] | {r['recall']:.3f} |"
        )
    c = m["paired_new_vs_baseline"]
    out.append(
        f"\nPaired (new + decode vs before, same 252 rows): ΔF1 {c['delta_f1']:+.3f} "
        f"[{c['delta_f1_ci'][0]:+.3f}, {c['delta_f1_ci'][1]:+.3f}] (paired bootstrap); McNemar on correctness: "
        f"{c['mcnemar_only_a_correct']} rows only the old head got right, {c['mcnemar_only_b_correct']} only the new, "
        f"p = {c['mcnemar_p']:.3g}.\n"
    )
    u = results.get("unseen_families")
    if u:
        out += [
            "| unseen families, leave-one-family-out, held-out seeds | recall (seed-clustered 95% CI) "
            "| FPR on benign twins |",
            "|---|---|---|",
        ]
        for k, label in (
            ("baseline", "shipped head before"),
            ("baseline_with_decoding", "shipped head before + decode"),
            ("new_lofo_without_decoding", "new head, family left out, no decode"),
            ("new_lofo", "new head, family left out, + decode"),
        ):
            out.append(f"| {label} | {_pct(u[k]['recall'])} | {_pct(u[k]['fpr_benign_twins'])} |")
        s = u["shipped_head_on_held_out_seeds_all_families"]
        out.append(
            f"| shipped new head on held-out seeds, all families (seen families, unseen seeds) | "
            f"{_pct(s['recall'])} | {_pct(s['fpr_benign_twins'])} |"
        )
        o = u.get("oracle_recall_at_fpr_0.05")
        if o:
            out.append(
                f"\nOptimistic bound: at the threshold that leaves {o['fpr']:.3f} of the {o['n_benign']} benign twins "
                f"blocked (read off these same rows), leave-one-family-out recall would be {o['recall']:.3f} "
                f"(n = {o['n_harmful']})."
            )
        pr, pf = u["paired_recall_new_vs_baseline"], u["paired_fpr_new_vs_baseline"]
        out.append(
            f"\nMcNemar, new (LOFO + decode) vs before on the same items: recall {pr['only_b_blocked']} items only "
            f"the new head blocked vs {pr['only_a_blocked']} only the old, p = {pr['p_value']:.3g} (n = {pr['n']}); "
            f"benign twins {pf['only_b_blocked']} vs {pf['only_a_blocked']}, p = {pf['p_value']:.3g}.\n"
        )
        out += ["| family left out | recall (Wilson) | FPR on twins (Wilson) |", "|---|---|---|"]
        for fam, r in u["new_lofo"]["by_family"].items():
            out.append(f"| {fam} | {_w(r['recall'])} | {_w(r['fpr'])} |")
    g = results.get("generalisation_before_after")
    if g:
        out += [
            "",
            f"Like-for-like split of docs/validation.md (unseen = {', '.join(g['unseen_families'])}; held-out seeds):",
            "",
            "| guard | recall on unseen families | FPR on unseen twins | recall on seen families | FPR on seen twins |",
            "|---|---|---|---|---|",
        ]
        for row in g["rows"]:
            out.append(
                f"| {row['guard']} | {_pct(row['recall_unseen'])} | {_pct(row['fpr_unseen'])} | "
                f"{_pct(row['recall_seen'])} | {_pct(row['fpr_seen'])} |"
            )
    x = results.get("xstest")
    if x:
        out += ["", "| XSTest (250 safe, 200 unsafe prompts) | FPR on safe [Wilson 95%] | recall on unsafe | F1 |"]
        out.append("|---|---|---|---|")
        for k, label in (("baseline", "shipped head before"), ("new", "new head + decode")):
            r = x[k]
            out.append(
                f"| {label} | {r['fpr']:.3f} [{r['fpr_ci'][0]:.3f}, {r['fpr_ci'][1]:.3f}] | {r['recall']:.3f} | "
                f"{r['f1']:.3f} |"
            )
        p = x["paired_safe_blocks_new_vs_baseline"]
        out.append(
            f"\nSafe prompts blocked only by the new head: {p['only_b_blocked']}, "
            f"only by the old: {p['only_a_blocked']} (McNemar p = {p['p_value']:.3g}).\n"
        )
    lat = results["latency_ms"]
    out.append(
        f"Latency per guarded request: mean {lat['mean']} ms, p50 {lat['p50']} ms, p95 {lat['p95']} ms over "
        f"{lat['n']} XSTest prompts; encoded requests (two views embedded) mean {lat['encoded_mean']} ms "
        f"(n = {lat['encoded_n']}); {lat['texts']}."
    )
    return "\n".join(out)


if __name__ == "__main__":
    import sys

    print(render_markdown(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))))
