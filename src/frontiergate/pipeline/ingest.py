"""Ingest Inspect ``.eval`` logs into the store.

The logs stay the raw evidence; the store indexes them (item, sample, score rows with a pointer
back into the log). Ingest is idempotent: re-ingesting a log replaces that evaluation's samples,
which is what makes ``--resume`` safe.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from inspect_ai.log import EvalLog, EvalSample, read_eval_log
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from frontiergate.analysis.metrics_foreign import SAMPLE_LIMIT_KEY
from frontiergate.errors import DataFileError
from frontiergate.pipeline.log_reader import iter_samples
from frontiergate.pipeline.targets import scrub
from frontiergate.store.models import EvaluationRow, ItemRow, SampleRow, ScoreRow

_ITEM_KEYS = ("seed_id", "domain", "category", "severity", "harmful", "family", "transforms", "framing", "twin_id")


def _text(sample: EvalSample) -> tuple[str, str]:
    inp = sample.input if isinstance(sample.input, str) else "\n".join(m.text for m in sample.input)
    out = sample.output.completion if sample.output is not None else ""
    return inp, out


def _usage(sample: EvalSample) -> tuple[int, int]:
    i = o = 0
    for u in (sample.model_usage or {}).values():
        i += u.input_tokens
        o += u.output_tokens
    return i, o


def _item_row(run_id: str, item_id: str, meta: dict[str, Any]) -> ItemRow:
    known = {k: meta.get(k) for k in _ITEM_KEYS}
    # the item's own ``extra`` dict is flattened into the stored extra, next to any other metadata keys
    raw_nested = meta.get("extra")
    nested: dict[str, Any] = raw_nested if isinstance(raw_nested, dict) else {}
    extra = {k: v for k, v in meta.items() if k not in _ITEM_KEYS and k not in ("item_id", "turns", "extra")}
    extra.update(nested)
    return ItemRow(
        run_id=run_id,
        item_id=item_id,
        seed_id=str(known["seed_id"] or ""),
        domain=str(known["domain"] or ""),
        category=str(known["category"] or ""),
        severity=str(known["severity"] or ""),
        harmful=known["harmful"] if isinstance(known["harmful"], bool) else None,
        family=str(known["family"] or "none"),
        transforms=list(known["transforms"] or []),
        framing=str(known["framing"] or "plain"),
        twin_id=known["twin_id"],
        extra=json.loads(json.dumps(extra, default=str)),
    )


def _same_item(item_id: str, stored: tuple[str, str, bool | None], meta: dict[str, Any], log_path: Path) -> None:
    """Refuse a second, different item under an id the run already holds.

    Why: the first item row written wins, so the second item's samples would be filed under the
    first's domain and seed (two scenario files whose id columns both count 1, 2, 3...), diluting one
    domain's rate with the other's answers and leaving the other domain unevaluated."""
    domain, seed, harmful = stored
    new = (str(meta.get("domain") or ""), str(meta.get("seed_id") or ""),
           meta.get("harmful") if isinstance(meta.get("harmful"), bool) else None)
    if new != (domain, seed, harmful):
        raise DataFileError(
            f"{log_path.name}: item id {item_id!r} names two different items in this run (domain {domain!r}, seed "
            f"{seed!r}, harmful {harmful} and domain {new[0]!r}, seed {new[1]!r}, harmful {new[2]})",
            "give the scenario files ids that are unique across files (an id column with distinct values, "
            "or no id column so ids come from the file name), then rerun",
        )


def ingest_log(s: Session, evaluation: EvaluationRow, log_path: Path) -> tuple[int, int]:
    """Replace ``evaluation``'s samples with those in the log; returns (samples, errors)."""
    header: EvalLog = read_eval_log(str(log_path), header_only=True)
    s.execute(delete(SampleRow).where(SampleRow.evaluation_id == evaluation.id))
    known_items: dict[str, tuple[str, str, bool | None]] = {
        r.item_id: (r.domain, r.seed_id, r.harmful)
        for r in s.execute(
            select(ItemRow.item_id, ItemRow.domain, ItemRow.seed_id, ItemRow.harmful).where(
                ItemRow.run_id == evaluation.run_id
            )
        )
    }
    n = errors = 0
    batch: list[SampleRow] = []
    for sample in iter_samples(log_path):
        meta = dict(sample.metadata or {})
        item_id = str(meta.get("item_id") or sample.id)
        if item_id not in known_items:
            row_item = _item_row(evaluation.run_id, item_id, meta)
            s.add(row_item)
            known_items[item_id] = (row_item.domain, row_item.seed_id, row_item.harmful)
        elif meta.get("domain") is not None:
            _same_item(item_id, known_items[item_id], meta, log_path)
        inp, out = _text(sample)
        i_tok, o_tok = _usage(sample)
        err = scrub(sample.error.message) if sample.error is not None else None
        row = SampleRow(
            evaluation_id=evaluation.id,
            run_id=evaluation.run_id,
            sample_id=str(sample.id),
            item_id=item_id,
            epoch=sample.epoch,
            input_text=scrub(inp),
            output_text=scrub(out),
            input_tokens=i_tok,
            output_tokens=o_tok,
            latency_s=sample.total_time,
            error=err,
            retries=len(sample.error_retries or []),
            transcript_ref=f"{log_path.name}#{sample.id}/{sample.epoch}",
        )
        # Inspect ended the sample at a message, token, time or other limit: what it scored may be an
        # answer the model never got to give, so the analysis must be able to tell (metrics_foreign.py)
        limit_type = str(sample.limit.type) if sample.limit is not None else None
        for name, sc in (sample.scores or {}).items():
            value = sc.value
            num = (
                float(value)
                if isinstance(value, int | float) and not isinstance(value, bool)
                else (float(value) if isinstance(value, bool) else None)
            )
            smeta = dict(sc.metadata or {})
            reason = getattr(sc, "reason", None)
            if reason:  # Inspect's abnormal-score reason (refusal, no response, grader failed...): not a wrong answer
                smeta.setdefault("score_reason", str(reason))
            if limit_type is not None:
                smeta.setdefault(SAMPLE_LIMIT_KEY, limit_type)
            if num is None and value is not None:
                # a non-numeric value (a foreign task's "C"/"I", a dict of sub-scores) is kept as it was,
                # so a declared metric mapping can read it as Inspect's own metrics do
                smeta.setdefault("value", value)
            row.scores.append(
                ScoreRow(
                    scorer=name,
                    scorer_version=str(smeta.get("scorer_version", "")),
                    value=num,
                    answer=None if sc.answer is None else scrub(str(sc.answer)),
                    explanation=None if sc.explanation is None else scrub(sc.explanation),
                    judge_model=smeta.get("judge_model"),
                    meta=json.loads(json.dumps(smeta, default=str)),
                )
            )
        s.add(row)
        batch.append(row)
        if len(batch) >= 500:
            # write and forget: the session must not hold every row of a 20,000-sample log
            s.flush()
            for r in batch:
                s.expunge(r)
            batch.clear()
        n += 1
        errors += err is not None
    evaluation.log_path = str(log_path)
    evaluation.inspect_eval_id = header.eval.eval_id
    evaluation.status = header.status
    evaluation.n_samples = n
    evaluation.n_errors = errors
    metrics: dict[str, Any] = {}
    if header.results is not None:
        for sc_res in header.results.scores:
            for mname, m in sc_res.metrics.items():
                metrics[f"{sc_res.name}/{mname}"] = m.value
    if header.results is not None and header.results.early_stopping is not None:
        metrics["early_stopping"] = json.loads(header.results.early_stopping.model_dump_json())
    not_applicable = (header.eval.metadata or {}).get("not_applicable")
    if isinstance(not_applicable, dict) and not_applicable:
        # items the task did not send (e.g. images to a text-only target): neither refused nor safe
        metrics["not_applicable"] = not_applicable
    evaluation.task_metrics = metrics
    return n, errors
