"""Validate "attack success" (harmful AND on-task content) against human labels.

Why: the decision's headline metric is the share of harmful requests that got harmful, on-task
content out. A grader that counts echoes or rambling as success inflates it; one that misses real
uplift deflates it. Agreement with human labels, with n and Wilson intervals, is the only honest
statement of how far the rules grade can be trusted.

Two sources, read from a path the user passes (their text never enters the project):

- HarmBench's human-labelled classifier validation set
  (``data/classifier_val_sets/text_behaviors_val_set.json``: behaviour id -> list of
  ``{test_case, generation, human_0, human_1, human_2, ...}``). Gold: the majority of the three
  human labels (1 = the generation is an instance of the harmful behaviour). Predicted: the
  rules outcome is ``complied_harmful`` or ``partial`` with ``test_case`` as the request.
- Any CSV/JSONL with ``prompt``, ``response`` and a 0/1 (or true/false) ``label`` column, for a
  self-labelled sample.

``degenerate_on_compliance`` answers a narrower question on the XSTest completions: of the answers
humans labelled full compliance (real attempts to answer), how many does the content grade call
an echo, gibberish or off-topic? Those would be wrongly removed from attack success.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from frontiergate.errors import DataFileError
from frontiergate.scorers.outcome import OUTCOME_VERSION, grade_content, misuse_outcome
from frontiergate.scorers.refusal_rules import analyse_refusal, complied
from frontiergate.stats import RateEstimate, wilson_interval

HUMAN_KEYS = ("human_0", "human_1", "human_2")


@dataclass(frozen=True)
class HarmRow:
    """One human-labelled answer: gold True means harmful and on-task (attack success)."""

    key: str
    prompt: str
    response: str
    label: bool


def _as_label(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("0", "1", "true", "false", "yes", "no"):
        return value.strip().lower() in ("1", "true", "yes")
    return None


def load_harmbench_val(path: str | Path) -> list[HarmRow]:
    """HarmBench's ``text_behaviors_val_set.json``; rows without three readable human labels are skipped."""
    p = Path(path)
    if not p.is_file():
        raise DataFileError(f"{p}: no such file", "pass the path of text_behaviors_val_set.json")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{p}: not a JSON file ({exc})", "pass HarmBench's JSON validation set") from None
    if not isinstance(data, dict):
        raise DataFileError(f"{p}: expected an object of behaviour id -> examples", "pass the HarmBench file")
    rows: list[HarmRow] = []
    for behaviour, examples in data.items():
        if not isinstance(examples, list):
            continue
        for i, ex in enumerate(examples):
            if not isinstance(ex, dict):
                continue
            votes = [_as_label(ex.get(k)) for k in HUMAN_KEYS]
            if any(v is None for v in votes):
                continue
            rows.append(
                HarmRow(
                    key=f"{behaviour}#{i}",
                    prompt=str(ex.get("test_case") or ""),
                    response=str(ex.get("generation") or ""),
                    label=sum(bool(v) for v in votes) >= 2,
                )
            )
    if not rows:
        raise DataFileError(f"{p}: no example with three human labels", "pass HarmBench's classifier val set")
    return rows


def rows_from_labelled(records: Iterable[tuple[str, str, Any]]) -> list[HarmRow]:
    """Rows from (prompt, response, 0/1 label) triples, e.g. a self-labelled sample."""
    out: list[HarmRow] = []
    for i, (prompt, response, raw) in enumerate(records, start=1):
        lab = _as_label(raw)
        if lab is None:
            raise DataFileError(f"row {i}: label {raw!r} is not 0/1 or true/false", "label each row 0 or 1")
        out.append(HarmRow(str(i), prompt, response, lab))
    return out


def predict_attack_success(prompt: str, response: str) -> tuple[bool, str]:
    """The rules path's call on one answer: attack success?, and the outcome kind behind it."""
    label = analyse_refusal(response).label
    content = grade_content(prompt, response) if complied(label) else None
    decision = misuse_outcome(label, content, response=response, harmful_item=True)
    return decision.outcome.harmful_success, decision.outcome.kind


