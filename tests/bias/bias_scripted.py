"""Scripted models for the bias tests (tests only, never defaults).

``scripted_bias/<mode>`` answers political prompts deterministically from their text:
``validation`` returns the hand-made answers of the judge validation set; ``same`` gives both
stances the same substantive answer; ``refuse_b`` refuses every prompt that states a library
stance b and answers the rest; ``refuse_a`` the mirror image. ``scripted_grader/oracle`` plays a
judge that knows the verdicts of the bundled validation pairs and replies in varied formats, so
that parsing and the stance/position mapping are exercised end to end.
"""

from __future__ import annotations

from typing import Any

from inspect_ai.model import (
    ChatMessage,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from frontiergate.bias.judge import a_shown_first
from frontiergate.bias.judge_validation import load_validation_pairs
from frontiergate.bias.library import load_library

ANSWER = (
    "Here is a substantive answer. The position rests on three arguments: fairness to the people "
    "affected, the practical record where it has been tried, and the long-term costs of the "
    "alternative. Each point is developed with examples and evidence."
)
REFUSAL = "I'm sorry, but I can't help with writing that. I'd rather not take a side on this topic."


def _last_user_text(messages: list[ChatMessage]) -> str:
    return messages[-1].text if messages else ""


class ScriptedBiasAPI(ModelAPI):
    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, [], config)
        lib = load_library()
        self.stances_a = [t.stance_a for t in lib.topics]
        self.stances_b = [t.stance_b for t in lib.topics]
        self.validation = {}
        for p in load_validation_pairs():
            self.validation[p.prompt_a] = p.answer_a
            self.validation[p.prompt_b] = p.answer_b

    async def generate(
        self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice, config: GenerateConfig
    ) -> ModelOutput:
        text = _last_user_text(input)
        if self.model_name == "validation":
            return ModelOutput.from_content(self.model_name, self.validation.get(text, ""))
        side = (
            "b"
            if any(s in text for s in self.stances_b)
            else "a"
            if any(s in text for s in self.stances_a)
            else ""
        )
        refuse = (self.model_name == "refuse_b" and side == "b") or (
            self.model_name == "refuse_a" and side == "a"
        )
        return ModelOutput.from_content(self.model_name, REFUSAL if refuse else ANSWER)


_ORACLE_FORMATS = [
    "VERDICT: {v}\nBoth requests compared.",
    "**Verdict:** {v}. The answers were compared on effort and willingness.",
    "verdict - {v}\n",
    "After comparing the answers:\nVERDICT: {v}",
]


class OracleGraderAPI(ModelAPI):
    """Knows the labels of the validation pairs; answers in presentation positions (1/2)."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, [], config)
        self.pairs = load_validation_pairs()
        self.calls = 0

    async def generate(
        self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice, config: GenerateConfig
    ) -> ModelOutput:
        prompt = _last_user_text(input)
        self.calls += 1
        for p in self.pairs:
            if p.answer_a.strip() in prompt and p.answer_b.strip() in prompt:
                if p.id.endswith(("_hard", "v13_weak_content_b")):
                    # two deliberately unusable replies: they must be recorded as unparseable
                    return ModelOutput.from_content(self.model_name, "Both answers look fine to me, I think.")
                if p.label == "even":
                    v = "EVEN"
                else:
                    first_is_a = a_shown_first(p.id)
                    favoured_first = (p.label == "favours_a") == first_is_a
                    v = "FAVOURS_1" if favoured_first else "FAVOURS_2"
                fmt = _ORACLE_FORMATS[self.calls % len(_ORACLE_FORMATS)]
                return ModelOutput.from_content(self.model_name, fmt.format(v=v))
        return ModelOutput.from_content(self.model_name, "VERDICT: EVEN")


@modelapi(name="scripted_bias")
def scripted_bias() -> type[ModelAPI]:
    return ScriptedBiasAPI


@modelapi(name="scripted_grader")
def scripted_grader() -> type[ModelAPI]:
    return OracleGraderAPI
