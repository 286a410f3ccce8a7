"""Build AnalysisContexts from the store (the only input metrics ever see)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import defer, selectinload

from frontiergate.analysis.context import AnalysisContext, EvaluationView, SampleView, ScoreView
from frontiergate.store.db import Store
from frontiergate.store.models import EvaluationRow, ItemRow, SampleRow


class _Shared:
    """One copy of each repeated key and short value in the stored JSON (score metadata, item extras).

    Why: every stored row decodes into its own strings, so 20,000 samples' score metadata (the same
    dozen keys, labels and versions again and again) held ~600,000 string objects, most of the
    memory an analysis of a long sweep needs. Sharing them keeps the views small.
    """

    def __init__(self) -> None:
        self._strings: dict[str, str] = {}

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._strings.setdefault(value, value) if len(value) <= 64 else value
        if isinstance(value, dict):
            return {self._strings.setdefault(k, k) if isinstance(k, str) else k: self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        return value


def load_contexts(store: Store, run_id: str, confidence: float = 0.95) -> dict[str, AnalysisContext]:
    """One context per target, samples in a stable order (evaluation, item, epoch)."""
    with store.session() as s:
        run = store.get_run(run_id)
        options = dict(run.options) if run is not None else {}
        evals = list(s.scalars(select(EvaluationRow).where(EvaluationRow.run_id == run_id).order_by(EvaluationRow.id)))
        items = {i.item_id: i for i in s.scalars(select(ItemRow).where(ItemRow.run_id == run_id))}
        # streamed in batches: holding every ORM row of a 20,000-sample run next to its view doubled
        # the memory a run peaks at while it is analysed
        rows = s.scalars(
            select(SampleRow)
            .where(SampleRow.run_id == run_id)
            .options(
                selectinload(SampleRow.scores),
                # the transcript texts stay in the store and the logs: no metric reads them
                defer(SampleRow.input_text),
                defer(SampleRow.output_text),
            )
            .order_by(SampleRow.evaluation_id, SampleRow.item_id, SampleRow.epoch)
            .execution_options(yield_per=1000)
        )
        by_eval = {e.id: e for e in evals}
        shared = _Shared()
        ctxs: dict[str, AnalysisContext] = {}
        views: dict[str, list[SampleView]] = defaultdict(list)
        for e in evals:
            ctxs.setdefault(e.target, AnalysisContext(run_id, e.target, [], [], confidence, options))
            ctxs[e.target].evaluations.append(
                EvaluationView(
                    e.id,
                    e.task,
                    dict(e.task_args),
                    list(e.domains),
                    e.target,
                    e.log_path,
                    e.status,
                    e.n_samples,
                    e.n_errors,
                    dict(e.task_metrics),
                )
            )
        for r in rows:
            ev = by_eval[r.evaluation_id]
            it: ItemRow | None = items.get(r.item_id)
            scores = {
                shared(sc.scorer): ScoreView(
                    sc.value,
                    shared(sc.answer),
                    shared(sc.explanation),
                    shared(sc.meta),
                    shared(sc.scorer_version),
                    sc.judge_model,
                )
                for sc in sorted(r.scores, key=lambda x: x.scorer)
            }
            views[ev.target].append(
                SampleView(
                    sample_pk=r.id,
                    evaluation_id=r.evaluation_id,
                    task=ev.task,
                    target=ev.target,
                    item_id=r.item_id,
                    seed_id=it.seed_id if it else "",
                    domain=it.domain if it else "",
                    category=it.category if it else "",
                    severity=it.severity if it else "",
                    harmful=it.harmful if it else None,
                    family=it.family if it else "none",
                    transforms=shared(it.transforms) if it else [],
                    framing=it.framing if it else "plain",
                    twin_id=it.twin_id if it else None,
                    extra=shared(it.extra) if it else {},
                    epoch=r.epoch,
                    error=r.error,
                    input_tokens=r.input_tokens,
                    output_tokens=r.output_tokens,
                    latency_s=r.latency_s,
                    scores=scores,
                )
            )
        for target, vs in views.items():
            ctxs[target].samples = vs
        return ctxs
