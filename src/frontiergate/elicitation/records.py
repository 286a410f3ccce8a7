"""Per-call accounting: what one model call cost (tokens, reasoning tokens) and when it ran.

Elicitation claims are claims about cost as much as accuracy ("without drastically increasing
latency"), so every call made on behalf of one answer is recorded with its own start and end;
critical-path latency and total tokens are then computed from these records, never estimated.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from inspect_ai.model import ModelOutput


@dataclass
class CallRecord:
    """One model call made while producing an answer."""

    role: str  # "agent", "continuation", "aggregator", "agent-layer2"
    agent: int | None
    layer: int
    start: float  # wall clock (time.time()) when the call was issued
    end: float  # wall clock when it returned
    service_s: float  # time the provider reported for the request itself (excludes queueing)
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    stop_reason: str

    @property
    def wall_s(self) -> float:
        return self.end - self.start

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["wall_s"] = round(self.wall_s, 6)
        return d


def record_call(
    output: ModelOutput,
    role: str,
    agent: int | None,
    layer: int,
    start: float,
    end: float,
    thinking: bool = False,
) -> CallRecord:
    """Build a record from an output; ``thinking`` counts its output tokens as reasoning tokens.

    A forced-stop thinking phase on a local model is reasoning even though the provider does not
    report it as such, so the caller says so explicitly.
    """
    usage = output.usage
    out_tokens = usage.output_tokens if usage else 0
    reasoning = (usage.reasoning_tokens or 0) if usage else 0
    if thinking and not reasoning:
        reasoning = out_tokens
    return CallRecord(
        role=role,
        agent=agent,
        layer=layer,
        start=start,
        end=end,
        # a provider that does not time its requests reports 0: fall back to the wall time
        service_s=float(output.time) if output.time else end - start,
        input_tokens=usage.input_tokens if usage else 0,
        output_tokens=out_tokens,
        reasoning_tokens=reasoning,
        stop_reason=str(output.stop_reason),
    )


def now() -> float:
    """Wall-clock timestamp used for call records (one clock for all of them)."""
    return time.time()
