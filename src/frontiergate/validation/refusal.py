"""Validate a refusal scorer against human labels.

Why a separate library (the CLI and the XSTest script are thin wrappers): every number we quote
about a scorer's accuracy should come from one code path, with n and a Wilson interval, so the
docs, the tests and a user's own labelled file are measured the same way.

Binary convention: the gold label is ``refusal`` or ``compliance``; XSTest's ``final_label`` maps
``1_full_compliance`` to compliance and ``2_full_refusal``/``3_partial_refusal`` to refusal
("any refusal", the convention of the published XSTest agreement figures). The scorers' own
``partial`` label (declines, then helps) therefore counts as refusal here by default
(``partial_as="refusal"``); analysis of attack success counts it as complied, because there the
question is whether harmful content got out. ``empty`` counts as refusal (nothing was provided).
"""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from frontiergate.errors import DataFileError, FrontiergateError, ModelError
from frontiergate.scorers.refusal_rules import (
    DEFAULT_PARAMS,
    RefusalLabel,
    RuleParams,
    TaggedAnswer,
    decide,
    tag_answer,
)
from frontiergate.stats import RateEstimate, wilson_interval

GoldLabel = Literal["refusal", "compliance"]

GOLD_LABELS: dict[str, GoldLabel] = {
    "refusal": "refusal",
    "compliance": "compliance",
    "1_full_compliance": "compliance",
    "2_full_refusal": "refusal",
    "3_partial_refusal": "refusal",
}

# the XSTest paper's reference agreement figures, shown next to ours
XSTEST_BASELINES: dict[str, dict[str, float]] = {
    "string_match": {"gpt4": 0.94, "llama2orig": 0.89, "mistralinstruct": 0.86},
    "gpt4_classifier": {"gpt4": 0.94, "llama2orig": 0.79, "mistralinstruct": 0.76},
}
XSTEST_MODELS = ("gpt4", "llama2orig", "mistralinstruct")


@dataclass(frozen=True)
class LabelledRow:
    """One labelled answer; ``line`` is the 1-based data row (CSV) or line (JSONL) for messages."""

    line: int
    prompt: str
    response: str
    label: GoldLabel


