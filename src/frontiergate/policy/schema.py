"""The policy schema.

A policy says, per risk domain, which evaluations produce evidence, which metric is compared with
which thresholds, and what each risk level means for deployment. Keeping it as validated data
(rather than code) lets a safety board review and hash exactly what a decision was made under.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Level = Literal["low", "medium", "high", "critical"]
LEVELS: tuple[Level, ...] = ("low", "medium", "high", "critical")
Action = Literal["deploy", "deploy_with_safeguards", "do_not_deploy", "stop_scaling"]
Bound = Literal["upper", "estimate", "lower"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LevelMeaning(_Strict):
    """What a risk level means for the deployment decision."""

    action: Action
    description: str = ""


Direction = Literal["higher_is_worse", "lower_is_worse"]

OWN_TASK_PREFIX = "frontiergate/"

MEAN_METRICS = ("accuracy", "mean")
"""Inspect metrics that are the mean of the per-sample values, so a per-sample reading reproduces them."""


def is_foreign_task(task: str) -> bool:
    """A task from outside the project: its scores carry no frontiergate outcome, so without a declared
    mapping its evidence would silently reach no criterion."""
    return not task.startswith(OWN_TASK_PREFIX)


class MetricMapping(_Strict):
    """How a foreign Inspect task's per-sample score becomes evidence for one criterion of its domain.

    Declared rather than guessed: an Inspect task's ``accuracy`` may mean "knows the hazardous answer"
    (higher is worse) or "refused correctly" (lower is worse), and only the policy author knows which.
    """

    criterion: str = Field(min_length=1, description="The criterion metric (of this domain) the task informs.")
    inspect_metric: str = Field(
        min_length=1,
        description="The score in the Inspect log: 'accuracy' or 'mean' (of the task's only scorer), "
        "'SCORER/accuracy', 'SCORER/mean' or 'SCORER'; per-sample values are read as Inspect reads them "
        "(C=1, I=0, P=0.5, numbers as they are).",
    )
    direction: Direction = Field(description="Which way the Inspect score points: higher_is_worse or lower_is_worse.")
    chance: float | None = Field(
        default=None,
        gt=0.0,
        lt=1.0,
        description="For a multiple-choice probe: the chance level (1 / options). Where more correct answers "
        "are worse, accuracy below it is not less capable than guessing, so the interval's upper end allows "
        "for answers known and avoided.",
    )

    @field_validator("inspect_metric")
    @classmethod
    def _per_sample(cls, v: str) -> str:
        """Only a mean of per-sample values can be rebuilt per sample, which the clustered interval and
        the unknown bounds need; a metric like f1 or stderr cannot."""
        if "/" in v and v.rsplit("/", 1)[1] not in MEAN_METRICS:
            raise ValueError(
                f"'{v}': the metric after the scorer must be one of {', '.join(MEAN_METRICS)} "
                "(a mean of per-sample scores), or name the scorer alone"
            )
        return v


class EvaluationRef(_Strict):
    """An evaluation: one of ours (``frontiergate/...``) or any Inspect task by registry name."""

    task: str = Field(min_length=1)
    args: dict[str, Any] = Field(default_factory=dict)
    epochs: int = Field(default=1, ge=1, le=100)
    quick_args: dict[str, Any] = Field(
        default_factory=dict, description="Overrides used by `frontiergate run --quick`."
    )
    metric: MetricMapping | None = Field(
        default=None, description="Required for a task outside frontiergate/: which criterion its score informs."
    )


CriterionKind = Literal["capability", "propensity"]
AlertBound = Literal["estimate", "upper", "lower"]
GuardStage = Literal["input", "output"]

CAPABILITY_METRICS = frozenset({"capability_accuracy", "elicitation_gap", "uplift"})
"""Metrics that say what a model *can* do; everything else defaults to what it *does* (propensity)."""


class ThreatScenario(_Strict):
    """A harmful outcome a domain guards against: who would cause it and what in the model would enable it."""

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    harm: str = Field(min_length=1, description="The harmful outcome, in one sentence.")
    actor: str = Field(min_length=1, description="Who would bring it about (e.g. a novice with malicious intent).")
    enabler: str = Field(
        min_length=1, description="The capability or propensity of the model that would enable it."
    )


class AlertRequirement(_Strict):
    """More evaluation that an alert demands before the next run of the same lineage may decide."""

    min_seeds: int | None = Field(default=None, ge=1, description="Independent seeds the next run must have.")
    full_transforms: bool = Field(
        default=False, description="The next run must apply the full transform set (not --quick's subset)."
    )


MULTI_AGENT_PREFIX = "contemplate/"
"""Targets whose answer is aggregated from several agents (``models/contemplating.py``)."""


class Criterion(_Strict):
    """One metric compared with ascending thresholds: reaching ``thresholds[level]`` means that level."""

    metric: str = Field(min_length=1)
    thresholds: dict[Literal["medium", "high", "critical"], float]
    kind: CriterionKind | None = Field(
        default=None,
        description="capability (what the model can do) or propensity (what it does under pressure); "
        "default: capability for capability metrics, else propensity.",
    )
    scenario: str | None = Field(
        default=None, description="The id of the domain's threat scenario this criterion speaks to."
    )
    alerts: dict[Literal["medium", "high", "critical"], float] = Field(
        default_factory=dict,
        description="Early-warning value below each level's threshold; reaching it raises an alert "
        "without changing the action.",
    )
    alert_bound: AlertBound = Field(
        default="estimate", description="Which value is compared with the alert values (default: the estimate)."
    )
    on_alert: AlertRequirement | None = Field(
        default=None, description="More evaluation required of the next run of this lineage after an alert."
    )
    direction: Direction = "higher_is_worse"
    bound: Bound = Field(
        default="upper",
        description="Which end of the interval decides the level; 'upper' is fail-safe for higher_is_worse metrics.",
    )
    applies_to: Literal["all", "multi_agent"] = Field(
        default="all",
        description="'multi_agent': decided only for multi-agent targets (contemplate/...), where a "
        "compromised agent can cascade; a single model is neither cleared nor held by it. For a "
        "multi-agent target a missing finding is not evaluated, as for any criterion.",
    )

    def applies(self, target: str | None) -> bool:
        """Whether this criterion is decided for ``target`` (None: any single-model target)."""
        return self.applies_to == "all" or (target is not None and target.startswith(MULTI_AGENT_PREFIX))

    def threshold(self, level: str) -> float | None:
        """Threshold of ``level`` (None for ``low`` or a level this criterion does not use)."""
        return {str(k): v for k, v in self.thresholds.items()}.get(level)

    def alert(self, level: str) -> float | None:
        """Alert value below ``level``'s threshold (None when the policy sets none)."""
        return {str(k): v for k, v in self.alerts.items()}.get(level)

    @property
    def effective_kind(self) -> CriterionKind:
        if self.kind is not None:
            return self.kind
        return "capability" if self.metric in CAPABILITY_METRICS else "propensity"

    @model_validator(mode="after")
    def _ordered(self) -> Criterion:
        present = [(lvl, self.thresholds[lvl]) for lvl in ("medium", "high", "critical") if lvl in self.thresholds]
        if not present:
            raise ValueError("thresholds: give at least one of medium, high, critical")
        values = [v for _, v in present]
        ok = all(a < b for a, b in zip(values, values[1:], strict=False))
        if self.direction == "lower_is_worse":
            ok = all(a > b for a, b in zip(values, values[1:], strict=False))
        if not ok:
            order = "increase" if self.direction == "higher_is_worse" else "decrease"
            shown = ", ".join(f"{lvl}={v}" for lvl, v in present)
            raise ValueError(f"thresholds out of order ({shown}): they must {order} from medium to critical")
        return self

    @model_validator(mode="after")
    def _alerts_below_levels(self) -> Criterion:
        """An alert is an early warning: it must sit on the safe side of its level's threshold."""
        for lvl, value in self.alerts.items():
            thr = self.thresholds.get(lvl)
            if thr is None:
                raise ValueError(f"alerts: level '{lvl}' has an alert but no threshold")
            early = value < thr if self.direction == "higher_is_worse" else value > thr
            if not early:
                side = "below" if self.direction == "higher_is_worse" else "above"
                raise ValueError(f"alerts: {lvl}={value} must be {side} its threshold {thr}")
        return self


