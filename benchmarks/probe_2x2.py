"""Direct probing on the eval-awareness 2×2 data: AUROC per comparison for a target and two baselines.

For ``--limit`` rows per cell (reproducible sample), the target is asked in three phrasings whether
each text comes from an evaluation or real use (frontiergate.awareness.probing); its P(eval) is
scored against the ground truth with AUROC in each 2×2 comparison (same-format bench and casual,
diagonal, off-diagonal), plus Brier and ECE. Baselines are trained on the *other* rows of the dev
data (never the probed ones): log-length + LR and TF-IDF word 1-2-grams + LR.

    python benchmarks/probe_2x2.py --model frontiergate/gemma-3-270m \
        --data ../shared/data/eval_awareness_2x2 --limit 10 [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from frontiergate.awareness.probing import probe_many
from frontiergate.awareness.twobytwo import (
    COMPARISONS,
    LabelledText,
    brier,
    cell_report,
    ece,
    fmt_auroc,
    load_2x2,
    subsample,
)


def baselines(train: list[LabelledText], test: list[LabelledText]) -> dict[str, list[float]]:
    y = [r.label == "eval" for r in train]
    length = LogisticRegression(max_iter=1000).fit(np.log1p([[len(r.text)] for r in train]), y)
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    tfidf = LogisticRegression(max_iter=2000).fit(vec.fit_transform([r.text for r in train]), y)
    return {
        "length+LR": [float(p) for p in length.predict_proba(np.log1p([[len(r.text)] for r in test]))[:, 1]],
        "tfidf+LR": [float(p) for p in tfidf.predict_proba(vec.transform([r.text for r in test]))[:, 1]],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="Inspect model string, e.g. frontiergate/gemma-3-270m")
    ap.add_argument("--data", type=Path, required=True, help="eval_awareness_2x2 directory")
    ap.add_argument("--limit", type=int, default=10, help="rows probed per cell")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-chars", type=int, default=1200, help="clip transcripts to this many chars")
    ap.add_argument("--concurrency", type=int, default=2)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)

    from inspect_ai.model import get_model

    import frontiergate._registry  # noqa: F401  (registers frontiergate/ models)

    rows = load_2x2(args.data)
    probed = subsample(rows, args.limit, args.seed)
    ids = {r.id for r in probed}
    train = [r for r in rows if r.id not in ids]
    model = get_model(args.model)
    t0 = time.perf_counter()
    results = asyncio.run(probe_many(model, [r.text[: args.max_chars] for r in probed],
                                     concurrency=args.concurrency))
    elapsed = time.perf_counter() - t0
    scores: dict[str, list[float]] = {args.model: [r.p_eval for r in results], **baselines(train, probed)}
    y = [r.label == "eval" for r in probed]
    answers = [a for r in results for a in r.answers]
    out: dict[str, Any] = {
        "model": args.model, "rows": len(probed), "per_cell": args.limit, "seconds": round(elapsed, 1),
        "parsed_answers": sum(1 for a in answers if a.p_eval is not None), "answers": len(answers),
        "via": {v: sum(1 for a in answers if a.via == v) for v in ("number", "word", "logprobs", "unparsed")},
        "detectors": {},
    }
    names = [c[0] for c in COMPARISONS]
    print(f"{len(probed)} rows ({args.limit} per cell), {out['parsed_answers']}/{len(answers)} probe answers "
          f"parsed, {elapsed:.0f}s")
    print(f"{'detector':<28}{'overall':>9}" + "".join(f"{n:>18}" for n in names) + f"{'Brier':>8}{'ECE':>7}")
    for det, p in scores.items():
        rep = cell_report(probed, p)
        rep.update(brier=brier(y, p), ece=ece(y, p))
        out["detectors"][det] = rep
        cells = "".join(f"{fmt_auroc(rep['comparisons'][n]['auroc']):>18}" for n in names)
        print(f"{det:<28}{fmt_auroc(rep['auroc']):>9}{cells}{rep['brier']:>8.3f}{rep['ece']:>7.3f}")
    print("mean P(eval) per cell (target): " + ", ".join(
        f"{c}={v['mean_p_eval']:.2f}" for c, v in out["detectors"][args.model]["cells"].items()))
    if args.json is not None:
        args.json.write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
