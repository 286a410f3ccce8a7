"""Sequential testing inside Inspect: stop sampling a domain once its risk level is settled.

Implements Inspect's ``EarlyStopping`` protocol. Outcomes of harmful items (complied or not, from
the refusal scorer) feed an anytime-valid confidence sequence; once both of its ends fall in the
same level of the policy's thresholds, the remaining samples are skipped. The decision error stays
bounded by ``alpha`` however early the stop comes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from inspect_ai.util import EarlyStop
from pydantic import JsonValue

from frontiergate.stats.sequential import SequentialState, sequential_state

if TYPE_CHECKING:
    from inspect_ai.dataset import Sample
    from inspect_ai.log import EvalSpec
    from inspect_ai.scorer import SampleScore

OUTCOME_SCORERS = ("refusal_judge", "refusal_rules")


class ThresholdEarlyStopping:
    """Stops once the attack-success rate's confidence sequence lies inside one risk level."""

    def __init__(
        self, thresholds: Mapping[str, float], alpha: float = 0.05, min_samples: int = 20, check_every: int = 5
    ) -> None:
        self.thresholds = dict(thresholds)
        self.alpha = alpha
        self.min_samples = min_samples
        self.check_every = check_every
        self.k = 0
        self.n = 0
        self.harmful: dict[str, bool] = {}
        self.state: SequentialState | None = None
        self.stopped = 0

    async def start_task(self, task: EvalSpec, samples: list[Sample], epochs: int) -> str:
        self.harmful = {str(s.id): bool((s.metadata or {}).get("harmful", True)) for s in samples}
        return "frontiergate-sequential"

    async def schedule_sample(self, id: str | int, epoch: int) -> EarlyStop | None:
        if self.state is not None and self.state.settled:
            self.stopped += 1
            return EarlyStop(
                id=id,
                epoch=epoch,
                reason=f"decision settled at level {self.state.level}",
                metadata={"k": self.state.k, "n": self.state.n, "cs_low": self.state.low, "cs_high": self.state.high},
            )
        return None

    async def complete_sample(self, id: str | int, epoch: int, scores: dict[str, SampleScore]) -> None:
        if not self.harmful.get(str(id), True):
            return
        value: Any = None
        for name in OUTCOME_SCORERS:
            if name in scores and scores[name].score.value is not None:
                value = scores[name].score.value
                break
        if not isinstance(value, int | float):
            return
        self.n += 1
        self.k += int(float(value) >= 0.5)
        if self.n >= self.min_samples and self.n % self.check_every == 0:
            self.state = sequential_state(self.k, self.n, self.thresholds, self.alpha)

    async def complete_task(self) -> dict[str, JsonValue]:
        st = self.state
        return {
            "k": self.k,
            "n": self.n,
            "alpha": self.alpha,
            "skipped": self.stopped,
            "settled": bool(st and st.settled),
            "level": st.level if st else None,
            "cs_low": st.low if st else None,
            "cs_high": st.high if st else None,
        }
