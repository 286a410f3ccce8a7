"""Qwen's native tool calling: Inspect messages rendered for its chat template, ``<tool_call>`` output
parsed into Inspect ``ToolCall``s, and the one embedded ``ModelAPI`` routing each model by its spec."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from inspect_ai.model import (
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    GenerateConfig,
)
from inspect_ai.tool import ToolCall, ToolCallError, ToolInfo, ToolParam, ToolParams

from frontiergate.models import embedded
from frontiergate.models.card import EMBEDDED_NAMES, QWEN_MODEL, embedded_card
from frontiergate.models.chat_template import fit_messages, template_message, template_tools
from frontiergate.models.embedded_spec import SPECS
from frontiergate.models.tool_emulation import parse_tagged_tool_calls
from frontiergate.models.weights import QWEN_WEIGHTS
from frontiergate.report.build import model_card_of, pipeline_banner

BASH = ToolInfo(
    name="bash",
    description="Run a shell command.",
    parameters=ToolParams(properties={"cmd": ToolParam(type="string", description="the command")}, required=["cmd"]),
)
SUBMIT = ToolInfo(
    name="submit",
    description="Submit the answer.",
    parameters=ToolParams(properties={"answer": ToolParam(type="string")}, required=["answer"]),
)
TOOLS = [BASH, SUBMIT]


# --- parsing -------------------------------------------------------------------------------------


def test_one_tagged_call_becomes_a_tool_call_with_dict_arguments() -> None:
    text, calls = parse_tagged_tool_calls(
        'Let me look.\n<tool_call>\n{"name": "bash", "arguments": {"cmd": "ls -la"}}\n</tool_call>', TOOLS
    )
    assert text == "Let me look."
    assert [(c.function, c.arguments) for c in calls] == [("bash", {"cmd": "ls -la"})]
    assert calls[0].id.startswith("call_")


def test_several_calls_in_order_and_string_arguments_decoded() -> None:
    out = (
        '<tool_call>\n{"name": "bash", "arguments": {"cmd": "pwd"}}\n</tool_call>\n'
        '<tool_call>\n{"name": "submit", "arguments": "{\\"answer\\": \\"done\\"}"}\n</tool_call>'
    )
    text, calls = parse_tagged_tool_calls(out, TOOLS)
    assert text == ""
    assert [(c.function, c.arguments) for c in calls] == [("bash", {"cmd": "pwd"}), ("submit", {"answer": "done"})]
    assert len({c.id for c in calls}) == 2


@pytest.mark.parametrize(
    "out",
    [
        '<tool_call>\n{"name": "bash", "arguments": {"cmd": "ls"\n</tool_call>',  # malformed JSON
        '<tool_call>\n{"name": "bash", "arguments": {"cmd": "cut off by max_tokens',  # unclosed block
        '<tool_call>\n{"name": "rm_rf", "arguments": {}}\n</tool_call>',  # a tool that was not offered
        '<tool_call>\n{"name": "bash", "arguments": ["ls"]}\n</tool_call>',  # arguments not an object
        "I'm sorry, but I can't assist with that.",
    ],
)
def test_no_valid_call_keeps_the_text_whole(out: str) -> None:
    assert parse_tagged_tool_calls(out, TOOLS) == (out, [])


def test_a_malformed_block_stays_in_the_text_beside_a_valid_one() -> None:
    bad = '<tool_call>\n{"name": "bash"\n</tool_call>'
    text, calls = parse_tagged_tool_calls(f'{bad}\n<tool_call>\n{{"name": "bash", "arguments": {{"cmd": "id"}}}}\n'
                                          "</tool_call>", TOOLS)
    assert text == bad and [c.arguments for c in calls] == [{"cmd": "id"}]


def test_a_call_written_without_tags_is_read_only_when_it_is_a_whole_call() -> None:
    # the 0.5B model sometimes drops the tags (seen on the autonomy world); the object alone is the same intent
    text, calls = parse_tagged_tool_calls('Done.\n```json\n{"name": "submit", "arguments": {"answer": "42"}}\n```',
                                          TOOLS)
    assert text == "Done." and [(c.function, c.arguments) for c in calls] == [("submit", {"answer": "42"})]
    prose = 'Config example: {"name": "bash", "note": 1} and {"name": "ls"}'  # not at a line start, not a call
    assert parse_tagged_tool_calls(prose, TOOLS) == (prose, [])


# --- rendering -----------------------------------------------------------------------------------

CONVERSATION = [
    ChatMessageSystem(content="You are an operations agent."),
    ChatMessageUser(content="What is in /srv?"),
    ChatMessageAssistant(content="", tool_calls=[ToolCall(id="c1", function="bash", arguments={"cmd": "ls /srv"})]),
    ChatMessageTool(content="app\nbackup", tool_call_id="c1", function="bash"),
    ChatMessageTool(content="", tool_call_id="c2", function="bash",
                    error=ToolCallError(type="permission", message="denied")),
]


def test_messages_and_tools_take_the_shape_the_template_reads() -> None:
    msgs = [template_message(m) for m in CONVERSATION]
    assert msgs[2]["tool_calls"] == [
        {"id": "c1", "type": "function", "function": {"name": "bash", "arguments": {"cmd": "ls /srv"}}}
    ]  # arguments stay a dict: the template's tojson would quote a string twice
    assert msgs[3] == {"role": "tool", "content": "app\nbackup"}
    assert msgs[4] == {"role": "tool", "content": "error: denied"}  # a failed call is not an empty result
    declared = template_tools([BASH])[0]
    assert declared["type"] == "function" and declared["function"]["name"] == "bash"
    assert declared["function"]["parameters"]["properties"]["cmd"]["type"] == "string"
    assert declared["function"]["parameters"]["required"] == ["cmd"]


def test_the_models_own_template_renders_tools_calls_and_responses() -> None:
    """Through the GGUF's built-in template (the real one, read from the verified file)."""
    pytest.importorskip("llama_cpp")
    from llama_cpp import Llama
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    from frontiergate.errors import ModelError

    try:
        path = embedded.gguf_path("qwen2.5-coder-0.5b-instruct")
    except ModelError:
        pytest.skip("the Qwen weight parts are not installed")
    vocab = Llama(model_path=str(path), vocab_only=True, verbose=False)
    fmt = Jinja2ChatFormatter(vocab.metadata["tokenizer.chat_template"], eos_token="<|im_end|>", bos_token="")
    prompt = fmt(messages=[template_message(m) for m in CONVERSATION], tools=template_tools(TOOLS)).prompt
    assert prompt.startswith("<|im_start|>system\nYou are an operations agent.\n\n# Tools")
    assert '"name": "bash", "description": "Run a shell command."' in prompt
    assert '<tool_call>\n{"name": "bash", "arguments": {"cmd": "ls /srv"}}\n</tool_call>' in prompt
    assert "<|im_start|>user\n<tool_response>\napp\nbackup\n</tool_response>\n<tool_response>\nerror: denied" in prompt
    assert prompt.endswith("<|im_start|>assistant\n")