@dataclass
class HarmAgreement:
    """Agreement of predicted attack success with the human label; the positive class is success."""

    n: int
    tp: int
    fp: int
    fn: int
    tn: int
    outcomes: dict[str, int]
    label_only: dict[str, int]  # the same rows scored "complied by the refusal label" (the old rule)

    @property
    def accuracy(self) -> RateEstimate:
        return wilson_interval(self.tp + self.tn, self.n)

    @property
    def precision(self) -> RateEstimate:
        return wilson_interval(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> RateEstimate:
        return wilson_interval(self.tp, self.tp + self.fn)

    def as_dict(self) -> dict[str, Any]:
        def ci(r: RateEstimate) -> dict[str, Any]:
            return {"estimate": r.estimate, "ci": [r.low, r.high], "n": r.n}

        return {
            "grader": f"rules ({OUTCOME_VERSION})",
            "n": self.n,
            "accuracy": ci(self.accuracy),
            "precision": ci(self.precision),
            "recall": ci(self.recall),
            "confusion": {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn},
            "outcomes": dict(sorted(self.outcomes.items())),
            "label_only_baseline": self.label_only,
        }


def _confusion(pairs: Sequence[tuple[bool, bool]]) -> tuple[int, int, int, int]:
    tp = sum(1 for p, g in pairs if p and g)
    fp = sum(1 for p, g in pairs if p and not g)
    fn = sum(1 for p, g in pairs if not p and g)
    tn = sum(1 for p, g in pairs if not p and not g)
    return tp, fp, fn, tn


def validate_attack_success(rows: Sequence[HarmRow]) -> HarmAgreement:
    """Score every row with the rules path and compare with the human label."""
    pairs: list[tuple[bool, bool]] = []
    label_pairs: list[tuple[bool, bool]] = []
    outcomes: dict[str, int] = {}
    for r in rows:
        success, kind = predict_attack_success(r.prompt, r.response)
        pairs.append((success, r.label))
        label_pairs.append((complied(analyse_refusal(r.response).label), r.label))
        outcomes[kind] = outcomes.get(kind, 0) + 1
    tp, fp, fn, tn = _confusion(pairs)
    ltp, lfp, lfn, ltn = _confusion(label_pairs)
    label_only = {"tp": ltp, "fp": lfp, "fn": lfn, "tn": ltn, "accuracy_k": ltp + ltn}
    return HarmAgreement(len(rows), tp, fp, fn, tn, outcomes, label_only)


def degenerate_on_compliance(pairs: Iterable[tuple[str, str]]) -> tuple[RateEstimate, dict[str, int]]:
    """Share of human-labelled real answers that the content grade calls echo, gibberish or off-topic."""
    kinds: dict[str, int] = {}
    n = 0
    for prompt, response in pairs:
        n += 1
        g = grade_content(prompt, response)
        if g.degenerate:
            kinds[g.degenerate] = kinds.get(g.degenerate, 0) + 1
    return wilson_interval(sum(kinds.values()), n), kinds


def format_harm_report(rep: HarmAgreement, title: str = "") -> str:
    """Plain-text table of the agreement figures."""

    def pct(r: RateEstimate) -> str:
        if r.estimate is None:
            return "n/a"
        return f"{r.estimate:.3f} [{r.low:.3f}, {r.high:.3f}] (n={r.n})"

    lines = [title] if title else []
    lines += [
        f"grader     rules ({OUTCOME_VERSION}); positive = attack success (harmful and on-task)",
        f"n          {rep.n}",
        f"accuracy   {pct(rep.accuracy)}",
        f"precision  {pct(rep.precision)}",
        f"recall     {pct(rep.recall)}",
        f"confusion  tp={rep.tp} fp={rep.fp} fn={rep.fn} tn={rep.tn}",
        f"outcomes   {', '.join(f'{k}={v}' for k, v in sorted(rep.outcomes.items()))}",
        "old rule   (complied by the refusal label) "
        + ", ".join(f"{k}={v}" for k, v in rep.label_only.items()),
    ]
    return "\n".join(lines)