def _read_records(path: Path) -> tuple[list[dict[str, Any]], list[str], str]:
    """Rows as dicts, the column names seen, and the format name."""
    if not path.exists():
        raise DataFileError(f"{path}: no such file", "pass the path of a CSV or JSONL file")
    if path.is_dir():
        raise DataFileError(f"{path}: is a directory, not a labelled file", "pass a CSV or JSONL file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataFileError(f"{path}: not UTF-8 text", "save the file as UTF-8 CSV or JSONL") from None
    suffix = path.suffix.lower()
    is_jsonl = suffix in (".jsonl", ".ndjson") or (
        suffix not in (".csv", ".tsv") and text.lstrip()[:1] == "{"
    )
    if not text.strip():
        raise DataFileError(f"{path}: the file is empty", "add a header and labelled rows")
    if is_jsonl:
        records: list[dict[str, Any]] = []
        columns: dict[str, None] = {}
        for i, raw in enumerate(text.splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise DataFileError(
                    f"{path}: line {i} is not valid JSON ({exc.msg})", "write one JSON object per line"
                ) from None
            if not isinstance(obj, dict):
                raise DataFileError(
                    f"{path}: line {i} is not a JSON object", "write one JSON object per line"
                )
            obj["__line__"] = i
            records.append(obj)
            columns.update(dict.fromkeys(k for k in obj if k != "__line__"))
        return records, list(columns), "jsonl"
    try:
        delimiter = "\t" if suffix == ".tsv" else ","
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = []
        for i, r in enumerate(reader, start=2):
            rec: dict[str, Any] = dict(r)
            rec["__line__"] = i
            rows.append(rec)
    except csv.Error as exc:
        raise DataFileError(f"{path}: malformed CSV ({exc})", "check the quoting of the CSV file") from None
    return rows, list(reader.fieldnames or []), "csv"


def load_labelled(
    path: str | Path,
    prompt_column: str = "prompt",
    response_column: str = "response",
    label_column: str = "label",
) -> list[LabelledRow]:
    """Read a labelled CSV or JSONL file; every problem names the file, the column and the fix."""
    p = Path(path)
    records, columns, fmt = _read_records(p)
    flags = {
        prompt_column: "--prompt-column",
        response_column: "--response-column",
        label_column: "--label-column",
    }
    for col, flag in flags.items():
        if col not in columns:
            raise DataFileError(
                f"{p}: column '{col}' not found (columns: {', '.join(columns) or 'none'})",
                f"name the right column with {flag}",
            )
    if not records:
        raise DataFileError(f"{p}: no data rows", "add labelled rows below the header")
    out: list[LabelledRow] = []
    accepted = ", ".join(GOLD_LABELS)
    for rec in records:
        line = int(rec["__line__"])
        where = f"{p}: {'row' if fmt == 'csv' else 'line'} {line}"
        for col in flags:
            if col not in rec:
                raise DataFileError(f"{where} has no '{col}' key", f"add '{col}' to every line")
        raw_label = rec[label_column]
        gold = GOLD_LABELS.get(str(raw_label).strip().lower()) if raw_label is not None else None
        if gold is None:
            raise DataFileError(
                f"{where}, column '{label_column}': unknown label {raw_label!r}",
                f"use one of: {accepted}",
            )
        resp = rec[response_column]
        prompt = rec[prompt_column]
        out.append(
            LabelledRow(line, "" if prompt is None else str(prompt), "" if resp is None else str(resp), gold)
        )
    return out


def to_binary(label: RefusalLabel, partial_as: GoldLabel = "refusal") -> GoldLabel:
    """Collapse a scorer label onto the gold labels (see the module docstring for why)."""
    if label == "compliance":
        return "compliance"
    if label == "partial":
        return partial_as
    return "refusal"


@dataclass
class AgreementReport:
    """Agreement of predictions with gold labels; refusal is the positive class."""

    n: int
    agreement: RateEstimate
    precision: RateEstimate
    recall: RateEstimate
    f1: float | None
    tp: int
    fn: int
    fp: int
    tn: int
    scorer: str = "rules"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def confusion(self) -> dict[str, dict[str, int]]:
        """Rows are the human label, columns the scorer's."""
        return {
            "refusal": {"refusal": self.tp, "compliance": self.fn},
            "compliance": {"refusal": self.fp, "compliance": self.tn},
        }

    def as_dict(self) -> dict[str, Any]:
        def ci(r: RateEstimate) -> list[float | None]:
            return [r.low, r.high]

        d: dict[str, Any] = {
            "scorer": self.scorer,
            "n": self.n,
            "agreement": self.agreement.estimate,
            "agreement_ci95": ci(self.agreement),
            "precision": self.precision.estimate,
            "precision_n": self.precision.n,
            "precision_ci95": ci(self.precision),
            "recall": self.recall.estimate,
            "recall_n": self.recall.n,
            "recall_ci95": ci(self.recall),
            "f1": self.f1,
            "positive_class": "refusal",
            "confusion": self.confusion,
        }
        d.update(self.extra)
        return d


def agreement_report(
    gold: Sequence[GoldLabel], predicted: Sequence[GoldLabel], scorer: str = "rules"
) -> AgreementReport:
    """Agreement, precision, recall and F1 (refusal positive), each rate with n and a Wilson CI."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predictions")
    tp = sum(g == "refusal" and p == "refusal" for g, p in zip(gold, predicted, strict=True))
    fn = sum(g == "refusal" and p == "compliance" for g, p in zip(gold, predicted, strict=True))
    fp = sum(g == "compliance" and p == "refusal" for g, p in zip(gold, predicted, strict=True))
    tn = sum(g == "compliance" and p == "compliance" for g, p in zip(gold, predicted, strict=True))
    n = len(gold)
    precision = wilson_interval(tp, tp + fp)
    recall = wilson_interval(tp, tp + fn)
    f1 = None
    if (
        precision.estimate is not None
        and recall.estimate is not None
        and (precision.estimate + recall.estimate)
    ):
        f1 = 2 * precision.estimate * recall.estimate / (precision.estimate + recall.estimate)
    return AgreementReport(n, wilson_interval(tp + tn, n), precision, recall, f1, tp, fn, fp, tn, scorer)


def predict_rules(
    rows: Iterable[LabelledRow], params: RuleParams = DEFAULT_PARAMS, partial_as: GoldLabel = "refusal"
) -> list[GoldLabel]:
    """Binary predictions of the rules classifier."""
    return [to_binary(decide(tag_answer(r.response), params).label, partial_as) for r in rows]


def validate_rules(
    rows: Sequence[LabelledRow], params: RuleParams = DEFAULT_PARAMS, partial_as: GoldLabel = "refusal"
) -> AgreementReport:
    """Score ``rows`` with the rules classifier and compare with their labels."""
    rep = agreement_report([r.label for r in rows], predict_rules(rows, params, partial_as), "rules")
    return rep


def validate_judge(
    rows: Sequence[LabelledRow],
    judge_model: str,
    partial_as: GoldLabel = "refusal",
    max_tokens: int = 400,
    max_concurrency: int = 8,
    model_args: dict[str, Any] | None = None,
) -> AgreementReport:
    """Score ``rows`` with the principle-based judge (through an Inspect model) and compare.

    ``extra`` reports how many verdicts parsed and the agreement on those alone, because
    unparseable verdicts fall back to the rules and would otherwise flatter a weak judge.
    """
    from frontiergate.scorers.refusal_judge import JudgeVerdict

    verdicts: list[JudgeVerdict] = asyncio.run(
        _judge_all(rows, judge_model, max_tokens, max_concurrency, model_args or {})
    )
    gold = [r.label for r in rows]
    preds = [to_binary(v.label, partial_as) for v in verdicts]
    rep = agreement_report(gold, preds, f"judge:{judge_model}")
    parsed_idx = [i for i, v in enumerate(verdicts) if v.parsed]
    parsed_rep = agreement_report(
        [gold[i] for i in parsed_idx], [preds[i] for i in parsed_idx], "judge-parsed"
    )
    rep.extra = {
        "judge_model": judge_model,
        "parsed": len(parsed_idx),
        "fallback_to_rules": len(rows) - len(parsed_idx),
        "parsed_rate": wilson_interval(len(parsed_idx), len(rows)).as_dict(),
        "agreement_on_parsed": parsed_rep.agreement.as_dict(),
    }
    return rep


async def _judge_all(
    rows: Sequence[LabelledRow],
    judge_model: str,
    max_tokens: int,
    max_concurrency: int,
    model_args: dict[str, Any],
) -> list[Any]:
    from inspect_ai.model import get_model

    from frontiergate.scorers.refusal_judge import judge_response

    try:
        # not memoized: a cached model may hold locks bound to an earlier asyncio.run() loop
        grader = get_model(judge_model, memoize=False, **model_args)
    except FrontiergateError:
        raise
    except Exception as exc:  # Inspect raises plain exceptions for unknown providers or missing keys
        raise ModelError(
            f"cannot load judge model '{judge_model}': {exc}",
            "pass an Inspect model string, e.g. --judge-model frontiergate/gemma-3-270m or openai/gpt-4o",
        ) from None
    sem = asyncio.Semaphore(max_concurrency)

    async def one(r: LabelledRow) -> Any:
        async with sem:
            return await judge_response(r.prompt, r.response, grader, max_tokens=max_tokens)

    return list(await asyncio.gather(*(one(r) for r in rows)))


def subsample(rows: Sequence[LabelledRow], limit: int | None, seed: int = 0) -> list[LabelledRow]:
    """A reproducible random subset (file order kept), for slow judges."""
    if limit is None or limit >= len(rows):
        return list(rows)
    keep = sorted(random.Random(seed).sample(range(len(rows)), limit))
    return [rows[i] for i in keep]


PARAM_GRID: dict[str, tuple[Any, ...]] = {
    "head_sentences": (1, 2, 3),
    "min_list_items": (2, 3, 4, 5),
    "min_tail_content_chars": (300, 600, 900, 1200),
    "min_content_share": (0.3, 0.4, 0.5, 0.6, 0.7),
}


def _agreement(tagged: Sequence[tuple[TaggedAnswer, GoldLabel]], params: RuleParams) -> float:
    ok = sum(to_binary(decide(t, params).label) == g for t, g in tagged)
    return ok / len(tagged) if tagged else 0.0


def leave_one_out_params(files: Mapping[str, Sequence[LabelledRow]]) -> list[dict[str, Any]]:
    """For each file: pick ``RuleParams`` on the *other* files by grid search, score this one.

    Why: the defaults were chosen by reading all development files, so their agreement is an
    in-sample figure. Re-selecting the knobs without a file and scoring it shows how much of the
    agreement depends on tuning to that model's style (the cue patterns themselves stay fixed).
    """
    tagged = {name: [(tag_answer(r.response), r.label) for r in rows] for name, rows in files.items()}
    grid = [
        RuleParams(**dict(zip(PARAM_GRID, combo, strict=True)))
        for combo in itertools.product(*PARAM_GRID.values())
    ]
    results = []
    for held in files:
        train = [x for name, rows in tagged.items() if name != held for x in rows]
        # ties go to the grid point nearest the defaults, so selection is deterministic
        best = max(grid, key=lambda p: (round(_agreement(train, p), 6), -_distance(p)))
        held_rows = files[held]
        rep = validate_rules(held_rows, best)
        default_rep = validate_rules(held_rows, DEFAULT_PARAMS)
        results.append(
            {
                "held_out": held,
                "selected_params": best.__dict__,
                "train_agreement": _agreement(train, best),
                "held_out_agreement": rep.agreement.as_dict(),
                "default_params_agreement": default_rep.agreement.estimate,
            }
        )
    return results


def _distance(p: RuleParams) -> float:
    d = DEFAULT_PARAMS
    return (
        abs(p.head_sentences - d.head_sentences)
        + abs(p.min_list_items - d.min_list_items)
        + abs(p.min_tail_content_chars - d.min_tail_content_chars) / 300
        + abs(p.min_content_share - d.min_content_share) * 10
    )


def format_report(rep: AgreementReport, title: str = "") -> str:
    """Plain-text rendering: n, agreement with CI, precision, recall, F1 and the 2x2 matrix."""

    def pct(r: RateEstimate) -> str:
        if r.estimate is None:
            return f"n/a (n={r.n})"
        return f"{r.estimate:.3f} [{r.low:.3f}, {r.high:.3f}] (n={r.n})"

    lines = [title] if title else []
    lines += [
        f"scorer     {rep.scorer}",
        f"n          {rep.n}",
        f"agreement  {pct(rep.agreement)}",
        f"precision  {pct(rep.precision)}   (refusal = positive class)",
        f"recall     {pct(rep.recall)}",
        f"F1         {'n/a' if rep.f1 is None else f'{rep.f1:.3f}'}",
        "confusion  (rows: human label, columns: scorer)",
        f"             {'refusal':>10} {'compliance':>11}",
        f"  refusal    {rep.tp:>10} {rep.fn:>11}",
        f"  compliance {rep.fp:>10} {rep.tn:>11}",
    ]
    if "parsed" in rep.extra:
        aop = rep.extra["agreement_on_parsed"]
        est = "n/a" if aop["estimate"] is None else f"{aop['estimate']:.3f}"
        lines.append(
            f"judge      {rep.extra['parsed']}/{rep.n} verdicts parsed, "
            f"{rep.extra['fallback_to_rules']} fell back to rules; agreement on parsed: {est} (n={aop['n']})"
        )
    if rep.n < 30:
        lines.append(f"note       n={rep.n} is small: the interval is wide; do not decide on it")
    return "\n".join(lines)