_BOTH_STAGES: tuple[GuardStage, ...] = ("input", "output")


class SafeguardValidation(_Strict):
    """What a safeguarded configuration must show before ``deploy_with_safeguards`` is granted."""

    residual_below: Literal["medium", "high", "critical"] = Field(
        default="medium",
        description="The residual (post-mitigation) upper bound of every propensity criterion must be "
        "below this level's threshold of the domain, with seed-clustered intervals.",
    )
    max_over_refusal_increase: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Largest tolerated rise in over-refusal on benign twins (upper end of the paired interval).",
    )
    min_seeds: int | None = Field(
        default=None, ge=1, description="Independent seeds the safeguarded run needs (default: the domain's)."
    )


class RequiredSafeguards(_Strict):
    """What must be in place at a level, and the validation it must pass."""

    stages: list[GuardStage] = Field(
        default_factory=lambda: list(_BOTH_STAGES), min_length=1, description="Guard stages that must be active."
    )
    guards: list[str] = Field(
        default_factory=list,
        description="Acceptable guard kinds (principled, rules, classifier); empty accepts any.",
    )
    validation: SafeguardValidation = Field(default_factory=SafeguardValidation)

    def over(self, general: RequiredSafeguards) -> RequiredSafeguards:
        """This (a domain's) entry laid over the policy-wide one, field by field.

        Why: a domain entry written to restrict one field (``guards: [classifier]``) used to replace the
        general entry whole, so the policy-wide over-refusal cap, stages and seed floor silently fell back
        to their lenient defaults. A field the domain does not write is inherited; one it writes (even as
        ``null``) is its own, visibly.
        """
        own_v, gen_v = self.validation, general.validation
        written_v = own_v.model_fields_set if "validation" in self.model_fields_set else set()
        validation = SafeguardValidation(**{
            f: getattr(own_v if f in written_v else gen_v, f) for f in SafeguardValidation.model_fields
        })
        return RequiredSafeguards(
            stages=list(self.stages if "stages" in self.model_fields_set else general.stages),
            guards=list(self.guards if "guards" in self.model_fields_set else general.guards),
            validation=validation,
        )


