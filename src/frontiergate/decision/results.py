"""The decision's result types and the action order, shared by the engine and its gates.

Kept apart from ``engine`` so that the safeguard gate, the alerts and the lineage comparison can
read a domain's decision without importing the engine that calls them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from frontiergate.policy.schema import Level

ACTION_ORDER = ("none", "deploy", "deploy_with_safeguards", "do_not_deploy", "stop_scaling")
HOLD = "do_not_deploy"
SAFEGUARDED_ACTION = "deploy_with_safeguards"


def worse_action(a: str, b: str) -> str:
    return a if ACTION_ORDER.index(a) >= ACTION_ORDER.index(b) else b


@dataclass
class CriterionResult:
    metric: str
    status: str  # evaluated | undetermined | insufficient_evidence | not_evaluated
    level: Level | None = None
    finding: dict[str, Any] | None = None
    decisive_value: float | None = None
    bound: str = "upper"
    threshold_crossed: str | None = None
    confidence: str = "none"
    notes: list[str] = field(default_factory=list)
    level_possible: Level | None = None
    decisive_low: float | None = None
    decisive_high: float | None = None
    seeds: int | None = None
    seeds_to_settle: int | None = None
    why_insufficient: list[str] = field(default_factory=list)
    kind: str = "propensity"  # capability | propensity (the policy criterion's effective kind)
    scenario: str | None = None  # the threat scenario this criterion speaks to

    @property
    def estimate(self) -> float | None:
        v = (self.finding or {}).get("estimate")
        return None if v is None else float(v)


@dataclass
class DomainDecision:
    domain: str
    required: bool
    status: str
    level: Level | None
    action: str
    confidence: str
    rationale: str
    criteria: list[CriterionResult] = field(default_factory=list)
    limitations: list[str] = field(default_factory=list)
    level_possible: Level | None = None
    more_seeds_needed: int | None = None
    threat_scenarios: list[dict[str, Any]] = field(default_factory=list)
    safeguards: dict[str, Any] | None = None
    residual: dict[str, Any] | None = None
    alerts: list[dict[str, Any]] = field(default_factory=list)
    previous_alert_requirements: list[dict[str, Any]] = field(default_factory=list)

    def criterion(self, metric: str) -> CriterionResult | None:
        return next((c for c in self.criteria if c.metric == metric), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "required": self.required,
            "status": self.status,
            "level": self.level,
            "level_possible": self.level_possible,
            "action": self.action,
            "confidence": self.confidence,
            "rationale": self.rationale,
            "limitations": self.limitations,
            "more_seeds_needed": self.more_seeds_needed,
            "criteria": [dict(c.__dict__) for c in self.criteria],
            "threat_scenarios": self.threat_scenarios,
            "safeguards": self.safeguards,
            "residual": self.residual,
            "alerts": self.alerts,
            "previous_alert_requirements": self.previous_alert_requirements,
        }
