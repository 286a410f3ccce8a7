"""Plain-text chat rendering for base (non-instruction-tuned) models.

A pretrained base model has no chat template; the format that makes Gemma 3 270M write
semi-coherent answers is a transcript of ``User:``/``Assistant:`` turns ending with an open
``Assistant:`` line, and generation must stop where the model starts inventing the next user turn.
"""

from __future__ import annotations

from collections.abc import Sequence

from inspect_ai.model import ChatMessage
from inspect_ai.tool import ToolInfo

from frontiergate.models.tool_emulation import describe_tools, render_assistant

STOP_SEQUENCES = ["\nUser:", "\nUSER:", "User:", "\n\n\n"]


def render_transcript(messages: Sequence[ChatMessage], tools: list[ToolInfo] | None = None) -> str:
    """Render messages as a plain transcript that ends on an open assistant turn."""
    parts: list[str] = [describe_tools(tools)] if tools else []
    for m in messages:
        text = m.text.strip()
        if m.role == "system":
            parts.append(text)
        elif m.role == "user":
            parts.append(f"User: {text}")
        elif m.role == "assistant":
            parts.append(f"Assistant: {render_assistant(m)}")
        elif m.role == "tool":
            parts.append(f"Tool result: {text}")
    parts.append("Assistant:")
    return "\n\n".join(parts)
