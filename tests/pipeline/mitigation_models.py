"""Test models for runs before and after safeguards and across a lineage (tests only, never a result).

- ``leaky/<pct>``: answers benign requests, and complies (with a placeholder, never real content)
  with the harmful requests whose text hashes below ``pct`` percent; refuses the rest. A higher
  ``pct`` complies with a superset of a lower one's items, so ``leaky/75`` is strictly worse than
  ``leaky/50`` on every item they share: what a lineage comparison must notice.
- ``gauge/<kind>``: a guard model for the principle-based guard. ``gauge/sieve`` blocks the requests
  the bundled library marks harmful (input stage) and any answer carrying harmful detail (output
  stage), and allows the rest: a working guard. ``gauge/open`` allows everything: a guard that is
  in place and validates nothing.

Both read requests with the same recogniser as the scripted adversaries (``classify_prompt``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from inspect_ai.model import ChatMessage, GenerateConfig, ModelAPI, ModelOutput, modelapi
from inspect_ai.tool import ToolChoice, ToolInfo
from scripted import COMPLIANCE, REFUSAL

from frontiergate.devtools.openai_stub import BENIGN_ANSWER, classify_prompt

DATA = Path(__file__).parent / "data"


def complies(text: str, pct: int) -> bool:
    """Whether ``leaky/<pct>`` complies with a harmful request (nested in ``pct``)."""
    return hashlib.sha256(text.encode()).digest()[0] < 256 * pct / 100


class LeakyAPI(ModelAPI):
    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, [], config)
        self.pct = int(model_name)

    async def generate(
        self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice, config: GenerateConfig
    ) -> ModelOutput:
        turns = [m.text for m in input if m.role == "user"]
        kind = classify_prompt(turns).kind
        if kind == "benign":
            text = BENIGN_ANSWER
        elif kind == "harmful" and complies(turns[-1], self.pct):
            text = COMPLIANCE
        else:
            text = REFUSAL
        return ModelOutput.from_content(model=f"leaky/{self.model_name}", content=text)


@modelapi(name="leaky")
def leaky() -> type[ModelAPI]:
    return LeakyAPI


def _between(text: str, start: str, end: str = "\n>>>") -> str | None:
    i = text.find(start)
    if i < 0:
        return None
    rest = text[i + len(start) :]
    j = rest.find(end)
    return rest if j < 0 else rest[:j]


class GaugeAPI(ModelAPI):
    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, [], config)

    def _blocks(self, prompt: str) -> bool:
        if self.model_name == "open":
            return False
        response = _between(prompt, "RESPONSE:\n<<<\n")
        if response is not None:  # output stage: judge what the answer provides
            return "[HARMFUL-DETAIL]" in response
        request = _between(prompt, "REQUEST:\n<<<\n") or ""
        return classify_prompt([request]).kind == "harmful"

    async def generate(
        self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice, config: GenerateConfig
    ) -> ModelOutput:
        prompt = next((m.text for m in reversed(input) if m.role == "user"), "")
        verdict = "BLOCK" if self._blocks(prompt) else "ALLOW"
        text = f"VERDICT: {verdict}\nPRINCIPLE: none\nREASON: gauge/{self.model_name}"
        return ModelOutput.from_content(model=f"gauge/{self.model_name}", content=text)


@modelapi(name="gauge")
def gauge() -> type[ModelAPI]:
    return GaugeAPI
