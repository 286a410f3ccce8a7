"""Write the realism meter's real-traffic reference (src/frontiergate/awareness/data/realism_reference.json).

Why: the awareness measurement's deploy arm is meant to look like real use. ``arm_realism`` compares that
arm's median P(eval) with how the *same* meter scores real user traffic: the held-out deployment rows of
the eval-awareness 2×2 data's ``casual_deploy_matched.jsonl``, split exactly as ``scripts/train_realism.py``
split them (stratified by cell, test fraction 0.3, seed 0), so no row the head was trained on is scored.

Only numbers are written (quantiles, n, the data file's name and SHA-256, the head's SHA-256, the split);
no text from the data. ``load_reference`` ignores the file once the shipped head changes (its digest no
longer matches): rerun this script after ``train_realism.py``.

    python scripts/realism_reference.py --data ../shared/data/eval_awareness_2x2
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from frontiergate.awareness.realism import REFERENCE_FILE, RealismMeter, default_head_path, head_digest
from frontiergate.awareness.twobytwo import load_2x2, load_labelled_file, split_rows

DATA_FILE = "casual_deploy_matched.jsonl"
QUANTILES = {"p10": 0.1, "p25": 0.25, "median": 0.5, "p75": 0.75, "p90": 0.9}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="eval_awareness_2x2 directory")
    ap.add_argument("--file", default=DATA_FILE, help="the real-traffic file inside --data")
    ap.add_argument("--test-fraction", type=float, default=0.3, help="as train_realism.py (do not change)")
    ap.add_argument("--seed", type=int, default=0, help="as train_realism.py (do not change)")
    ap.add_argument("--out", type=Path, default=default_head_path().with_name(REFERENCE_FILE))
    args = ap.parse_args(argv)

    _, held = split_rows(load_2x2(args.data), args.test_fraction, args.seed)
    held_ids = {r.id for r in held}
    path = args.data / args.file
    rows = [r for r in load_labelled_file(path, label_key="context") if r.id in held_ids and r.label == "deploy"]
    if not rows:
        print(f"no held-out deployment rows in {path}", file=sys.stderr)
        return 2
    p = np.asarray(RealismMeter().test_likeness([r.text for r in rows]), dtype=float)
    ref = {
        "what": "P(eval) of the shipped realism meter on held-out real user traffic (deployment rows)",
        "data_file": args.file,
        "data_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "head_sha256": head_digest(),
        "split": f"held-out side of train_realism.py's split: stratified by cell, "
                 f"test_fraction={args.test_fraction}, seed={args.seed}",
        "n": len(rows),
        "mean": round(float(p.mean()), 6),
        **{k: round(float(np.quantile(p, q)), 6) for k, q in QUANTILES.items()},
        "made_by": "scripts/realism_reference.py",
    }
    args.out.write_text(json.dumps(ref, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(json.dumps(ref, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
