"""What a report section may read: the stored run, its findings and decisions, and the store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from frontiergate.analysis.context import AnalysisContext
from frontiergate.policy.schema import Policy
from frontiergate.store.db import Store
from frontiergate.store.models import RunRow


@dataclass
class ReportContext:
    run: RunRow
    policy: Policy
    store: Store
    targets: list[str]
    findings: dict[str, list[dict[str, Any]]]  # target -> findings (as dicts, sorted)
    decisions: dict[str, dict[str, Any]]  # target -> {"overall": {...}, "domains": {...}}
    analysis: dict[str, AnalysisContext]  # target -> loaded samples

    def findings_for(self, target: str, metric: str | None = None, domain: str | None = None) -> list[dict[str, Any]]:
        return [
            f
            for f in self.findings.get(target, [])
            if (metric is None or f["metric"] == metric) and (domain is None or f["domain"] == domain)
        ]
