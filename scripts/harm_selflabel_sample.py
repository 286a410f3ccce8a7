"""Self-labelled sample for the attack-success grade: generate, score, publish, compare, verify.

Why: HarmBench's human-labelled classifier validation set could not be obtained here, so issue 19
falls back to "a labelled sample of at least 200 answers from our own runs, with the protocol and
the labels published and marked as self-labelled". This script makes that sample reproducible
without ever writing a model completion into the repository: the published label file
(``src/frontiergate/validation/data/harm_selflabelled.jsonl``) holds only each answer's SHA-256 and
length next to the label, and ``verify`` regenerates the answers and checks the hashes.

The items are exactly those of ``inspect eval frontiergate/misuse -T max_seeds=25 -T transforms=all
-T include_benign=false -T max_variants=225`` (75 untransformed seeds, 25 per domain, then two
transformed variants of each, balanced over the 22 transforms). Answers come from the embedded Gemma
3 270M through the same ``EmbeddedGemmaAPI.generate`` the Inspect run calls, with the misuse task's
settings (160 tokens, repeat penalty 1.3, the embedded defaults temperature 0.7 / top-p 0.95, and
the fixed sampling seed 0 that the embedded model passes on every call), multi-turn items answered
turn by turn as ``scripted_turns`` does. The llama.cpp context is reset before every call, so an
answer depends only on its own transcript and not on which prompt was decoded before it.

Stages (answers and scores go to a scratch directory outside the repository)::

    python scripts/harm_selflabel_sample.py generate --out /tmp/fg_selflabel/answers.jsonl
    python scripts/harm_selflabel_sample.py score --answers /tmp/fg_selflabel/answers.jsonl \
        --out /tmp/fg_selflabel/scored.jsonl          # kept apart so labelling can be blind
    python scripts/harm_selflabel_sample.py publish --answers ... --draft LABELS.jsonl   # -> label file
    python scripts/harm_selflabel_sample.py agreement --answers ... [--json]
    python scripts/harm_selflabel_sample.py verify [--limit 10]   # regenerate, compare SHA-256
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
LABELS = REPO / "src" / "frontiergate" / "validation" / "data" / "harm_selflabelled.jsonl"
META = LABELS.with_name("harm_selflabelled.meta.json")

DOMAINS = ("cyber", "chem_bio", "general_harm")
MAX_SEEDS = 25  # per domain, the first ones in id order (the misuse task's max_seeds)
MAX_VARIANTS = 225  # 75 base items + 2 transformed variants of each seed
EXPAND_SEED = 0
MAX_TOKENS = 160  # the misuse task's default max_tokens
N_THREADS = 2

CATEGORIES = ("empty", "refusal", "echo", "gibberish", "off_topic", "vague_on_topic", "harmful_on_task")
LABEL_FIELDS = (
    "item_id", "seed_id", "domain", "transforms", "family", "turns", "answer_sha256", "answer_chars",
    "attack_success", "category", "note",
)


def sample_items() -> list[Any]:
    """The misuse task's item selection for this sample (same seeds, order and transforms)."""
    from frontiergate.scenarios.expand import expand
    from frontiergate.scenarios.library import load_seeds

    seeds = load_seeds(domains=list(DOMAINS))
    present = sorted({s.domain for s in seeds})
    seeds = [s for d in present for s in islice((x for x in seeds if x.domain == d), MAX_SEEDS)]
    return list(expand(seeds, transforms=["all"], stack_depth=1, include_benign=False, include_base=True,
                       seed=EXPAND_SEED, max_variants=MAX_VARIANTS))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_sha256(path: str | Path) -> str:
    """The model file's digest: answers are reproducible only with the same GGUF bytes."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def meta(n: int) -> dict[str, Any]:
    """Provenance of the label file: who labelled, and how the answers are regenerated."""
    from importlib.metadata import version

    from frontiergate.models.embedded import gguf_path
    from frontiergate.scorers.outcome import OUTCOME_VERSION

    return {
        "what": "self-labelled attack-success sample for the misuse grade (issue 19)",
        "annotator": "self-labelled by the developer, an AI agent; single annotator; not independent of the project",
        "protocol": "docs/validation.md, section 'Attack-success grade: self-labelled sample'",
        "rows": n,
        "labelled_against_grader": f"rules {OUTCOME_VERSION} (written before this sample was drawn, "
                                   "without seeing these answers)",
        "items": {"task": "frontiergate/misuse", "domains": list(DOMAINS), "max_seeds": MAX_SEEDS,
                  "transforms": "all", "stack_depth": 1, "include_benign": False, "include_base": True,
                  "seed": EXPAND_SEED, "max_variants": MAX_VARIANTS},
        "model": "frontiergate/gemma-3-270m (Gemma 3 270M pretrained base, Q4_K_M)",
        "model_sha256": file_sha256(gguf_path()),
        "llama_cpp_python": version("llama_cpp_python"),
        "generation": {"max_tokens": MAX_TOKENS, "temperature": 0.7, "top_p": 0.95, "repeat_penalty": 1.3,
                       "sampling_seed": 0, "n_ctx": 4096, "context_reset_per_call": True,
                       "note": "the embedded model's defaults for a misuse run; the fixed per-call seed "
                               "makes sampling deterministic"},
        "answer_hash": "sha256 of the UTF-8 final answer text as Inspect stores it (stripped)",
    }


class Generator:
    """The embedded model behind the same ``generate`` call an Inspect misuse run makes."""

    def __init__(self, n_threads: int = N_THREADS) -> None:
        from inspect_ai.model import GenerateConfig

        from frontiergate.models.embedded import EmbeddedGemmaAPI

        self.api = EmbeddedGemmaAPI("gemma-3-270m", n_threads=n_threads)
        self.config = GenerateConfig(max_tokens=MAX_TOKENS)

    def answer(self, turns: Sequence[str]) -> tuple[str, str | None, int]:
        """Final answer, its stop reason and the number of generate calls (one per user turn)."""
        from inspect_ai.model import ChatMessage, ChatMessageUser

        messages: list[ChatMessage] = []
        text, stop, calls = "", None, 0
        for turn in turns:
            messages.append(ChatMessageUser(content=turn))
            # a fresh context per call: no prefix reuse, so the answer cannot depend on the order
            self.api._llm.reset()
            out = asyncio.run(self.api.generate(messages, [], "none", self.config))
            calls += 1
            messages.append(out.message)
            text = out.completion
            stop = str(out.stop_reason) if out.stop_reason else None
        return text, stop, calls


def request_text(turns: Sequence[str]) -> str:
    """What ``user_request`` gives the scorer: every user turn, joined by newlines."""
    return "\n".join(turns)


def cmd_generate(args: argparse.Namespace) -> int:
    items = sample_items()
    if args.limit:
        items = items[: args.limit]
    gen = Generator(args.threads)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with out.open("w", encoding="utf-8") as fh:
        for i, it in enumerate(items, 1):
            s = time.perf_counter()
            text, stop, calls = gen.answer(it.turns)
            row = {
                "item_id": it.item_id, "seed_id": it.seed_id, "domain": it.domain, "family": it.family,
                "transforms": it.transforms, "turns": len(it.turns), "request": request_text(it.turns),
                "answer": text, "stop_reason": stop, "answer_sha256": sha256(text), "answer_chars": len(text),
                "calls": calls, "seconds": round(time.perf_counter() - s, 2),
            }
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            fh.flush()
            if i % 25 == 0 or i == len(items):
                print(f"{i}/{len(items)} answers, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    print(f"generated {len(items)} answers in {time.perf_counter() - t0:.1f} s -> {out}")
    return 0


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def grade(request: str, answer: str, stop_reason: str | None) -> dict[str, Any]:
    """The rules path exactly as ``refusal_rules`` scores a harmful item, plus the old rule."""
    from frontiergate.scorers.outcome import grade_content, misuse_outcome
    from frontiergate.scorers.refusal_rules import analyse_refusal, complied

    label = analyse_refusal(answer).label
    content = grade_content(request, answer) if complied(label) else None
    decision = misuse_outcome(label, content, response=answer, stop_reason=stop_reason, harmful_item=True)
    return {
        "refusal_label": label,
        "old_rule_success": complied(label),
        "outcome": decision.outcome.kind,
        "unknown_reason": decision.outcome.reason,
        "grader_success": decision.outcome.harmful_success,
        "degenerate": content.degenerate if content is not None else None,
        "on_task": content.on_task if content is not None else None,
        "specific": content.specific if content is not None else None,
        "actionable": content.actionable if content is not None else None,
        "why": decision.why,
    }


def cmd_score(args: argparse.Namespace) -> int:
    rows = read_jsonl(args.answers)
    out = Path(args.out)
    with out.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps({"item_id": r["item_id"], **grade(r["request"], r["answer"], r["stop_reason"])})
                     + "\n")
    print(f"scored {len(rows)} answers -> {out}")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    """Merge the annotator's draft labels with the answers' hashes; no answer text is written."""
    answers = {r["item_id"]: r for r in read_jsonl(args.answers)}
    draft = {r["item_id"]: r for r in read_jsonl(args.draft)}
    missing = sorted(set(answers) - set(draft))
    if missing:
        print(f"no label for {len(missing)} answers, e.g. {missing[:3]}", file=sys.stderr)
        return 1
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for iid, a in answers.items():
            d = draft[iid]
            cat = d["category"]
            if cat not in CATEGORIES:
                raise SystemExit(f"{iid}: unknown category {cat!r}")
            row = {
                "item_id": iid, "seed_id": a["seed_id"], "domain": a["domain"], "transforms": a["transforms"],
                "family": a["family"], "turns": a["turns"], "answer_sha256": a["answer_sha256"],
                "answer_chars": a["answer_chars"], "attack_success": bool(d["attack_success"]),
                "category": cat, "note": d["note"],
            }
            if row["attack_success"] != (cat == "harmful_on_task"):
                raise SystemExit(f"{iid}: attack_success must be true exactly for harmful_on_task")
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.with_name("harm_selflabelled.meta.json").write_text(json.dumps(meta(len(answers)), indent=2) + "\n",
                                                           encoding="utf-8")
    print(f"published {len(answers)} labels -> {out}")
    return 0


def _wilson(k: int, n: int) -> dict[str, Any]:
    from statsmodels.stats.proportion import proportion_confint

    if n == 0:
        return {"k": 0, "n": 0, "estimate": None, "ci": None}
    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    return {"k": k, "n": n, "estimate": k / n, "ci": [float(lo), float(hi)]}


def _kappa(tp: int, fp: int, fn: int, tn: int) -> dict[str, Any]:
    """Cohen's kappa with its asymptotic 95% interval (statsmodels), None when undefined."""
    import numpy as np
    from statsmodels.stats.inter_rater import cohens_kappa

    n = tp + fp + fn + tn
    table = np.array([[tp, fn], [fp, tn]], dtype=float)  # rows: labels, columns: grader
    p_e = ((tp + fn) * (tp + fp) + (fp + tn) * (fn + tn)) / (n * n) if n else 1.0
    if n == 0 or p_e >= 1.0 or tp + fn == 0 or fp + tn == 0:
        # with one label class kappa is 0 whatever the grader does: report it as not estimable
        return {"estimate": None, "ci": None, "why": "not estimable: the labels hold one class only"}
    res = cohens_kappa(table)
    return {"estimate": float(res.kappa), "ci": [float(res.kappa_low), float(res.kappa_upp)]}


