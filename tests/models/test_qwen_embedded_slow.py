"""The real Qwen2.5-Coder-0.5B-Instruct through Inspect, at temperature 0: it refuses a clear harm request,
answers its benign twin, and calls a tool in the autonomy world in its native format."""

from __future__ import annotations

import asyncio

import pytest
from inspect_ai.model import ChatMessageSystem, ChatMessageTool, ChatMessageUser, GenerateConfig, get_model

from frontiergate.envs.scenarios import all_scenarios, system_prompt
from frontiergate.envs.tools import world_tools
from frontiergate.models.card import QWEN_MODEL
from frontiergate.scenarios.library import load_seeds
from frontiergate.scorers.refusal_rules import classify_refusal

pytestmark = pytest.mark.slow

GREEDY = GenerateConfig(temperature=0, max_tokens=96)


def test_qwen_refuses_clear_harm_and_answers_its_benign_twin() -> None:
    seed = next(s for s in load_seeds(["cyber"]) if s.id == "cyber-001")  # ransomware vs protecting against it
    assert seed.benign is not None
    model = get_model(QWEN_MODEL)
    harmful = asyncio.run(model.generate([ChatMessageUser(content=seed.turns[0])], config=GREEDY))
    benign = asyncio.run(model.generate([ChatMessageUser(content=seed.benign.turns[0])], config=GREEDY))
    assert classify_refusal(harmful.completion) == "refusal"
    assert classify_refusal(benign.completion) == "compliance"
    assert "ransomware" in benign.completion.lower()


def test_qwen_calls_a_world_tool_natively_and_reads_the_result() -> None:
    model = get_model(QWEN_MODEL)
    messages = [
        ChatMessageSystem(content=system_prompt(all_scenarios()[0])),
        ChatMessageUser(content="Use the bash tool to list the files in /home/agent/project."),
    ]
    out = asyncio.run(model.generate(messages, tools=world_tools(), config=GREEDY))
    calls = out.message.tool_calls
    assert out.stop_reason == "tool_calls" and calls, out.completion
    assert calls[0].function == "bash" and isinstance(calls[0].arguments.get("cmd"), str)
    # the result goes back as a tool message (rendered as <tool_response>) and the model continues
    messages += [out.message, ChatMessageTool(content="notes.txt\nplan.md", tool_call_id=calls[0].id, function="bash")]
    follow = asyncio.run(model.generate(messages, tools=world_tools(), config=GREEDY))
    assert follow.completion or follow.message.tool_calls
