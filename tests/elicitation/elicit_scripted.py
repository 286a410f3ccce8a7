"""A scripted Inspect model for tests only: known per-call accuracy and latency.

Each question carries its answer as ``[answer=X]`` (or the ``answers`` model arg maps prompts
to answers); a call answers it correctly with probability
``p``, decided by a RNG seeded from (call seed, question) so results do not depend on scheduling.
Every call sleeps ``delay`` seconds, so latency claims can be checked against a known truth.
"""

from __future__ import annotations

import asyncio
import random
import re
from typing import Any

from inspect_ai.model import (
    ChatMessage,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    ModelUsage,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo

_ANSWER = re.compile(r"\[answer=([^\]]+)\]")


@modelapi(name="fgscripted")
class ScriptedAPI(ModelAPI):
    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),
        **model_args: Any,
    ) -> None:
        super().__init__(model_name=model_name, base_url=base_url, api_key=api_key, config=config)
        self.p = float(model_args.get("p", 0.7))
        self.delay = float(model_args.get("delay", 0.0))
        self.agg_delay = float(model_args.get("agg_delay", self.delay))
        self.answers: dict[str, str] = dict(model_args.get("answers") or {})  # prompt -> truth (oracle)
        self.calls = 0

    def max_connections(self) -> int:
        return 64

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        self.calls += 1
        text = "\n".join(m.text for m in input)
        m = _ANSWER.search(text)
        first_user = next((x.text for x in input if x.role == "user"), "")
        truth = m.group(1) if m else self.answers.get(first_user, "unknown")
        if "Weigh the candidates" in text or "Reply with only its number" in text:  # aggregator prompt
            await asyncio.sleep(self.agg_delay)
            content = "1" if "Reply with only its number" in text else f"Final answer: {truth}"
        else:
            await asyncio.sleep(self.delay)
            seed = config.seed if config.seed is not None else 0
            correct = random.Random(f"{seed}|{text}").random() < self.p
            content = f"Let me think. Final answer: {truth if correct else 'wrong'}"
        out = ModelOutput.from_content(model=self.model_name, content=content)
        out.usage = ModelUsage(input_tokens=20, output_tokens=6, total_tokens=26)
        return out
