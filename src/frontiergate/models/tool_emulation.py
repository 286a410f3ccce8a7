"""Text-emulated tool calling for models without a native tool-call API (the embedded base model).

Agentic evaluations (autonomy) must run on every target, so a model that can only write text gets
the tools described in its prompt and calls one by writing ``CALL name {json arguments}`` on a
line of its own. Parsing is deliberately forgiving: a tiny base model rarely writes clean JSON.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from inspect_ai.model import ChatMessage, ChatMessageAssistant
from inspect_ai.tool import ToolCall, ToolInfo

_CALL_RE = re.compile(r"^\s*CALL\s+([A-Za-z_][A-Za-z0-9_]*)\s*(.*)$", re.MULTILINE)


def describe_tools(tools: list[ToolInfo]) -> str:
    lines = [
        "You can use tools. To use one, write a single line of the form:",
        'CALL tool_name {"argument": "value"}',
        "then stop and wait for the tool result. Available tools:",
    ]
    for t in tools:
        params = ", ".join(f"{name}: {p.type or 'string'}" for name, p in t.parameters.properties.items())
        lines.append(f"- {t.name}({params}): {t.description}")
    return "\n".join(lines)


def _parse_args(raw: str, tool: ToolInfo | None) -> dict[str, Any]:
    raw = raw.strip()
    if raw.startswith("{"):
        end = raw.rfind("}")
        try:
            val = json.loads(raw[: end + 1])
            if isinstance(val, dict):
                return val
        except json.JSONDecodeError:
            pass
    # fall back: the whole rest of the line is the first required argument (e.g. a shell command)
    if tool is not None and tool.parameters.properties:
        first = (tool.parameters.required or list(tool.parameters.properties))[0]
        return {first: raw.strip("{}\"' ")}
    return {}


def parse_tool_calls(text: str, tools: list[ToolInfo]) -> tuple[str, list[ToolCall]]:
    """Split model text into (content before the call, tool calls). Only known tools count."""
    by_name = {t.name: t for t in tools}
    for m in _CALL_RE.finditer(text):
        name = m.group(1)
        if name in by_name:
            call = ToolCall(
                id=f"call_{uuid.uuid4().hex[:12]}", function=name, arguments=_parse_args(m.group(2), by_name[name])
            )
            return text[: m.start()].strip(), [call]
    return text, []


def render_assistant(message: ChatMessage) -> str:
    """An assistant turn as the model would have written it, tool calls included."""
    text = message.text.strip()
    if isinstance(message, ChatMessageAssistant) and message.tool_calls:
        calls = "\n".join(f"CALL {c.function} {json.dumps(c.arguments)}" for c in message.tool_calls)
        text = f"{text}\n{calls}".strip()
    return text
