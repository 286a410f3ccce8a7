"""What every guard returns and the interface a safeguarded target calls.

A guard looks at the request before the target answers (input stage) and, separately, at the
answer before the user sees it (output stage). Its verdict names the principle it rests on so a
reviewer can audit *why* something was blocked, and records its own latency and tokens because a
safeguard's cost is part of the deployment decision.
"""

from __future__ import annotations

import abc
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Stage = Literal["input", "output"]


@dataclass
class GuardVerdict:
    """One guard decision on one text."""

    blocked: bool
    stage: Stage
    guard: str
    principle: str | None = None
    score: float | None = None  # guard's confidence that the text is unsafe, in [0, 1], when it has one
    rationale: str = ""
    latency_s: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    parsed: bool = True  # False when a model guard's reply could not be read (then ``blocked`` is fail-safe)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        return "block" if self.blocked else "allow"

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["verdict"] = self.verdict
        return d


class Guard(abc.ABC):
    """A safeguard that classifies requests and answers as allowed or blocked."""

    name: str = "guard"

    @abc.abstractmethod
    async def check_input(self, request: str) -> GuardVerdict:
        """Decide on a user request before the target model sees it."""

    @abc.abstractmethod
    async def check_output(self, request: str, response: str) -> GuardVerdict:
        """Decide on the target's answer (given the request it answers) before the user sees it."""

    def describe(self) -> dict[str, Any]:
        """What identifies this guard in logs and reports (name, model, version)."""
        return {"guard": self.name}
