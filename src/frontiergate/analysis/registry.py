"""Metric registry.

A metric is a function ``(ctx, domain) -> list[FindingData]``. It returns nothing when the
domain has no relevant samples. Its first finding with ``slice == "all"`` is the headline the
decision compares with thresholds; other slices (per transform family, per framing...) are
breakdowns for the report.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from frontiergate.analysis.context import AnalysisContext
from frontiergate.stats.intervals import wilson_interval


@dataclass
class FindingData:
    domain: str
    metric: str
    n: int
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    k: int | None = None
    slice: str = "all"
    test: str | None = None
    p_value: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def rate_finding(
    domain: str,
    metric: str,
    outcomes: Iterable[bool],
    confidence: float,
    slice_: str = "all",
    details: Mapping[str, Any] | None = None,
) -> FindingData:
    """A proportion finding with its n and Wilson interval: the shape of most headline metrics."""
    vals = list(outcomes)
    est = wilson_interval(sum(vals), len(vals), confidence)
    return FindingData(
        domain=domain,
        metric=metric,
        n=est.n,
        k=est.k,
        estimate=est.estimate,
        ci_low=est.low,
        ci_high=est.high,
        slice=slice_,
        test=f"Wilson {int(confidence * 100)}%",
        details=dict(details or {}),
    )


MetricFn = Callable[[AnalysisContext, str], list[FindingData]]


@dataclass(frozen=True)
class MetricSpec:
    name: str
    description: str
    fn: MetricFn
    higher_is_worse: bool = True


_METRICS: dict[str, MetricSpec] = {}
_loaded = False


def register_metric(name: str, description: str, *, higher_is_worse: bool = True) -> Callable[[MetricFn], MetricFn]:
    def deco(fn: MetricFn) -> MetricFn:
        _METRICS[name] = MetricSpec(name, description, fn, higher_is_worse)
        return fn

    return deco


def load_metric_modules() -> None:
    """Import every ``frontiergate.analysis.metrics_*`` module (each registers its metrics)."""
    global _loaded
    if _loaded:
        return
    import frontiergate.analysis as pkg

    for mod in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if mod.name.startswith("metrics_"):
            importlib.import_module(f"frontiergate.analysis.{mod.name}")
    _loaded = True


def metrics() -> dict[str, MetricSpec]:
    load_metric_modules()
    return dict(sorted(_METRICS.items()))


def metric_exists(name: str) -> bool:
    return name in metrics()


def metric_direction(name: str) -> str | None:
    """``higher_is_worse`` or ``lower_is_worse`` as the metric was registered (None: not registered)."""
    spec = metrics().get(name)
    return None if spec is None else ("higher_is_worse" if spec.higher_is_worse else "lower_is_worse")