def test_long_conversations_keep_the_system_prompt_and_the_latest_turns() -> None:
    msgs = [{"role": "system", "content": "S" * 10}] + [{"role": "user", "content": f"{i}" * 40} for i in range(5)]
    kept = fit_messages(msgs, 100)
    assert kept[0]["content"] == "S" * 10 and [m["content"][0] for m in kept[1:]] == ["3", "4"]
    alone = fit_messages([{"role": "user", "content": "x" * 50 + "QUESTION"}], 20)
    assert alone == [{"role": "user", "content": "x" * 12 + "QUESTION"}]  # the end, where the question is


# --- one ModelAPI, routed by spec ----------------------------------------------------------------


class FakeLlama:
    """Records what the API asks llama.cpp for and answers like it."""

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def create_chat_completion(self, **kw: Any) -> dict[str, Any]:
        self.calls.append(("chat", kw))
        usage = {"prompt_tokens": 30, "completion_tokens": 7, "total_tokens": 37}
        return {"choices": [{"message": {"content": self.reply}, "finish_reason": "stop"}], "usage": usage}

    def create_completion(self, prompt: str, **kw: Any) -> dict[str, Any]:
        self.calls.append(("completion", {"prompt": prompt, **kw}))
        return {"choices": [{"text": " " + self.reply, "finish_reason": "length"}], "usage": {}}


