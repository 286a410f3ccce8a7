"""Run the elicitation grid (agents x thinking budget) and turn its logs into curves and findings.

One Inspect evaluation per budget, each on ``contemplate/<model>`` with the *largest* agent count
only; smaller agent counts are resampled from its answers (see ``curves``). The logs are read
directly, so the grid works without a store; inside ``frontiergate run`` the same metrics read
the store instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from inspect_ai import eval as inspect_eval
from inspect_ai.log import EvalLog

from frontiergate.analysis.context import AnalysisContext, SampleView, ScoreView
from frontiergate.analysis.registry import FindingData
from frontiergate.elicitation.curves import CurvePoint, curve_points, outcome_from_meta
from frontiergate.errors import FrontiergateError
from frontiergate.models.contemplating import MAX_AGENTS
from frontiergate.pipeline.parts import base_task_name

DisplayType = Literal["full", "conversation", "rich", "plain", "log", "none"]


@dataclass
class GridResult:
    target: str
    logs: list[EvalLog]
    context: AnalysisContext
    points: list[CurvePoint]
    findings: list[FindingData] = field(default_factory=list)


def parse_agents(text: str) -> list[int]:
    try:
        agents = sorted({int(a) for a in text.split(",") if a.strip()})
    except ValueError:
        raise FrontiergateError(
            f"--agents '{text}' is not a comma list of integers", "write e.g. --agents 1,2,4,8"
        ) from None
    if not agents or agents[0] < 1 or agents[-1] > MAX_AGENTS:
        raise FrontiergateError(f"--agents '{text}' must lie in 1..{MAX_AGENTS}", "write e.g. --agents 1,2,4,8")
    return agents


def parse_budgets(text: str) -> list[int | None]:
    out: list[int | None] = []
    for b in (x.strip().lower() for x in text.split(",") if x.strip()):
        if b in ("none", "0"):
            out.append(None)
            continue
        try:
            v = int(b)
        except ValueError:
            raise FrontiergateError(
                f"--budgets entry '{b}' is not a token count", "write e.g. --budgets none,64,256"
            ) from None
        if v < 1:
            raise FrontiergateError(f"--budgets entry '{b}' must be positive", "use 'none' for no thinking budget")
        out.append(v)
    if not out:
        raise FrontiergateError("--budgets is empty", "write e.g. --budgets none,64,256")
    return list(dict.fromkeys(out))


def _score_value(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    return None


def context_from_logs(logs: Sequence[EvalLog], target: str, options: dict[str, Any] | None = None) -> AnalysisContext:
    """An AnalysisContext over the samples of ``logs`` (the same view metrics get from the store)."""
    views: list[SampleView] = []
    pk = 0
    for li, log in enumerate(logs):
        for s in log.samples or []:
            pk += 1
            meta = dict(s.metadata or {})
            scores = {
                name: ScoreView(
                    _score_value(sc.value),
                    None if sc.answer is None else str(sc.answer),
                    sc.explanation,
                    dict(sc.metadata or {}),
                    str((sc.metadata or {}).get("scorer_version", "")),
                )
                for name, sc in (s.scores or {}).items()
            }
            usage = list((s.model_usage or {}).values())
            views.append(
                SampleView(
                    sample_pk=pk,
                    evaluation_id=li,
                    task=base_task_name(log.eval.task),  # logs of a run split into parts carry -partKofN
                    target=target,
                    item_id=str(meta.get("item_id") or s.id),
                    seed_id=str(meta.get("seed_id") or ""),
                    domain=str(meta.get("domain") or ""),
                    category=str(meta.get("category") or ""),
                    severity=str(meta.get("severity") or ""),
                    harmful=None,
                    family=str(meta.get("family") or "none"),
                    transforms=list(meta.get("transforms") or []),
                    framing=str(meta.get("framing") or "plain"),
                    twin_id=None,
                    extra=dict(meta.get("extra") or {}),
                    epoch=s.epoch,
                    error=s.error.message if s.error else None,
                    input_tokens=sum(u.input_tokens for u in usage),
                    output_tokens=sum(u.output_tokens for u in usage),
                    latency_s=s.total_time,
                    scores=scores,
                )
            )
    return AnalysisContext(
        run_id="elicit-grid", target=target, samples=views, evaluations=[], options=dict(options or {})
    )


def findings_for(ctx: AnalysisContext) -> list[FindingData]:
    """The elicitation metrics for every domain in ``ctx``."""
    from frontiergate.analysis.metrics_elicitation import (
        capability_accuracy,
        contemplation_latency_overhead,
        elicitation_gap,
    )

    out: list[FindingData] = []
    for domain in sorted({s.domain for s in ctx.samples if s.domain}):
        for fn in (capability_accuracy, elicitation_gap, contemplation_latency_overhead):
            out.extend(fn(ctx, domain))
    return out


def points_from_context(
    ctx: AnalysisContext, agents: Sequence[int] | None = None, lam: float = 0.0
) -> list[CurvePoint]:
    outcomes = []
    for s in ctx.samples:
        sc = s.scores.get("capability_match")
        if sc is not None and s.error is None:
            o = outcome_from_meta(s.item_id, s.domain, sc.value, sc.meta)
            if o is not None:
                outcomes.append(o)
    return curve_points(outcomes, agents=agents, lam=lam)


def run_grid(
    model: str,
    agents: Sequence[int],
    budgets: Sequence[int | None],
    *,
    task_args: dict[str, Any] | None = None,
    model_args: dict[str, Any] | None = None,
    aggregator: str = "vote",
    limit: int | None = None,
    log_dir: Path = Path("logs-elicit"),
    lam: float = 0.0,
    display: DisplayType = "none",
) -> GridResult:
    """Run one evaluation per budget at max(agents) agents and compute every grid point."""
    import frontiergate._registry  # noqa: F401  (registers contemplate/ and frontiergate/)
    from frontiergate.tasks.capability import capability

    n_max = max(agents)
    target = model if n_max == 1 and aggregator == "vote" else f"contemplate/{model}"
    margs = dict(model_args or {})
    if target.startswith("contemplate/"):
        margs.update(agents=n_max, aggregator=aggregator)
    tasks = [capability(budget=b, **(task_args or {})) for b in budgets]
    logs = inspect_eval(
        tasks,
        model=target,
        model_args=margs,
        log_dir=str(log_dir),
        limit=limit,
        display=display,
        log_realtime=False,
        score_display=False,
    )
    failed = [lg for lg in logs if lg.status != "success"]
    if failed:
        err = failed[0].error.message if failed[0].error else failed[0].status
        raise FrontiergateError(
            f"elicitation grid evaluation failed on {target}: {err}",
            "check the model string and -M model args",
        )
    ctx = context_from_logs(logs, target, {"length_penalty": lam})
    return GridResult(target, logs, ctx, points_from_context(ctx, agents, lam), findings_for(ctx))
