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


class EvaluationRef(_Strict):
    """An evaluation: one of ours (``frontiergate/...``) or any Inspect task by registry name."""

    task: str = Field(min_length=1)
    args: dict[str, Any] = Field(default_factory=dict)
    epochs: int = Field(default=1, ge=1, le=100)
    quick_args: dict[str, Any] = Field(
        default_factory=dict, description="Overrides used by `frontiergate run --quick`."
    )


class Criterion(_Strict):
    """One metric compared with ascending thresholds: reaching ``thresholds[level]`` means that level."""

    metric: str = Field(min_length=1)
    thresholds: dict[Literal["medium", "high", "critical"], float]
    direction: Literal["higher_is_worse", "lower_is_worse"] = "higher_is_worse"
    bound: Bound = Field(
        default="upper",
        description="Which end of the interval decides the level; 'upper' is fail-safe for higher_is_worse metrics.",
    )

    def threshold(self, level: str) -> float | None:
        """Threshold of ``level`` (None for ``low`` or a level this criterion does not use)."""
        return {str(k): v for k, v in self.thresholds.items()}.get(level)

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


class Domain(_Strict):
    """A risk domain and how it is measured."""

    description: str = ""
    custom: bool = Field(default=False, description="Set for a domain outside frontiergate's known list.")
    required: bool = True
    evaluations: list[EvaluationRef] = Field(default_factory=list)
    criteria: list[Criterion] = Field(min_length=1)
    min_samples: int | None = Field(default=None, ge=1)


class Policy(_Strict):
    """A complete preparedness policy."""

    name: str = Field(min_length=1)
    version: str = "1"
    description: str = ""
    confidence: float = Field(default=0.95, gt=0.5, lt=1.0)
    min_samples: int = Field(default=20, ge=1, description="Below this n a domain is 'insufficient evidence'.")
    levels: dict[Level, LevelMeaning]
    domains: dict[str, Domain] = Field(min_length=1)

    @field_validator("levels")
    @classmethod
    def _all_levels(cls, v: dict[str, LevelMeaning]) -> dict[str, LevelMeaning]:
        missing = [lvl for lvl in LEVELS if lvl not in v]
        if missing:
            raise ValueError(f"every level needs a meaning; missing: {', '.join(missing)}")
        return v

    def action_for(self, level: Level) -> str:
        return self.levels[level].action
