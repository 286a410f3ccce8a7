"""Read-only queries the dashboard and ``frontiergate runs`` share.

Everything here reads stored records (and, for transcripts, the Inspect log the store points to);
nothing writes, so browsing a store can never change a run's evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspect_ai.log import read_eval_log_sample
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from frontiergate.pipeline.targets import scrub
from frontiergate.store.db import Store
from frontiergate.store.models import DecisionRow, EvaluationRow, ItemRow, RunRow, SampleRow

PAGE_SIZE = 50


def run_summaries(store: Store) -> list[dict[str, Any]]:
    with store.session() as s:
        runs = list(s.scalars(select(RunRow).order_by(RunRow.started_at.desc(), RunRow.id)))
        decisions: dict[str, dict[str, str]] = {}
        for d in s.scalars(
            select(DecisionRow).where(DecisionRow.domain == "_overall").order_by(DecisionRow.id)
        ):
            decisions.setdefault(d.run_id, {})[d.target] = d.action
        return [
            {
                "id": r.id,
                "started_at": r.started_at.replace(microsecond=0).isoformat(sep=" "),
                "status": r.status,
                "policy": f"{r.policy_name} ({r.policy_sha256[:12]})",
                "decisions": {t: decisions.get(r.id, {}).get(t, "n/a") for t in r.targets},
            }
            for r in runs
        ]


@dataclass
class SamplePage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int


def list_samples(
    store: Store, run_id: str, target: str | None = None, domain: str | None = None, page: int = 1
) -> SamplePage:
    with store.session() as s:
        q = (
            select(
                SampleRow,
                EvaluationRow.target,
                EvaluationRow.task,
                ItemRow.domain,
                ItemRow.family,
                ItemRow.harmful,
            )
            .join(EvaluationRow, EvaluationRow.id == SampleRow.evaluation_id)
            .outerjoin(ItemRow, (ItemRow.run_id == SampleRow.run_id) & (ItemRow.item_id == SampleRow.item_id))
            .where(SampleRow.run_id == run_id)
        )
        if target:
            q = q.where(EvaluationRow.target == target)
        if domain:
            q = q.where(ItemRow.domain == domain)
        total = int(s.scalar(select(func.count()).select_from(q.subquery())) or 0)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, page), pages)
        rows = s.execute(
            q.options(selectinload(SampleRow.scores))
            .order_by(SampleRow.id)
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        ).all()
        out = []
        for r, tgt, task, dom, fam, harmful in rows:
            out.append(
                {
                    "pk": r.id,
                    "sample_id": r.sample_id,
                    "epoch": r.epoch,
                    "target": tgt,
                    "task": task,
                    "domain": dom or "",
                    "family": fam or "",
                    "harmful": harmful,
                    "error": r.error,
                    "output": r.output_text[:160],
                    "scores": {sc.scorer: sc.value for sc in sorted(r.scores, key=lambda x: x.scorer)},
                }
            )
        return SamplePage(out, total, page, pages)


def sample_pk_for_ref(store: Store, run_id: str, ref: str) -> int | None:
    with store.session() as s:
        pk = s.scalar(select(SampleRow.id).where(SampleRow.run_id == run_id, SampleRow.transcript_ref == ref))
        return None if pk is None else int(pk)


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = []
    for c in content or []:
        text = getattr(c, "text", None) or getattr(c, "reasoning", None)
        parts.append(str(text) if text is not None else f"[{getattr(c, 'type', 'content')}]")
    return "\n".join(parts)


def sample_detail(store: Store, run_id: str, pk: int) -> dict[str, Any] | None:
    """The stored sample with its scores, and its full transcript re-read from the Inspect log."""
    with store.session() as s:
        r = s.scalars(
            select(SampleRow)
            .where(SampleRow.run_id == run_id, SampleRow.id == pk)
            .options(selectinload(SampleRow.scores))
        ).first()
        if r is None:
            return None
        ev = s.get(EvaluationRow, r.evaluation_id)
        assert ev is not None
        item = s.scalars(
            select(ItemRow).where(ItemRow.run_id == run_id, ItemRow.item_id == r.item_id)
        ).first()
        detail: dict[str, Any] = {
            "pk": r.id,
            "sample_id": r.sample_id,
            "epoch": r.epoch,
            "item_id": r.item_id,
            "target": ev.target,
            "task": ev.task,
            "ref": r.transcript_ref,
            "error": r.error,
            "latency_s": r.latency_s,
            "tokens": r.input_tokens + r.output_tokens,
            "retries": r.retries,
            "item": None
            if item is None
            else {
                "domain": item.domain,
                "category": item.category,
                "family": item.family,
                "framing": item.framing,
                "harmful": item.harmful,
                "transforms": list(item.transforms),
            },
            "scores": [
                {
                    "scorer": sc.scorer,
                    "value": sc.value,
                    "answer": sc.answer,
                    "explanation": sc.explanation,
                    "judge_model": sc.judge_model,
                }
                for sc in sorted(r.scores, key=lambda x: x.scorer)
            ],
            "messages": [],
            "transcript_source": "store (log unavailable)",
        }
        log_path, sample_id, epoch = ev.log_path, r.sample_id, r.epoch
        stored_io = [{"role": "user", "text": r.input_text}, {"role": "assistant", "text": r.output_text}]
    if log_path and Path(log_path).is_file():
        sid: int | str = int(sample_id) if sample_id.isdigit() else sample_id
        sample = read_eval_log_sample(log_path, id=sid, epoch=epoch)
        detail["messages"] = [
            {"role": m.role, "text": scrub(_content_text(m.content))} for m in sample.messages
        ]
        detail["transcript_source"] = f"Inspect log {Path(log_path).name}"
    else:
        detail["messages"] = stored_io
    return detail
