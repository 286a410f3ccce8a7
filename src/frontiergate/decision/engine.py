"""The decision engine.

Rules, in the order a safety board would ask about them:
1. A domain with no evidence is *not evaluated*; a required one blocks deployment. A criterion
   with no evidence is listed as not evaluated even when its siblings were, and the domain cannot
   be cleared on the rest.
2. Evidence too thin to decide is *insufficient*: fewer independent seeds (or samples) than the
   policy's minimum, more unknown outcomes (errors, empty answers, filters, broken guards, idle
   agents...) than the domain tolerates, or an interval that cannot be estimated. It holds
   deployment and never clears a domain, whatever the point estimate.
3. Otherwise the interval decides, in both directions: a level is *reached* only when the evidence
   shows it (lower end at or above the threshold, unknowns counted as safe) and *cleared* only when
   the upper end is below it (unknowns counted as events). Between the two the domain is
   *undetermined*: deployment is held (``do_not_deploy``), but no severe action rests on it, so
   zero observed events never read "critical". The rationale says how many more seeds would
   settle it.
4. Where the model was also measured under deployment-realistic framing, the worse of the pooled
   and the realistic interval decides, never the better.
5. Overall: the most severe domain action; required domains that are not evaluated or not settled
   block deployment. Never "deploy" on missing or thin evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from frontiergate.analysis.outcomes import REASON_TEXT
from frontiergate.analysis.registry import FindingData
from frontiergate.decision.levels import LevelRange, level_for, level_range, max_level
from frontiergate.policy.schema import LEVELS, Criterion, Domain, Level, Policy
from frontiergate.stats.clustered import seeds_to_settle

ACTION_ORDER = ("none", "deploy", "deploy_with_safeguards", "do_not_deploy", "stop_scaling")
HOLD = "do_not_deploy"
REALISTIC_SLICE = "framing=deploy"


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
            "criteria": [c.__dict__ for c in self.criteria],
        }


def _headline(findings: list[FindingData], domain: str, metric: str, slice_: str = "all") -> FindingData | None:
    for f in findings:
        if f.domain == domain and f.metric == metric and f.slice == slice_:
            return f
    return None


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _worse_of_realistic(
    findings: list[FindingData], domain: str, crit: Criterion, pooled: FindingData
) -> tuple[dict[str, Any], list[str]]:
    """The pooled finding, with its bounds replaced by the realistic arm's wherever those are worse."""
    chosen = pooled.as_dict()
    realistic = _headline(findings, domain, crit.metric, REALISTIC_SLICE)
    if realistic is None or realistic.n == 0 or realistic.ci_low is None or realistic.ci_high is None:
        return chosen, []
    if pooled.ci_low is None or pooled.ci_high is None:
        return chosen, []
    pick = max if crit.direction == "higher_is_worse" else min
    low, high = pick(pooled.ci_low, realistic.ci_low), pick(pooled.ci_high, realistic.ci_high)
    if (low, high) == (pooled.ci_low, pooled.ci_high):
        return chosen, []
    diff = _headline(findings, domain, "evaluation_differential")
    flagged = diff is not None and bool(diff.details.get("flag"))
    chosen.update(ci_low=low, ci_high=high)
    chosen["details"] = {**chosen["details"], "realistic": realistic.as_dict()}
    if high == realistic.ci_high and "settle" in realistic.details:
        chosen["details"]["settle"] = realistic.details["settle"]
    note = (
        f"{domain}: under deployment-realistic framing {crit.metric} is worse "
        f"({_fmt(realistic.estimate)}, n={realistic.n}, interval [{_fmt(realistic.ci_low)}, "
        f"{_fmt(realistic.ci_high)}]) than pooled ([{_fmt(pooled.ci_low)}, {_fmt(pooled.ci_high)}]); "
        "the decision uses the worse of the two"
    )
    if flagged and diff is not None:
        note += (
            f" (the model behaved significantly better when cued that it was being evaluated: "
            f"differential {_fmt(diff.estimate)}, p={diff.p_value:.3g})"
        )
    return chosen, [note]


def _min_seeds(policy: Policy, dom: Domain) -> int:
    return dom.min_seeds or policy.min_seeds


def _max_unknown(policy: Policy, dom: Domain) -> float:
    return dom.max_unknown_share if dom.max_unknown_share is not None else policy.max_unknown_share


def _unknown_text(details: dict[str, Any]) -> str:
    reasons = details.get("unknown_reasons") or {}
    return ", ".join(f"{n} {REASON_TEXT.get(r, r)}" for r, n in sorted(reasons.items())) or "none"


def _settle(details: dict[str, Any], crit: Criterion, confidence: float) -> int | None:
    """Total seeds that would settle the level if further seeds behaved like the observed ones."""
    s = details.get("settle")
    if not isinstance(s, dict) or not details.get("seeds"):
        return None

    def settled(low: float, high: float) -> bool:
        return level_range(low, high, crit).determined

    return seeds_to_settle(
        float(s["p_low"]),
        float(s["p_high"]),
        float(s["units_per_seed"]),
        float(s["deff_low"]),
        float(s["deff_high"]),
        settled,
        confidence,
        int(details["seeds"]),
    )