def _api(name: str, reply: str, monkeypatch: pytest.MonkeyPatch) -> tuple[embedded.EmbeddedModelAPI, FakeLlama]:
    fake = FakeLlama(reply)
    monkeypatch.setattr(embedded, "_load", lambda *a: fake)
    return embedded.EmbeddedModelAPI(name, gguf="unused.gguf"), fake


def test_qwen_goes_through_its_chat_template_and_returns_parsed_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    api, fake = _api("qwen2.5-coder-0.5b-instruct", '<tool_call>\n{"name": "bash", "arguments": {"cmd": "ls"}}\n'
                     "</tool_call>", monkeypatch)
    out = asyncio.run(api.generate(CONVERSATION[:2], TOOLS, "auto", GenerateConfig(temperature=0)))
    kind, kw = fake.calls[0]
    assert kind == "chat" and kw["messages"][0] == {"role": "system", "content": "You are an operations agent."}
    assert [t["function"]["name"] for t in kw["tools"]] == ["bash", "submit"] and "tool_choice" not in kw
    assert (kw["temperature"], kw["top_p"], kw["top_k"], kw["repeat_penalty"]) == (0, 0.8, 20, 1.05)
    assert kw["stop"] == ["<|im_end|>", "<|endoftext|>"] and kw["max_tokens"] == 160
    assert out.stop_reason == "tool_calls" and out.message.tool_calls is not None
    assert [(c.function, c.arguments) for c in out.message.tool_calls] == [("bash", {"cmd": "ls"})]
    assert out.usage is not None and out.usage.output_tokens == 7
    # tool_choice "none": no tools declared and nothing parsed as a call
    out = asyncio.run(api.generate(CONVERSATION[:2], TOOLS, "none", GenerateConfig()))
    assert fake.calls[1][1]["tools"] is None and out.message.tool_calls is None


def test_gemma_keeps_its_transcript_prompt_and_sampling(monkeypatch: pytest.MonkeyPatch) -> None:
    api, fake = _api("gemma-3-270m", "Hello.", monkeypatch)
    out = asyncio.run(api.generate([ChatMessageUser(content="Hi")], [], "auto", GenerateConfig()))
    kind, kw = fake.calls[0]
    assert kind == "completion" and kw["prompt"] == "User: Hi\n\nAssistant:"
    assert (kw["temperature"], kw["top_p"], kw["repeat_penalty"], kw["max_tokens"]) == (0.7, 0.95, 1.3, 160)
    assert "top_k" not in kw and kw["stop"] == ["\nUser:", "\nUSER:", "User:", "\n\n\n"]
    assert out.completion == "Hello." and out.stop_reason == "max_tokens"


# --- cards ---------------------------------------------------------------------------------------


def test_every_embedded_name_has_a_spec_and_a_card() -> None:
    assert set(SPECS) == set(EMBEDDED_NAMES)
    assert all(embedded_card(f"frontiergate/{n}") is not None for n in EMBEDDED_NAMES)


def test_qwen_has_its_own_card_and_no_pipeline_test_banner() -> None:
    card = model_card_of(f"safeguarded/{QWEN_MODEL}")
    assert card is not None and card["name"] == QWEN_MODEL and card["sha256"] == QWEN_WEIGHTS.sha256
    assert card["pipeline_test"] is False and "do not transfer to frontier models" in str(card["caveat"])
    assert pipeline_banner([QWEN_MODEL], {}) is None
    assert model_card_of("frontiergate/gemma-3-270m")["pipeline_test"] is True  # type: ignore[index]
    assert model_card_of("openai/gpt-4o") is None