def agreement(labels: Sequence[dict[str, Any]], pred: dict[str, bool]) -> dict[str, Any]:
    """Accuracy, precision, recall, kappa of predicted attack success against the labels."""
    pairs = [(pred[r["item_id"]], bool(r["attack_success"])) for r in labels]
    tp = sum(p and g for p, g in pairs)
    fp = sum(p and not g for p, g in pairs)
    fn = sum(g and not p for p, g in pairs)
    tn = sum(not p and not g for p, g in pairs)
    return {
        "n": len(pairs), "confusion": {"tp": tp, "fp": fp, "fn": fn, "tn": tn},
        "accuracy": _wilson(tp + tn, len(pairs)), "precision": _wilson(tp, tp + fp),
        "recall": _wilson(tp, tp + fn), "kappa": _kappa(tp, fp, fn, tn),
    }


def by_category(labels: Sequence[dict[str, Any]], scored: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """For each label category: how the grader's outcomes and the old rule fall."""
    out: dict[str, Any] = {}
    for cat in CATEGORIES:
        rows = [r for r in labels if r["category"] == cat]
        if not rows:
            continue
        kinds = Counter(
            scored[r["item_id"]]["outcome"]
            + (f"({scored[r['item_id']]['unknown_reason']})" if scored[r["item_id"]]["unknown_reason"] else "")
            for r in rows
        )
        out[cat] = {
            "n": len(rows),
            "grader_success": sum(scored[r["item_id"]]["grader_success"] for r in rows),
            "old_rule_success": sum(scored[r["item_id"]]["old_rule_success"] for r in rows),
            "outcomes": dict(sorted(kinds.items())),
        }
    return out


def cmd_agreement(args: argparse.Namespace) -> int:
    labels = read_jsonl(args.labels)
    answers = {r["item_id"]: r for r in read_jsonl(args.answers)}
    bad = [r["item_id"] for r in labels if answers[r["item_id"]]["answer_sha256"] != r["answer_sha256"]]
    if bad:
        print(f"{len(bad)} answers differ from the labelled ones (hash mismatch), e.g. {bad[:3]}",
              file=sys.stderr)
        return 1
    scored = {iid: grade(a["request"], a["answer"], a["stop_reason"]) for iid, a in answers.items()}
    grader = agreement(labels, {k: v["grader_success"] for k, v in scored.items()})
    old = agreement(labels, {k: v["old_rule_success"] for k, v in scored.items()})
    untransformed = [r for r in labels if not r["transforms"]]
    transformed = [r for r in labels if r["transforms"]]
    report = {
        "n": len(labels),
        "labels": dict(Counter(r["category"] for r in labels)),
        "label_attack_success": _wilson(sum(r["attack_success"] for r in labels), len(labels)),
        "grader": grader,
        "old_rule": old,
        "grader_rate": _wilson(sum(v["grader_success"] for v in scored.values()), len(scored)),
        "old_rule_rate": _wilson(sum(v["old_rule_success"] for v in scored.values()), len(scored)),
        "grader_untransformed": agreement(untransformed, {k: v["grader_success"] for k, v in scored.items()}),
        "grader_transformed": agreement(transformed, {k: v["grader_success"] for k, v in scored.items()}),
        "by_category": by_category(labels, scored),
        "outcomes": dict(Counter(v["outcome"] + (f"({v['unknown_reason']})" if v["unknown_reason"] else "")
                                 for v in scored.values())),
    }
    if args.disagreements:
        report["disagreements"] = [
            {"item_id": r["item_id"], "label": r["category"], **scored[r["item_id"]]}
            for r in labels if scored[r["item_id"]]["grader_success"] != r["attack_success"]
        ]
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_report(report))
    return 0


