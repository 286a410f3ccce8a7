"""Generalisation experiment: principle-based guard vs rules on unseen attack families.

Usage:
    python scripts/guard_generalisation.py [--guard-model frontiergate/gemma-3-270m] [--max-per-family 12]
        [--unseen encoding,payload_splitting,multi_turn,format_shift] [--no-principled] [--out result.json]

Rules are tuned on seen families (and seed half 0) only; all guards are scored on unseen families
(seed half 1). See frontiergate/safeguards/generalisation.py for the design.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from frontiergate.safeguards.guard import Guard


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--guard-model", default="frontiergate/gemma-3-270m")
    ap.add_argument("--max-per-family", type=int, default=12, help="harmful (and as many benign) items per family")
    ap.add_argument("--unseen", default="encoding,payload_splitting,multi_turn,format_shift")
    ap.add_argument("--no-principled", action="store_true", help="skip the model-backed guard (fast)")
    ap.add_argument("--no-classifier", action="store_true")
    ap.add_argument("--concurrency", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)

    import frontiergate._registry  # noqa: F401
    from frontiergate.models.safeguarded import build_guard
    from frontiergate.safeguards.generalisation import markdown_table, run_generalisation, split_items
    from frontiergate.safeguards.rules_filter import RulesFilter
    from frontiergate.scenarios.expand import expand
    from frontiergate.scenarios.library import load_seeds

    items = expand(load_seeds(), transforms="all")
    split = split_items(items, [f for f in args.unseen.split(",") if f], max_per_family=args.max_per_family)
    guards: dict[str, Guard] = {"rules_default": RulesFilter()}
    if not args.no_classifier:
        guards["classifier"] = build_guard("classifier")
    if not args.no_principled:
        guards["principled"] = build_guard("principled", guard_model=args.guard_model)
    start = time.time()
    result = run_generalisation(split, guards, concurrency=args.concurrency)
    result["guard_model"] = None if args.no_principled else args.guard_model
    result["elapsed_s"] = round(time.time() - start, 1)
    print(markdown_table(result))
    for c in result["comparisons"]:
        print(
            f"McNemar {c['a']} vs {c['b']}: only-a {c['only_a_blocked']}, "
            f"only-b {c['only_b_blocked']}, p={c['p_value']}"
        )
    if args.out:
        args.out.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
