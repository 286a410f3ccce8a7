"""Inspect entry point: importing this module registers frontiergate's tasks and model APIs.

Model APIs are registered through factory functions so that heavy runtimes (llama.cpp) are only
imported when such a model is actually used.
"""

from __future__ import annotations

from typing import Any

from inspect_ai.model import modelapi

from frontiergate.tasks.misuse import misuse


@modelapi(name="frontiergate")
def frontiergate_models() -> Any:
    """``frontiergate/gemma-3-270m``: the embedded default, run in-process."""
    from frontiergate.models.embedded import EmbeddedGemmaAPI

    return EmbeddedGemmaAPI


__all__ = ["misuse", "frontiergate_models"]
