"""Build AnalysisContexts from the store (the only input metrics ever see)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import defer, selectinload

from frontiergate.analysis.context import AnalysisContext, EvaluationView, SampleView, ScoreView
from frontiergate.store.db import Store
from frontiergate.store.models import EvaluationRow, ItemRow, SampleRow


class _Shared:
    """One copy of each repeated string and JSON value in the stored rows (score metadata, item extras).

    Why: every stored row decodes into its own objects, so 20,000 samples' score metadata (a handful
    of distinct dicts, repeated for every sample) held ~140,000 dicts and ~600,000 strings, most of
    the memory an analysis of a long sweep needs. Equal values (equal as JSON, key order included,
    so ``1``, ``1.0`` and ``True`` stay apart) become one object; views are read-only, and nothing
    that reads them mutates a value in place. A value seen once still shares its keys and short
    strings.
    """

    _MAX_KEY = 4096  # longer values are rarely repeated; not worth serialising to compare

    def __init__(self) -> None:
        self._strings: dict[str, str] = {}
        self._values: dict[str, Any] = {}

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._strings.setdefault(value, value) if len(value) <= 64 else value
        if isinstance(value, dict | list):
            if not value:
                return value
            try:
                key = json.dumps(value, separators=(",", ":"), allow_nan=True)
            except (TypeError, ValueError):
                return self._rebuild(value)
            if len(key) > self._MAX_KEY:
                return self._rebuild(value)
            found = self._values.get(key)
            if found is None:
                # the key string is only kept while the analysis loads; it is dropped with this object
                found = self._values[key] = self._rebuild(value)
            return found
        return value

    def _rebuild(self, value: dict[Any, Any] | list[Any]) -> Any:
        """A copy whose keys and items are shared in turn."""
        if isinstance(value, dict):
            return {self._strings.setdefault(k, k) if isinstance(k, str) else k: self(v) for k, v in value.items()}
        return [self(v) for v in value]


# seed_id, domain, category, severity, harmful, family, transforms, framing, twin_id, extra
_ItemFields = tuple[str, str, str, str, bool | None, str, list[str], str, str | None, dict[str, Any]]
_NO_ITEM: _ItemFields = ("", "", "", "", None, "none", [], "plain", None, {})


def _item_fields(session: Any, run_id: str, shared: _Shared) -> dict[str, _ItemFields]:
    """The item columns a view needs, as plain tuples of shared values.

    Why not ORM objects: a 20,000-item run's ``ItemRow`` instances (each with its own state and
    decoded JSON) cost tens of MiB while the views are built, and that transient peak set the run's
    peak memory.
    """
    cols = (
        ItemRow.item_id,
        ItemRow.seed_id,
        ItemRow.domain,
        ItemRow.category,
        ItemRow.severity,
        ItemRow.harmful,
        ItemRow.family,
        ItemRow.transforms,
        ItemRow.framing,
        ItemRow.twin_id,
        ItemRow.extra,
    )
    out: dict[str, _ItemFields] = {}
    for row in session.execute(select(*cols).where(ItemRow.run_id == run_id).execution_options(yield_per=2000)):
        item_id, seed, domain, category, severity, harmful, family, transforms, framing, twin, extra = row
        out[item_id] = (
            shared(seed),
            shared(domain),
            shared(category),
            shared(severity),
            harmful,
            shared(family),
            shared(transforms),
            shared(framing),
            twin,
            shared(extra),
        )
    return out


def load_contexts(store: Store, run_id: str, confidence: float = 0.95) -> dict[str, AnalysisContext]:
    """One context per target, samples in a stable order (evaluation, item, epoch)."""
    with store.session() as s:
        run = store.get_run(run_id)
        options = dict(run.options) if run is not None else {}
        evals = list(s.scalars(select(EvaluationRow).where(EvaluationRow.run_id == run_id).order_by(EvaluationRow.id)))
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
        items = _item_fields(s, run_id, shared)
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
            it = items.get(r.item_id, _NO_ITEM)
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
                    seed_id=it[0],
                    domain=it[1],
                    category=it[2],
                    severity=it[3],
                    harmful=it[4],
                    family=it[5],
                    transforms=it[6],
                    framing=it[7],
                    twin_id=it[8],
                    extra=it[9],
                    epoch=r.epoch,
                    error=shared(r.error),
                    input_tokens=r.input_tokens,
                    output_tokens=r.output_tokens,
                    latency_s=r.latency_s,
                    scores=scores,
                )
            )
        for target, vs in views.items():
            ctxs[target].samples = vs
        return ctxs


def mixed_scorer_versions(ctx: AnalysisContext, release: Iterable[str] = ()) -> tuple[str, ...]:
    """Where one target's samples of one task carry more than one version of the same scorer, per
    affected domain: one line each, naming the versions (empty: every scorer scored with one version).

    Why: a run resumed under another release (or rows merged from two) keeps the first release's
    scores for the reused samples, so one rate would mix two scoring rules; such a domain's evidence
    is not one measurement and must not clear it. Samples without a recorded version are not counted.
    ``release`` holds the versions the run's release writes (its recorded scorer versions): one scorer
    may write two of them by path (the bias judge on the rules path and with a grader), which is one
    release, not two.
    """
    one_release = frozenset(release)
    versions: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for s in ctx.samples:
        for name, sc in s.scores.items():
            if sc.scorer_version:
                versions[(s.domain, s.task, name)].add(sc.scorer_version)
    per_domain: dict[str, list[str]] = defaultdict(list)
    for (domain, task, name), vs in sorted(versions.items()):
        if len(vs) > 1 and not vs <= one_release:
            per_domain[domain].append(f"{name} of {task} ({', '.join(sorted(vs))})")
    return tuple(
        f"{domain or 'unlabelled'}: samples scored by more than one scorer version, {'; '.join(what)}; "
        "rerun with one release"
        for domain, what in sorted(per_domain.items())
    )