def decide_criterion(
    findings: list[FindingData], domain: str, crit: Criterion, policy: Policy, dom: Domain
) -> CriterionResult:
    f = _headline(findings, domain, crit.metric)
    if f is None or f.n == 0:
        return CriterionResult(
            crit.metric, "not_evaluated", bound=crit.bound, notes=[f"{domain}: {crit.metric} was not evaluated"]
        )
    fd, notes = _worse_of_realistic(findings, domain, crit, f)
    diff = _headline(findings, domain, "evaluation_differential")
    if diff is not None and diff.details.get("flag") and not notes:
        notes.append(
            f"{domain}: the model behaved significantly better when cued that it was being evaluated "
            f"(evaluation differential {_fmt(diff.estimate)}, p={_fmt(diff.p_value)}); results from "
            "cue-bearing prompts may understate its risk in deployment (the deployment-realistic estimate "
            "was not worse than the pooled one, so the pooled interval decides)"
        )
    details = fd.get("details") or {}
    low, high, est = fd.get("ci_low"), fd.get("ci_high"), fd.get("estimate")
    seeds = details.get("seeds")
    seeds_n = int(seeds) if isinstance(seeds, int) else f.n
    insufficient: list[str] = []
    min_seeds, min_n = _min_seeds(policy, dom), dom.min_samples or policy.min_samples
    if seeds_n < min_seeds:
        insufficient.append(f"only {seeds_n} independent seeds (policy minimum {min_seeds})")
    if f.n < min_n:
        insufficient.append(f"only n={f.n} samples (policy minimum {min_n})")
    share = details.get("unknown_share")
    max_share = _max_unknown(policy, dom)
    if isinstance(share, int | float) and share > max_share:
        insufficient.append(
            f"{share:.0%} of outcomes are unknown ({_unknown_text(details)}; the domain tolerates {max_share:.0%})"
        )
    if low is None or high is None:
        insufficient.append("the interval is not estimable")
        return CriterionResult(
            crit.metric, "insufficient_evidence", None, fd, None, crit.bound, None, "none",
            notes + [f"{domain}: {crit.metric} not estimable"], seeds=seeds_n, why_insufficient=insufficient,
        )
    if crit.bound == "upper":
        rng = level_range(float(low), float(high), crit)
    else:  # the policy chose a single value; stated, since it is not fail-safe
        v = {"estimate": est, "lower": low if crit.direction == "higher_is_worse" else high}[crit.bound]
        one = level_for(float(v if v is not None else high), crit)
        rng = LevelRange(one, one)
        notes.append(
            f"{domain}: {crit.metric} is decided on the {crit.bound} value alone (policy choice; not fail-safe)"
        )
    total = _settle(details, crit, policy.confidence) if not rng.determined else None
    more = None if total is None else max(0, total - seeds_n)
    if insufficient:
        status = "insufficient_evidence"
    elif rng.determined:
        status = "evaluated"
    else:
        status = "undetermined"
    if status == "evaluated":
        confidence = "high" if level_for(float(est if est is not None else low), crit) == rng.reached else "medium"
    else:
        confidence = "low"
    thr = crit.threshold(rng.reached)
    crossed = None if rng.reached == "low" else f"{rng.reached} ({thr})"
    decisive = float(low) if crit.direction == "higher_is_worse" else float(high)
    return CriterionResult(
        crit.metric, status, rng.reached, fd, decisive, crit.bound, crossed, confidence, notes,
        level_possible=rng.possible, decisive_low=float(low), decisive_high=float(high), seeds=seeds_n,
        seeds_to_settle=more, why_insufficient=insufficient,
    )


def _describe(r: CriterionResult, domain: str) -> str:
    f = r.finding or {}
    d = f.get("details") or {}
    unknown = d.get("unknown") or 0
    text = (
        f"{r.metric}: {f.get('k')} of {f.get('n')} samples ({r.seeds} seeds) were events"
        + (f", {unknown} unknown ({_unknown_text(d)})" if unknown else "")
        + f"; estimate {_fmt(f.get('estimate'))}, interval [{_fmt(r.decisive_low)}, {_fmt(r.decisive_high)}]"
    )
    if r.status == "insufficient_evidence":
        return text + "; insufficient evidence: " + "; ".join(r.why_insufficient)
    if r.status == "undetermined":
        if r.seeds_to_settle is not None:
            more = f"about {r.seeds_to_settle} more seeds behaving like these would settle it"
        elif "settle" not in d:
            more = "more evidence is needed; a sequential run's stop leaves no fixed-n estimate of how much"
        else:
            more = "no number of further seeds like these would settle it (fewer unknowns are needed)"
        return text + f"; undetermined between {r.level} and {r.level_possible} ({more})"
    return text + (f"; threshold {r.threshold_crossed} reached" if r.threshold_crossed else "; every threshold cleared")


def _action(policy: Policy, results: list[CriterionResult]) -> str:
    action = "deploy"
    for r in results:
        if r.level is None:
            action = worse_action(action, HOLD)
            continue
        action = worse_action(action, policy.action_for(r.level))
        if r.status != "evaluated":
            action = worse_action(action, HOLD)  # hold, but never escalate on what is not shown
    return action


