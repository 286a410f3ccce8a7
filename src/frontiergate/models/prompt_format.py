"""Plain-text chat rendering for base (non-instruction-tuned) models.

A pretrained base model has no chat template; the format that makes Gemma 3 270M write
semi-coherent answers is a transcript of ``User:``/``Assistant:`` turns ending with an open
``Assistant:`` line, and generation must stop where the model starts inventing the next user turn.
"""

from __future__ import annotations

from collections.abc import Sequence

from inspect_ai.model import ChatMessage

STOP_SEQUENCES = ["\nUser:", "\nUSER:", "User:", "\n\n\n"]


def render_transcript(messages: Sequence[ChatMessage]) -> str:
    """Render messages as a plain transcript that ends on an open assistant turn."""
    parts: list[str] = []
    for m in messages:
        text = m.text.strip()
        if m.role == "system":
            parts.append(text)
        elif m.role == "user":
            parts.append(f"User: {text}")
        elif m.role == "assistant":
            parts.append(f"Assistant: {text}")
        elif m.role == "tool":
            parts.append(f"Tool result: {text}")
    parts.append("Assistant:")
    return "\n\n".join(parts)