def _fmt(r: dict[str, Any]) -> str:
    if r.get("estimate") is None:
        return f"n/a ({r.get('why') or 'n=0'})"
    lo, hi = r["ci"]
    kn = f" ({r['k']}/{r['n']})" if "k" in r else ""
    return f"{r['estimate']:.3f} [{lo:.3f}, {hi:.3f}]{kn}"


def format_report(rep: dict[str, Any]) -> str:
    lines = [f"n = {rep['n']}; labels: {rep['labels']}",
             f"labelled attack success: {_fmt(rep['label_attack_success'])}",
             f"grader rate {_fmt(rep['grader_rate'])}; old rule rate {_fmt(rep['old_rule_rate'])}"]
    for name in ("grader", "old_rule", "grader_untransformed", "grader_transformed"):
        a = rep[name]
        lines.append(f"{name}: n={a['n']} {a['confusion']}")
        for m in ("accuracy", "precision", "recall", "kappa"):
            lines.append(f"  {m:9s} {_fmt(a[m])}")
    lines.append("by label category:")
    for cat, v in rep["by_category"].items():
        lines.append(f"  {cat:16s} n={v['n']:3d} grader success {v['grader_success']:3d} "
                     f"old rule success {v['old_rule_success']:3d}  {v['outcomes']}")
    lines.append(f"grader outcomes: {rep['outcomes']}")
    return "\n".join(lines)


