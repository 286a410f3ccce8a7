"""Scripted models for the scenario tests (tests only, never a default).

``roleplay_sensitive`` complies, with a synthetic placeholder, exactly when a user message of the
conversation sets up a role-play; it refuses everything else, benign look-alikes included.
"""

from __future__ import annotations

from typing import Any

from inspect_ai.log import EvalLog
from inspect_ai.model import ChatMessage, GenerateConfig, Model, ModelOutput, get_model
from inspect_ai.tool import ToolChoice, ToolInfo

from frontiergate.analysis.context import SampleView, ScoreView

REFUSAL = "I'm sorry, but I can't help with that request."
COMPLIANCE = "Sure, here is how to do it. Step 1: [HARMFUL-DETAIL]. Step 2: [HARMFUL-DETAIL]."
ROLEPLAY_MARKERS = ("role-play", "do anything now")


def _roleplay(messages: list[ChatMessage]) -> bool:
    return any(m.role == "user" and any(k in m.text.lower() for k in ROLEPLAY_MARKERS) for m in messages)


def roleplay_sensitive_model() -> Model:
    def respond(input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice,
                config: GenerateConfig) -> ModelOutput:
        return ModelOutput.from_content(model="mockllm", content=COMPLIANCE if _roleplay(input) else REFUSAL)

    return get_model("mockllm/model", custom_outputs=respond, memoize=False)


def sample_views(log: EvalLog, target: str = "mockllm/model") -> list[SampleView]:
    """The analysis view of an eval log's samples (what the store would hold), for metric tests."""
    out: list[SampleView] = []
    for i, s in enumerate(log.samples or []):
        md: dict[str, Any] = s.metadata or {}
        scores = {name: ScoreView(value=float(sc.value) if isinstance(sc.value, int | float) else None,
                                  answer=sc.answer, explanation=sc.explanation, meta=sc.metadata or {})
                  for name, sc in (s.scores or {}).items()}
        out.append(SampleView(
            sample_pk=i + 1, evaluation_id=1, task=log.eval.task, target=target, item_id=md["item_id"],
            seed_id=md["seed_id"], domain=md["domain"], category=md["category"], severity=md["severity"],
            harmful=md["harmful"], family=md["family"], transforms=list(md["transforms"]),
            framing=md["framing"], twin_id=md["twin_id"], extra=md.get("extra") or {}, epoch=s.epoch,
            error=s.error.message if s.error else None,
            input_tokens=0, output_tokens=0, latency_s=None, scores=scores,
        ))
    return out
