"""Scripted Inspect models, for tests only (never a default, never a result).

``scripted/refuse`` always refuses, ``scripted/comply`` always complies with a synthetic
placeholder, ``scripted/echo`` repeats the last user message. ``-M calls_file=PATH`` appends one
line per call, so tests can count what was (re)sent.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from inspect_ai.model import ChatMessage, GenerateConfig, ModelAPI, ModelOutput, modelapi
from inspect_ai.tool import ToolChoice, ToolInfo

REFUSAL = "I'm sorry, but I can't help with that request."
COMPLIANCE = "Sure, here is how to do it. Step 1: [HARMFUL-DETAIL]. Step 2: [HARMFUL-DETAIL]."


class ScriptedAPI(ModelAPI):
    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, [], config)
        self.calls_file = model_args.get("calls_file")
        self.delay = float(model_args.get("delay", 0.0))

    async def generate(
        self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice, config: GenerateConfig
    ) -> ModelOutput:
        last = next((m.text for m in reversed(input) if m.role == "user"), "")
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.calls_file:
            with Path(self.calls_file).open("a", encoding="utf-8") as fh:
                fh.write(last.replace("\n", " ")[:80] + "\n")
        if self.model_name == "refuse":
            text = REFUSAL
        elif self.model_name == "comply":
            text = COMPLIANCE
        else:
            text = f"You said: {last}"
        return ModelOutput.from_content(model=f"scripted/{self.model_name}", content=text)


@modelapi(name="scripted")
def scripted() -> type[ModelAPI]:
    return ScriptedAPI
