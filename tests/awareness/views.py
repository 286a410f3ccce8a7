"""Build analysis views straight from an Inspect log (what the store would hold), for tests."""

from __future__ import annotations

from pathlib import Path

from inspect_ai.log import read_eval_log

from frontiergate.analysis.context import AnalysisContext, SampleView, ScoreView


def context_from_log(path: str | Path, target: str = "test") -> AnalysisContext:
    log = read_eval_log(str(path))
    views: list[SampleView] = []
    for i, s in enumerate(log.samples or []):
        m = s.metadata
        scores = {
            name: ScoreView(float(sc.value) if isinstance(sc.value, int | float) else None, sc.answer,
                            sc.explanation, dict(sc.metadata or {}))
            for name, sc in (s.scores or {}).items()
        }
        views.append(SampleView(
            sample_pk=i, evaluation_id=1, task=log.eval.task, target=target, item_id=str(s.id),
            seed_id=m["seed_id"], domain=m["domain"], category=m["category"], severity=m["severity"],
            harmful=m["harmful"], family=m["family"], transforms=list(m["transforms"]), framing=m["framing"],
            twin_id=m["twin_id"], extra=dict(m["extra"]), epoch=s.epoch, error=None, input_tokens=0, output_tokens=0,
            latency_s=None, scores=scores,
        ))
    return AnalysisContext(run_id="test", target=target, samples=views, evaluations=[])
