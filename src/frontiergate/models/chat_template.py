"""Inspect messages and tools in the shape a GGUF's own chat template expects (instruct models).

Why: an instruct model answers in character only when prompted exactly as it was trained, so the
model's built-in Jinja template (rendered by llama-cpp's ``create_chat_completion``) does the
formatting; this module only hands it OpenAI-style dicts. Qwen2.5's template writes each tool call's
``arguments`` with ``tojson``, so they go in as a dict (a JSON string would be quoted twice), and it
wraps ``tool`` messages in ``<tool_response>`` blocks itself.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from inspect_ai.model import ChatMessage, ChatMessageAssistant, ChatMessageTool
from inspect_ai.tool import ToolInfo


def template_tools(tools: Sequence[ToolInfo]) -> list[dict[str, Any]]:
    """Tools as OpenAI function declarations (what the template lists inside ``<tools>``)."""
    return [
        {
            "type": "function",
            "function": {
                "name": t.name,
                "description": t.description,
                "parameters": t.parameters.model_dump(exclude_none=True),
            },
        }
        for t in tools
    ]


def _tool_text(m: ChatMessageTool) -> str:
    text = m.text.strip()
    if m.error is not None:  # the model must see that its call failed, not an empty result
        text = f"{text}\nerror: {m.error.message}".strip()
    return text


def template_message(m: ChatMessage) -> dict[str, Any]:
    """One message as a template dict; images and other non-text content are not sent (text models)."""
    if isinstance(m, ChatMessageTool):
        return {"role": "tool", "content": _tool_text(m)}
    out: dict[str, Any] = {"role": m.role, "content": m.text.strip()}
    if isinstance(m, ChatMessageAssistant) and m.tool_calls:
        out["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.function, "arguments": c.arguments}}
            for c in m.tool_calls
        ]
    return out


def _size(m: dict[str, Any]) -> int:
    return len(m["content"]) + (len(json.dumps(m["tool_calls"])) if "tool_calls" in m else 0)


def fit_messages(messages: list[dict[str, Any]], budget_chars: int) -> list[dict[str, Any]]:
    """Keep the conversation inside the context window: a leading system message always stays, the oldest
    other turns go first, and a last turn that alone is too long keeps its end (where the question is)."""
    head = messages[:1] if messages and messages[0]["role"] == "system" else []
    rest = messages[len(head) :]
    used = sum(_size(m) for m in head)
    kept: list[dict[str, Any]] = []
    for m in reversed(rest):
        if kept and used + _size(m) > budget_chars:
            break
        kept.insert(0, m)
        used += _size(m)
    if kept and used > budget_chars:
        last = dict(kept[0])
        over = used - budget_chars
        last["content"] = last["content"][min(over, len(last["content"])) :]
        kept[0] = last
    return head + kept
