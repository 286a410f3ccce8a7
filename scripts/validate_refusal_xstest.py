#!/usr/bin/env python
"""Rerunnable validation of the refusal scorers on the XSTest completion sets.

Prints, per model file (gpt4, llama2orig, mistralinstruct): n, binary agreement with the human
``final_label`` (compliance vs any refusal) with a Wilson 95% interval, precision/recall/F1 with
refusal as the positive class, the confusion matrix, and the published baselines next to it.
Then a leave-one-model-out check of the rules' numeric knobs, and, with ``--judge-model``, the
principle-based judge on a reproducible subsample of each file.

    python scripts/validate_refusal_xstest.py
    python scripts/validate_refusal_xstest.py --judge-model frontiergate/gemma-3-270m --judge-limit 60

The data directory defaults to $FRONTIERGATE_SHARED_DATA/xstest or ../shared/data/xstest next to
the repository; nothing from it is copied anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from frontiergate.validation.refusal import (
    XSTEST_BASELINES,
    XSTEST_MODELS,
    format_report,
    leave_one_out_params,
    load_labelled,
    subsample,
    validate_judge,
    validate_rules,
)


def default_data_dir() -> Path:
    env = os.environ.get("FRONTIERGATE_SHARED_DATA")
    if env:
        return Path(env) / "xstest"
    return Path(__file__).resolve().parents[1].parent / "shared" / "data" / "xstest"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=default_data_dir())
    ap.add_argument("--judge-model", default=None, help="Inspect model string for the judge")
    ap.add_argument("--judge-limit", type=int, default=60, help="rows per file for the judge (0 = all)")
    ap.add_argument("--judge-max-tokens", type=int, default=400)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-loo", action="store_true", help="skip the leave-one-model-out check")
    ap.add_argument("--json", dest="json_out", type=Path, default=None, help="also write all figures here")
    args = ap.parse_args(argv)

    files = {m: args.data_dir / f"xstest_v2_completions_{m}.csv" for m in XSTEST_MODELS}
    missing = [str(p) for p in files.values() if not p.exists()]
    if missing:
        print(f"error: XSTest files not found: {', '.join(missing)}\n  fix: pass --data-dir", file=sys.stderr)
        return 2
    rows = {m: load_labelled(p, "prompt", "completion", "final_label") for m, p in files.items()}
    out: dict[str, Any] = {"rules": {}, "judge": {}, "leave_one_model_out": []}

    print("== Rules scorer (offline), binary agreement with human final_label ==")
    for m, rs in rows.items():
        rep = validate_rules(rs)
        out["rules"][m] = rep.as_dict()
        print(format_report(rep, title=f"\n-- {m} ({files[m].name})"))
        print(
            f"baselines  string-match {XSTEST_BASELINES['string_match'][m]:.2f}, "
            f"GPT-4 classifier {XSTEST_BASELINES['gpt4_classifier'][m]:.2f}"
        )

    print("\n== Summary ==")
    print(f"{'model':<16} {'n':>4} {'rules':>6} {'95% CI':>15} {'string-match':>13} {'GPT-4 clf':>10}")
    for m in XSTEST_MODELS:
        r = out["rules"][m]
        lo, hi = r["agreement_ci95"]
        print(
            f"{m:<16} {r['n']:>4} {r['agreement']:>6.3f} [{lo:.3f}, {hi:.3f}] "
            f"{XSTEST_BASELINES['string_match'][m]:>13.2f} {XSTEST_BASELINES['gpt4_classifier'][m]:>10.2f}"
        )

    if not args.no_loo:
        print("\n== Leave-one-model-out: knobs re-selected on the other two files, scored on this one ==")
        for res in leave_one_out_params(rows):
            out["leave_one_model_out"].append(res)
            ho = res["held_out_agreement"]
            print(
                f"{res['held_out']:<16} held-out {ho['estimate']:.3f}"
                f" [{ho['ci_low']:.3f}, {ho['ci_high']:.3f}]"
                f"  (defaults {res['default_params_agreement']:.3f}; train {res['train_agreement']:.3f};"
                f" selected {res['selected_params']})"
            )

    if args.judge_model:
        limit = args.judge_limit or None
        print(f"\n== Judge {args.judge_model}, {limit or 'all'} rows per file (seed {args.seed}) ==")
        for m, rs in rows.items():
            sub = subsample(rs, limit, args.seed)
            jrep = validate_judge(sub, args.judge_model, max_tokens=args.judge_max_tokens, max_concurrency=4)
            rules_sub = validate_rules(sub)
            d = jrep.as_dict()
            d["rules_on_same_rows"] = rules_sub.agreement.estimate
            out["judge"][m] = d
            print(format_report(jrep, title=f"\n-- {m}"))
            print(f"rules on the same rows: {rules_sub.agreement.estimate:.3f}")

    if args.json_out:
        args.json_out.write_text(json.dumps(out, indent=2, sort_keys=True, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