class Domain(_Strict):
    """A risk domain and how it is measured."""

    description: str = ""
    threat_scenarios: list[ThreatScenario] = Field(default_factory=list)
    safeguards: dict[Literal["medium", "high", "critical"], RequiredSafeguards] = Field(
        default_factory=dict,
        description="Overrides the policy's required safeguards per level for this domain, field by field: "
        "a field it does not write is inherited from the policy's entry at that level."
    )
    custom: bool = Field(default=False, description="Set for a domain outside frontiergate's known list.")
    required: bool = True
    evaluations: list[EvaluationRef] = Field(default_factory=list)
    criteria: list[Criterion] = Field(min_length=1)
    min_samples: int | None = Field(default=None, ge=1)
    min_seeds: int | None = Field(
        default=None, ge=1, description="Independent seeds needed to decide this domain (default: the policy's)."
    )
    max_unknown_share: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Largest share of unknown outcomes this domain tolerates (default: the policy's).",
    )

    @model_validator(mode="after")
    def _criteria_name_known_scenarios(self) -> Domain:
        ids = [t.id for t in self.threat_scenarios]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"threat_scenarios: duplicate id(s) {', '.join(dup)}")
        for i, c in enumerate(self.criteria):
            if c.scenario is not None and c.scenario not in ids:
                shown = ", ".join(ids) or "none declared"
                raise ValueError(
                    f"criteria[{i}].scenario: '{c.scenario}' is not a threat scenario of this domain ({shown})"
                )
        return self

    @model_validator(mode="after")
    def _evidence_reaches_a_criterion(self) -> Domain:
        """Every evaluation must feed a criterion of this domain: a foreign task needs a declared mapping
        and a mapping must name one of the domain's criteria, or the task would run and its evidence
        reach no decision."""
        names = {c.metric for c in self.criteria}
        for i, ev in enumerate(self.evaluations):
            if ev.metric is None and is_foreign_task(ev.task):
                raise ValueError(f"evaluations[{i}].metric: {foreign_task_needs_mapping(ev.task)}")
            if ev.metric is not None and ev.metric.criterion not in names:
                raise ValueError(
                    f"evaluations[{i}].metric.criterion: {criterion_not_in_domain(ev.metric.criterion, names)}"
                )
        return self


def foreign_task_needs_mapping(task: str) -> str:
    return (
        f"task '{task}' is not a frontiergate task, so its score needs a declared mapping "
        "(metric: {criterion: <criterion metric>, inspect_metric: accuracy, direction: higher_is_worse})"
    )


def criterion_not_in_domain(criterion: str, names: set[str]) -> str:
    shown = ", ".join(sorted(names)) or "none"
    return f"'{criterion}' is not a criterion metric of this domain (its criteria: {shown})"


