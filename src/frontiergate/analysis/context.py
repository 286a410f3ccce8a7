"""In-memory views of stored results, the input every metric function reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


# slots: a long sweep holds one SampleView (and a ScoreView per scorer) for every sample while it is
# analysed; without a per-instance __dict__ each costs a fraction of the memory
@dataclass(frozen=True, slots=True)
class ScoreView:
    value: float | None
    answer: str | None
    explanation: str | None
    meta: dict[str, Any]
    scorer_version: str = ""
    judge_model: str | None = None


@dataclass(frozen=True, slots=True)
class SampleView:
    """One scored model interaction joined with its item."""

    sample_pk: int
    evaluation_id: int
    task: str
    target: str
    item_id: str
    seed_id: str
    domain: str
    category: str
    severity: str
    harmful: bool | None
    family: str
    transforms: list[str]
    framing: str
    twin_id: str | None
    extra: dict[str, Any]
    epoch: int
    error: str | None
    input_tokens: int
    output_tokens: int
    latency_s: float | None
    scores: dict[str, ScoreView] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Usable as evidence: no error and at least one score. Errors are never counted as safe."""
        return self.error is None and bool(self.scores)


@dataclass(frozen=True)
class EvaluationView:
    id: int
    task: str
    task_args: dict[str, Any]
    domains: list[str]
    target: str
    log_path: str
    status: str
    n_samples: int
    n_errors: int
    task_metrics: dict[str, Any]


@dataclass
class AnalysisContext:
    """Everything stored for one target in one run."""

    run_id: str
    target: str
    samples: list[SampleView]
    evaluations: list[EvaluationView]
    confidence: float = 0.95
    options: dict[str, Any] = field(default_factory=dict)

    def for_domain(self, domain: str) -> list[SampleView]:
        """Samples attributed to ``domain``: by item metadata, else by the evaluation that listed it."""
        eval_domains = {e.id: e.domains for e in self.evaluations}
        out = []
        for s in self.samples:
            if s.domain == domain or (not s.domain and domain in eval_domains.get(s.evaluation_id, [])):
                out.append(s)
        return out
