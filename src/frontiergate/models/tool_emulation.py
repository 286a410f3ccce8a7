"""Tool calls written as text, for the embedded models (llama.cpp returns text, never structured calls).

Agentic evaluations (autonomy) must run on every target. Two text formats are read here:

- **emulated** (the base model, which has no tool format of its own): the tools are described in its
  prompt and it calls one by writing ``CALL name {json arguments}`` on a line of its own. Parsing is
  deliberately forgiving: a tiny base model rarely writes clean JSON.
- **tagged** (Qwen2.5's native format, which its chat template teaches): one
  ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` block per call (or, when the small model
  drops the tags, the same object alone at the start of a line). Parsing is strict: an instruct model
  that writes broken JSON has not called a tool, and its text is kept as its answer.

Either way only tools the sample offered become Inspect ``ToolCall``s.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from inspect_ai.model import ChatMessage, ChatMessageAssistant
from inspect_ai.tool import ToolCall, ToolInfo

_CALL_RE = re.compile(r"^\s*CALL\s+([A-Za-z_][A-Za-z0-9_]*)\s*(.*)$", re.MULTILINE)
# a block cut off by max_tokens has no closing tag: it is matched to the end and then fails to parse
_TAGGED_RE = re.compile(r"<tool_call>(.*?)(?:</tool_call>|\Z)", re.DOTALL)
_BARE_START_RE = re.compile(r"^[ \t]*\{", re.MULTILINE)
_EMPTY_FENCE_RE = re.compile(r"```[a-z]*\s*```")  # what a fenced call leaves behind


def _tool_call(name: str, arguments: dict[str, Any]) -> ToolCall:
    return ToolCall(id=f"call_{uuid.uuid4().hex[:12]}", function=name, arguments=arguments)


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
            return text[: m.start()].strip(), [_tool_call(name, _parse_args(m.group(2), by_name[name]))]
    return text, []


def _call_from(obj: Any, known: set[str]) -> ToolCall | None:
    """A decoded ``{"name": known, "arguments": {...}}`` as a call, else None."""
    if not isinstance(obj, dict) or obj.get("name") not in known:
        return None
    args = obj.get("arguments", {})
    if isinstance(args, str):  # some models write the OpenAI wire form: arguments as a JSON string
        try:
            args = json.loads(args)
        except json.JSONDecodeError:
            return None
    return _tool_call(str(obj["name"]), args) if isinstance(args, dict) else None


def _tagged_spans(text: str, known: set[str]) -> list[tuple[int, int, ToolCall]]:
    spans = []
    for m in _TAGGED_RE.finditer(text):
        try:
            call = _call_from(json.loads(m.group(1).strip()), known)
        except json.JSONDecodeError:
            call = None
        if call is not None:
            spans.append((m.start(), m.end(), call))
    return spans


def _bare_spans(text: str, known: set[str]) -> list[tuple[int, int, ToolCall]]:
    """Call objects written without the tags (the 0.5B model drops them at times): a complete JSON object at
    the start of a line that names an offered tool is the same intent; anything else stays text."""
    decoder = json.JSONDecoder()
    spans = []
    pos = 0
    for m in _BARE_START_RE.finditer(text):
        if m.start() < pos:
            continue
        try:
            obj, end = decoder.raw_decode(text, m.end() - 1)
        except json.JSONDecodeError:
            continue
        call = _call_from(obj, known)
        if call is not None:
            spans.append((m.start(), end, call))
            pos = end
    return spans


def parse_tagged_tool_calls(text: str, tools: list[ToolInfo]) -> tuple[str, list[ToolCall]]:
    """Split Qwen-style output into (text, calls): valid blocks become calls and leave the text; a malformed
    block or one naming an unknown tool stays in the text, so the answer is never silently shortened."""
    known = {t.name for t in tools}
    spans = _tagged_spans(text, known) if "<tool_call>" in text else _bare_spans(text, known)
    if not spans:
        return text, []
    kept, end = [], 0
    for start, stop, _ in spans:
        kept.append(text[end:start])
        end = stop
    kept.append(text[end:])
    rest = _EMPTY_FENCE_RE.sub("", "".join(kept)).strip()
    return rest, [call for _, _, call in spans]


def render_assistant(message: ChatMessage) -> str:
    """An assistant turn as the model would have written it, tool calls included."""
    text = message.text.strip()
    if isinstance(message, ChatMessageAssistant) and message.tool_calls:
        calls = "\n".join(f"CALL {c.function} {json.dumps(c.arguments)}" for c in message.tool_calls)
        text = f"{text}\n{calls}".strip()
    return text