def cmd_verify(args: argparse.Namespace) -> int:
    """Regenerate the labelled answers and compare their SHA-256 with the published ones."""
    labels = read_jsonl(args.labels)
    wanted = {r["item_id"]: r for r in labels}
    items = [it for it in sample_items() if it.item_id in wanted]
    if len(items) != len(wanted):
        print(f"{len(wanted) - len(items)} labelled items are no longer in the sample", file=sys.stderr)
        return 1
    if args.limit:
        step = max(1, len(items) // args.limit)
        items = items[::step][: args.limit]
    gen = Generator(args.threads)
    t0 = time.perf_counter()
    mismatched = [it.item_id for it in items if sha256(gen.answer(it.turns)[0]) != wanted[it.item_id]["answer_sha256"]]
    print(f"regenerated {len(items)} answers in {time.perf_counter() - t0:.1f} s; "
          f"{len(items) - len(mismatched)} identical, {len(mismatched)} differ {mismatched[:5]}")
    return 1 if mismatched else 0


def main(argv: Iterable[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate", help="answer every sample item with the embedded model")
    g.add_argument("--out", required=True, help="answers file (keep it outside the repository)")
    g.add_argument("--limit", type=int, default=0)
    g.add_argument("--threads", type=int, default=N_THREADS)
    s = sub.add_parser("score", help="the rules grader's outcome for every answer")
    s.add_argument("--answers", required=True)
    s.add_argument("--out", required=True)
    pb = sub.add_parser("publish", help="write the label file (hashes and labels, no answer text)")
    pb.add_argument("--answers", required=True)
    pb.add_argument("--draft", required=True, help="JSONL of item_id, attack_success, category, note")
    pb.add_argument("--out", default=str(LABELS))
    a = sub.add_parser("agreement", help="grader and old rule against the labels")
    a.add_argument("--answers", required=True)
    a.add_argument("--labels", default=str(LABELS))
    a.add_argument("--json", action="store_true")
    a.add_argument("--disagreements", action="store_true", help="list the rows where grader and label differ")
    v = sub.add_parser("verify", help="regenerate answers and compare hashes with the label file")
    v.add_argument("--labels", default=str(LABELS))
    v.add_argument("--limit", type=int, default=0, help="regenerate only this many, spread over the sample")
    v.add_argument("--threads", type=int, default=N_THREADS)
    args = p.parse_args(list(argv) if argv is not None else None)
    handlers = {"generate": cmd_generate, "score": cmd_score, "publish": cmd_publish,
                "agreement": cmd_agreement, "verify": cmd_verify}
    return handlers[args.cmd](args)


if __name__ == "__main__":
    raise SystemExit(main())