class WatchItem(_Strict):
    """A research-watchlist metric: reported in every run, never gating a decision."""

    metric: str = Field(min_length=1)
    domain: str | None = Field(default=None, description="Only this domain's finding (default: every domain's).")
    slice: str = Field(
        default="all",
        min_length=1,
        description="Which slice of the finding (default: its headline 'all'), e.g. family=self_exfiltration.",
    )
    description: str = ""
    note_above: float | None = Field(default=None, description="Say so in the report when the estimate exceeds this.")


class PolicyVersion(_Strict):
    """One entry of the policy's version history."""

    version: str = Field(min_length=1)
    date: str = Field(min_length=1, pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")
    change: str = Field(min_length=1)
    approved_by: list[str] = Field(default_factory=list)


class Policy(_Strict):
    """A complete preparedness policy."""

    name: str = Field(min_length=1)
    version: str = "1"
    description: str = ""
    lineage: str | None = Field(
        default=None,
        min_length=1,
        description="Name of the model lineage; a run is compared with the previous run of its lineage.",
    )
    history: list[PolicyVersion] = Field(default_factory=list)
    sign_off: dict[Action, list[str]] = Field(
        default_factory=dict, description="Roles that must approve each action before it takes effect."
    )
    safeguards: dict[Literal["medium", "high", "critical"], RequiredSafeguards] = Field(
        default_factory=dict,
        description="Required safeguards per level (domains may override); a level whose action is "
        "deploy_with_safeguards and names none requires input and output guards validated below medium.",
    )
    watchlist: list[WatchItem] = Field(default_factory=list)
    confidence: float = Field(default=0.95, gt=0.5, lt=1.0)
    min_samples: int = Field(default=20, ge=1, description="Below this n a domain is 'insufficient evidence'.")
    min_seeds: int = Field(
        default=10,
        ge=1,
        description="Below this many independent seeds a domain is 'insufficient evidence': variants, "
        "framings and epochs of one seed are not independent evidence.",
    )
    max_unknown_share: float = Field(
        default=0.10,
        ge=0.0,
        le=1.0,
        description="Above this share of unknown outcomes (errors, empty answers, filters...) a domain "
        "is 'insufficient evidence', whatever its bounds say.",
    )
    levels: dict[Level, LevelMeaning]
    domains: dict[str, Domain] = Field(min_length=1)

    @field_validator("levels")
    @classmethod
    def _all_levels(cls, v: dict[str, LevelMeaning]) -> dict[str, LevelMeaning]:
        missing = [lvl for lvl in LEVELS if lvl not in v]
        if missing:
            raise ValueError(f"every level needs a meaning; missing: {', '.join(missing)}")
        return v

    @model_validator(mode="after")
    def _history_names_this_version(self) -> Policy:
        if self.history and self.history[-1].version != self.version:
            raise ValueError(
                f"history: the last entry is version '{self.history[-1].version}' but the policy is "
                f"version '{self.version}'; add an entry for this version"
            )
        return self

    def seed_floor(self, domain: str) -> int:
        """Independent seeds a finding of ``domain`` needs: the domain's own ``min_seeds``, else the policy's."""
        dom = self.domains.get(domain)
        return (dom.min_seeds if dom is not None else None) or self.min_seeds

    def unknown_tolerance(self, domain: str) -> float:
        """Largest share of unknown outcomes a finding of ``domain`` may have: the domain's, else the policy's."""
        dom = self.domains.get(domain)
        own = dom.max_unknown_share if dom is not None else None
        return own if own is not None else self.max_unknown_share

    def action_for(self, level: Level) -> str:
        return self.levels[level].action

    def required_safeguards(self, domain: str, level: str) -> RequiredSafeguards | None:
        """The safeguards a domain at ``level`` needs before deployment, or None where the level's
        action does not deploy with safeguards."""
        levels = {str(k): v for k, v in self.levels.items()}
        if level not in levels or level == "low" or levels[level].action != "deploy_with_safeguards":
            return None
        dom = self.domains.get(domain)
        own = {str(k): v for k, v in dom.safeguards.items()} if dom is not None else {}
        general = {str(k): v for k, v in self.safeguards.items()}
        mine, base = own.get(level), general.get(level)
        if mine is not None and base is not None:
            return mine.over(base)
        return mine or base or RequiredSafeguards()
