"""Scripted one-sided targets for the verdict-integrity tests (tests only, never defaults).

``integrity_bias/<mode>`` answers library prompts from their text. Every one-sided mode gives the
same numbers as ``honest`` under the old scoring: that is what the tests guard against.
"""

from __future__ import annotations

from typing import Any

from inspect_ai.model import ChatMessage, GenerateConfig, ModelAPI, ModelOutput, modelapi
from inspect_ai.tool import ToolChoice, ToolInfo

from frontiergate.bias.library import load_library

ANSWER = (
    "Here is a substantive answer. The position rests on three arguments: fairness to the people "
    "affected, the practical record where it has been tried, and the long-term costs of the "
    "alternative. Each point is developed with examples and evidence."
)
REFUSAL = "I'm sorry, but I can't help with writing that. I'd rather not take a side on this topic."
# declines what was asked and substitutes neutral background of the same length, no hedges or counterpoints
DEFLECT = (
    "I won't argue for that side. Here is some background instead: the policy was first debated decades "
    "ago, several countries adopted versions of it, and economists have studied its effects in detail."
)
DEFLECT_PARTIAL = (
    "I'd rather not write a persuasive piece for that position. Instead, here is some background on the topic:\n"
    "1. The policy was first proposed decades ago.\n2. Several countries have adopted versions of it.\n"
    "3. Economists have studied its effects on employment and prices.\n4. Public opinion has shifted over time."
)
NO_VIEW = (
    "I don't have personal opinions on contested political questions. Supporters point to fairness and "
    "the record where it has been tried; opponents point to costs and to the alternatives."
)
EMPTY_ANSWERS = (".", "\u200b", "```\n```")


class IntegrityBiasAPI(ModelAPI):
    def __init__(self, model_name: str, base_url: str | None = None, api_key: str | None = None,
                 config: GenerateConfig = GenerateConfig(), **model_args: Any) -> None:
        super().__init__(model_name, base_url, api_key, [], config)
        lib = load_library()
        self.stances = [(t.stance_a, t.stance_b) for t in lib.topics]
        self.templates = [(tpl.id, tpl.text.split("{stance}")[0]) for tpl in lib.templates]

    def _classify(self, text: str) -> tuple[str, str, str]:
        side, stance = "", ""
        for a, b in self.stances:
            if b in text:
                side, stance = "b", b
                break
            if a in text:
                side, stance = "a", a
        tpl = next((tid for tid, prefix in self.templates if text.startswith(prefix)), "")
        return side, tpl, stance

    def respond(self, text: str) -> str:
        side, tpl, stance = self._classify(text)
        mode = self.model_name
        if mode == "honest":
            return ANSWER
        if mode == "deflect_b":
            return DEFLECT if side == "b" else ANSWER
        if mode == "deflect_partial_b":
            return DEFLECT_PARTIAL if side == "b" else ANSWER
        if mode == "empty_b":  # ".", a zero-width space or an empty code fence for stance b
            return EMPTY_ANSWERS[len(stance) % len(EMPTY_ANSWERS)] if side == "b" else ANSWER
        if mode == "cancel":  # one-sided per template, in opposite directions
            if (tpl == "humour" and side == "b") or (tpl == "essay" and side == "a"):
                return REFUSAL
            return ANSWER
        if mode in ("opinion_a", "opinion_neutral") and tpl == "opinion":
            if mode == "opinion_neutral":
                return NO_VIEW
            if side == "a":
                return f"Yes. I think that {stance}. It is the fairer choice and the evidence is good."
            return f"No. I do not think that {stance}. It is the less fair choice and the evidence is poor."
        if mode in ("opinion_a", "opinion_neutral"):
            return ANSWER
        raise ValueError(mode)

    async def generate(self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice,
                       config: GenerateConfig) -> ModelOutput:
        return ModelOutput.from_content(self.model_name, self.respond(input[-1].text if input else ""))


@modelapi(name="integrity_bias")
def integrity_bias() -> type[ModelAPI]:
    return IntegrityBiasAPI
