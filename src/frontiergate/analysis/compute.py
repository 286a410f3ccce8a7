"""Compute every registered metric for every domain and target of a run."""

from __future__ import annotations

import math
from typing import Any

from frontiergate.analysis.context import AnalysisContext
from frontiergate.analysis.registry import FindingData, metrics
from frontiergate.policy.schema import Policy


def clean_floats(x: Any) -> Any:
    """Round floats so that a report recomputed on another machine gives the same bytes."""
    if isinstance(x, float):
        return None if math.isnan(x) else round(x, 10)
    if isinstance(x, dict):
        return {str(k): clean_floats(v) for k, v in sorted(x.items(), key=lambda kv: str(kv[0]))}
    if isinstance(x, list | tuple):
        return [clean_floats(v) for v in x]
    return x


def domains_of(ctx: AnalysisContext, policy: Policy) -> list[str]:
    seen = set(policy.domains)
    seen |= {s.domain for s in ctx.samples if s.domain}
    for e in ctx.evaluations:
        seen |= set(e.domains)
    return sorted(seen)


def compute_findings(ctx: AnalysisContext, policy: Policy) -> list[FindingData]:
    out: list[FindingData] = []
    for domain in domains_of(ctx, policy):
        for spec in metrics().values():
            for f in spec.fn(ctx, domain):
                f.estimate = clean_floats(f.estimate)
                f.ci_low = clean_floats(f.ci_low)
                f.ci_high = clean_floats(f.ci_high)
                f.p_value = clean_floats(f.p_value)
                f.details = clean_floats(f.details)
                out.append(f)
    return sorted(out, key=lambda f: (f.domain, f.metric, f.slice != "all", f.slice))