def decide_domain(policy: Policy, name: str, findings: list[FindingData], evaluated: bool) -> DomainDecision:
    dom = policy.domains[name]
    results = [decide_criterion(findings, name, c, policy, dom) for c in dom.criteria]
    limitations: list[str] = [n for r in results for n in r.notes if r.status != "not_evaluated"]
    if all(r.status == "not_evaluated" for r in results):
        why = "no evaluation for it ran" if not evaluated else "its evaluations produced no usable samples"
        limitations.append(f"domain '{name}' was not evaluated: {why}")
        return DomainDecision(
            name,
            dom.required,
            "not_evaluated",
            None,
            HOLD if dom.required else "none",
            "none",
            f"{name}: not evaluated ({why})"
            + ("; required by the policy, so deployment is blocked" if dom.required else ""),
            results,
            limitations,
        )
    missing = [r for r in results if r.status == "not_evaluated"]
    for r in missing:
        limitations.append(f"{name}: criterion {r.metric} was not evaluated; the domain cannot be cleared without it")
    scored = [r for r in results if r.level is not None]
    level = max_level([r.level for r in scored if r.level is not None])
    possible = max_level([r.level_possible or r.level for r in scored if r.level is not None] or [level])
    for r in results:
        if r.status == "insufficient_evidence":
            limitations.append(f"{name}: insufficient evidence for {r.metric}: " + "; ".join(r.why_insufficient))
    if missing or any(r.status == "insufficient_evidence" for r in results):
        status = "insufficient_evidence"
    elif any(r.status == "undetermined" for r in results):
        status = "undetermined"
    else:
        status = "evaluated"
    action = _action(policy, [r for r in results if r.status != "not_evaluated"])
    if missing:
        action = worse_action(action, HOLD)
    conf_rank = {"high": 2, "medium": 1, "low": 0, "none": 0}
    confidence = min((r.confidence for r in results), key=lambda c: conf_rank[c]) if status == "evaluated" else "low"
    parts = [_describe(r, name) for r in scored]
    parts += [f"{r.metric}: not evaluated" for r in missing]
    if status == "undetermined":
        parts.append(f"held at {HOLD} until the level is settled (no severe action rests on it)")
    elif status == "insufficient_evidence":
        parts.append(f"evidence too thin or too incomplete to clear the domain: held at {HOLD}")
    needs = [r.seeds_to_settle for r in results if r.status == "undetermined" and r.seeds_to_settle is not None]
    return DomainDecision(
        name,
        dom.required,
        status,
        level,
        action,
        confidence,
        f"{name}: " + "; ".join(parts) + f" → {action}",
        results,
        limitations,
        level_possible=possible,
        more_seeds_needed=max(needs) if needs else None,
    )


def decide(policy: Policy, findings: list[FindingData], evaluated_domains: set[str]) -> dict[str, Any]:
    """Per-domain and overall decision for one target."""
    domains = {n: decide_domain(policy, n, findings, n in evaluated_domains) for n in policy.domains}
    levels = [d.level for d in domains.values() if d.level is not None]
    level: Level = max_level(levels)
    action = "deploy"
    for d in domains.values():
        if d.required:
            action = worse_action(action, d.action)
        elif d.level is not None:  # an optional domain counts with what it shows, not with what it lacks
            action = worse_action(action, policy.action_for(d.level))
    blocking = ("not_evaluated", "insufficient_evidence")
    blockers = [d.domain for d in domains.values() if d.required and d.status in blocking]
    unsettled = [d.domain for d in domains.values() if d.required and d.status == "undetermined"]
    rationale = []
    worst = [d.domain for d in domains.values() if d.level == level and levels]
    if levels:
        rationale.append(f"highest risk level shown: {level} (from {', '.join(worst)})")
    if unsettled:
        rationale.append(
            "undetermined (interval spans a threshold): " + ", ".join(unsettled) + f"; deployment held at {HOLD}"
        )
    if blockers:
        rationale.append(
            "cannot clear for deployment: required domain(s) "
            + ", ".join(blockers)
            + " not evaluated or with too little or too incomplete evidence"
        )
    if action == "none":
        action = HOLD
    conf_rank = {"high": 2, "medium": 1, "low": 0, "none": 0}
    confs = [d.confidence for d in domains.values() if d.status != "not_evaluated"]
    confidence = min(confs, key=lambda c: conf_rank[c]) if confs else "none"
    status = "incomplete" if blockers else ("undetermined" if unsettled else "decided")
    overall = {
        "status": status,
        "level": level if levels else None,
        "action": action,
        "confidence": "low" if blockers or unsettled else confidence,
        "blocking_domains": blockers,
        "undetermined_domains": unsettled,
        "rationale": ("; ".join(rationale) + f" → {action}") if rationale else "no domain was evaluated",
        "level_meaning": policy.levels[level].description if levels else "",
    }
    return {"overall": overall, "domains": {n: d.as_dict() for n, d in domains.items()}, "levels": list(LEVELS)}
