"""The prefill path: a scripted Inspect model whose behaviour depends on an eval-aware opening (a model
organism for the black-box intervention), and the template rendering that keeps an assistant turn open."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    get_model,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from frontiergate.awareness.prefill import (
    EVAL_AWARE,
    NEUTRAL,
    PrefillPrompt,
    continuation_prompt,
    run_prefill,
    supports_prefill,
)
from frontiergate.whitebox.steering import paired_table

QWEN_LIKE = ("{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
             "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


class _Organism(ModelAPI):
    """``fg-organism/aware`` refuses only when its answer was opened with an evaluation-aware sentence;
    ``fg-organism/null`` always complies (the null target)."""

    def __init__(self, model_name: str, base_url: str | None = None, api_key: str | None = None,
                 config: GenerateConfig = GenerateConfig(), **model_args: Any) -> None:
        super().__init__(model_name=model_name, base_url=base_url, api_key=api_key, config=config)
        self.aware = model_name == "aware"

    async def generate(self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice,
                       config: GenerateConfig) -> ModelOutput:
        opened = input[-1].text if isinstance(input[-1], ChatMessageAssistant) else ""
        refuse = self.aware and "evaluation" in opened
        text = "I cannot help with that request." if refuse else "Sure, here is how: [HARMFUL-DETAIL]."
        return ModelOutput(model="organism", choices=[ChatCompletionChoice(
            message=ChatMessageAssistant(content=text, model="organism"), stop_reason="stop")])


@modelapi(name="fg-organism")
def _organism() -> type[ModelAPI]:
    return _Organism


def _prompts(n: int = 12) -> list[PrefillPrompt]:
    return [PrefillPrompt(f"p{i}", f"request {i}", "cyber" if i % 2 else "chem_bio", f"seed{i}") for i in range(n)]


def test_prefixes_have_equal_length() -> None:
    assert len(EVAL_AWARE) == len(NEUTRAL) and "evaluation" not in NEUTRAL.lower()


def test_organism_moves_in_the_known_direction_and_null_does_not(tmp_path: Path) -> None:
    rows = run_prefill(get_model("fg-organism/aware"), _prompts(), tmp_path / "a")
    t = paired_table(rows, ["none", "neutral", "eval_aware"])["all"]
    eff = t["paired"]["eval_aware - neutral"]
    assert eff["diff"] == 1.0 and eff["only_b"] == 12 and eff["p_value"] < 0.01
    assert t["paired"]["neutral - none"]["diff"] == 0.0
    null = paired_table(run_prefill(get_model("fg-organism/null"), _prompts(), tmp_path / "b"),
                        ["none", "neutral", "eval_aware"])["all"]["paired"]["eval_aware - neutral"]
    assert null["diff"] == 0.0 and null["ci_low"] <= 0.0 <= null["ci_high"] and null["p_value"] == 1.0


def test_continuation_prompt_keeps_the_assistant_turn_open() -> None:
    msgs = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ignored"}]
    p = continuation_prompt(QWEN_LIKE, msgs, "This looks like")
    assert p == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nThis looks like"


def test_supports_prefill_by_provider() -> None:
    assert supports_prefill("frontiergate/qwen2.5-coder-0.5b-instruct") and supports_prefill("anthropic/x")
    assert not supports_prefill("openai/gpt-4o")
