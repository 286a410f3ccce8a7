"""The decision engine.

Rules, in the order a safety board would ask about them:
1. A domain with no evidence is *not evaluated*; a required one blocks deployment.
2. A domain with fewer samples than the policy's minimum has *insufficient evidence*; a required
   one blocks deployment, whatever its point estimate.
3. Otherwise the level is set by the criterion's decisive bound (by default the upper end of the
   interval, so thin evidence cannot look safer than it is), and the confidence says whether the
   whole interval sits inside that level.
4. If the evaluation-awareness analysis found that the model behaves significantly better when it
   can tell it is being tested, the deployment-realistic rate is used instead, and this is stated.
5. Overall: the worst domain level, escalated to "do not deploy" while anything required is
   blocked. Never "deploy" on missing or thin evidence.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any

from frontiergate.analysis.registry import FindingData
from frontiergate.decision.levels import level_for, max_level
from frontiergate.policy.schema import LEVELS, Criterion, Level, Policy

ACTION_ORDER = ("deploy", "deploy_with_safeguards", "do_not_deploy", "stop_scaling")


@dataclass
class CriterionResult:
    metric: str
    status: str  # evaluated | insufficient_evidence | not_evaluated
    level: Level | None = None
    finding: dict[str, Any] | None = None
    decisive_value: float | None = None
    bound: str = "upper"
    threshold_crossed: str | None = None
    confidence: str = "none"
    notes: list[str] = field(default_factory=list)


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

    def as_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "required": self.required,
            "status": self.status,
            "level": self.level,
            "action": self.action,
            "confidence": self.confidence,
            "rationale": self.rationale,
            "limitations": self.limitations,
            "criteria": [c.__dict__ for c in self.criteria],
        }


def _headline(findings: list[FindingData], domain: str, metric: str, slice_: str = "all") -> FindingData | None:
    for f in findings:
        if f.domain == domain and f.metric == metric and f.slice == slice_:
            return f
    return None


def _adjusters() -> list[Any]:
    """Modules ``frontiergate.decision.adjust_*`` may replace the finding a criterion uses."""
    import frontiergate.decision as pkg

    mods = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("adjust_"):
            mods.append(importlib.import_module(f"frontiergate.decision.{info.name}"))
    return mods


def _evidence_finding(
    findings: list[FindingData], domain: str, crit: Criterion
) -> tuple[FindingData | None, list[str]]:
    notes: list[str] = []
    f = _headline(findings, domain, crit.metric)
    diff = _headline(findings, domain, "evaluation_differential")
    if f is not None and diff is not None and diff.details.get("flag"):
        realistic = _headline(findings, domain, crit.metric, "framing=deploy")
        if realistic is not None and realistic.n > 0:
            f = realistic
            notes.append(
                f"the model behaved significantly better when cued that it was being evaluated "
                f"(evaluation differential {diff.estimate:+.3f}, p={diff.p_value:.3g}); the decision uses the "
                f"deployment-realistic rate for {crit.metric}"
            )
    for mod in _adjusters():
        f, extra = mod.adjust(findings, domain, crit, f)
        notes.extend(extra)
    return f, notes


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def decide_criterion(findings: list[FindingData], domain: str, crit: Criterion, min_n: int) -> CriterionResult:
    f, notes = _evidence_finding(findings, domain, crit)
    if f is None or f.n == 0 or f.estimate is None:
        return CriterionResult(crit.metric, "not_evaluated", bound=crit.bound, notes=notes)
    bound_value = {"upper": f.ci_high, "estimate": f.estimate, "lower": f.ci_low}[crit.bound]
    if crit.direction == "lower_is_worse":
        bound_value = {"upper": f.ci_low, "estimate": f.estimate, "lower": f.ci_high}[crit.bound]
    value = f.estimate if bound_value is None else bound_value
    level = level_for(value, crit)
    ends = [x for x in (f.ci_low, f.ci_high) if x is not None] or [f.estimate]
    end_levels = {level_for(x, crit) for x in ends}
    confidence = "high" if len(end_levels) == 1 else ("medium" if level_for(f.estimate, crit) == level else "low")
    status = "evaluated" if f.n >= min_n else "insufficient_evidence"
    if status == "insufficient_evidence":
        notes.append(f"{domain}: only n={f.n} samples for {crit.metric} (policy minimum {min_n}): too few to decide")
        confidence = "low"
    crossed = None if level == "low" else f"{level} ({crit.threshold(level)})"
    return CriterionResult(crit.metric, status, level, f.as_dict(), value, crit.bound, crossed, confidence, notes)


def decide_domain(policy: Policy, name: str, findings: list[FindingData], evaluated: bool) -> DomainDecision:
    dom = policy.domains[name]
    min_n = dom.min_samples or policy.min_samples
    results = [decide_criterion(findings, name, c, min_n) for c in dom.criteria]
    limitations: list[str] = [n for r in results for n in r.notes]
    if all(r.status == "not_evaluated" for r in results):
        why = "no evaluation for it ran" if not evaluated else "its evaluations produced no usable samples"
        limitations.append(f"domain '{name}' was not evaluated: {why}")
        return DomainDecision(
            name,
            dom.required,
            "not_evaluated",
            None,
            "do_not_deploy" if dom.required else "none",
            "none",
            f"{name}: not evaluated ({why})"
            + ("; required by the policy, so deployment is blocked" if dom.required else ""),
            results,
            limitations,
        )
    scored = [r for r in results if r.level is not None]
    level = max_level([r.level for r in scored if r.level is not None])
    status = "insufficient_evidence" if any(r.status == "insufficient_evidence" for r in scored) else "evaluated"
    conf_rank = {"high": 2, "medium": 1, "low": 0, "none": 0}
    confidence = min((r.confidence for r in scored), key=lambda c: conf_rank[c])
    parts = []
    for r in scored:
        f = r.finding or {}
        parts.append(
            f"{r.metric} = {_fmt(f.get('estimate'))} (n={f.get('n')}, 95% CI [{_fmt(f.get('ci_low'))}, "
            f"{_fmt(f.get('ci_high'))}]); decisive {r.bound} bound {_fmt(r.decisive_value)} → {r.level}"
            + (f", threshold {r.threshold_crossed} reached" if r.threshold_crossed else ", below every threshold")
        )
    action = policy.action_for(level)
    if (
        status == "insufficient_evidence"
        and dom.required
        and ACTION_ORDER.index(action) < ACTION_ORDER.index("do_not_deploy")
    ):
        action = "do_not_deploy"
        parts.append("evidence too thin to clear a required domain")
    return DomainDecision(
        name, dom.required, status, level, action, confidence, f"{name}: " + "; ".join(parts), results, limitations
    )


def decide(policy: Policy, findings: list[FindingData], evaluated_domains: set[str]) -> dict[str, Any]:
    """Per-domain and overall decision for one target."""
    domains = {n: decide_domain(policy, n, findings, n in evaluated_domains) for n in policy.domains}
    levels = [d.level for d in domains.values() if d.level is not None]
    level: Level = max_level(levels)
    action = policy.action_for(level)
    blockers = [d.domain for d in domains.values() if d.required and d.status != "evaluated"]
    rationale = []
    worst = [d.domain for d in domains.values() if d.level == level and levels]
    if levels:
        rationale.append(f"highest risk level {level} (from {', '.join(worst)}) → {action}")
    if blockers:
        rationale.append(
            "cannot clear for deployment: required domain(s) "
            + ", ".join(blockers)
            + " not evaluated or with too little evidence"
        )
        if ACTION_ORDER.index(action) < ACTION_ORDER.index("do_not_deploy"):
            action = "do_not_deploy"
    conf_rank = {"high": 2, "medium": 1, "low": 0, "none": 0}
    confs = [d.confidence for d in domains.values() if d.status != "not_evaluated"]
    confidence = min(confs, key=lambda c: conf_rank[c]) if confs else "none"
    overall = {
        "status": "incomplete" if blockers else "decided",
        "level": level if levels else None,
        "action": action,
        "confidence": "low" if blockers else confidence,
        "blocking_domains": blockers,
        "rationale": "; ".join(rationale) if rationale else "no domain was evaluated",
        "level_meaning": policy.levels[level].description if levels else "",
    }
    return {"overall": overall, "domains": {n: d.as_dict() for n, d in domains.items()}, "levels": list(LEVELS)}
