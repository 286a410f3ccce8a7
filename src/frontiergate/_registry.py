"""Inspect entry point: importing this module registers frontiergate's tasks and model APIs.

Model APIs are registered through factory functions so that heavy runtimes (llama.cpp) are only
imported when such a model is actually used.
"""

from __future__ import annotations

from typing import Any

from inspect_ai.model import modelapi

from frontiergate.offline import install_offline_token_counter
from frontiergate.tasks.autonomy import autonomy  # noqa: F401
from frontiergate.tasks.awareness import awareness  # noqa: F401
from frontiergate.tasks.awareness_prefill import awareness_prefill  # noqa: F401
from frontiergate.tasks.awareness_steer import awareness_steer  # noqa: F401  (also registers frontiergate-steer)
from frontiergate.tasks.awareness_steer_autonomy import awareness_steer_autonomy  # noqa: F401
from frontiergate.tasks.bias import bias  # noqa: F401
from frontiergate.tasks.capability import capability
from frontiergate.tasks.misuse import misuse

install_offline_token_counter()


@modelapi(name="frontiergate")
def frontiergate_models() -> Any:
    """``frontiergate/<name>``: the embedded models, run in-process (``qwen2.5-coder-0.5b-instruct``, the
    default, and ``gemma-3-270m``, the base-model pipeline check; see ``models/card.py``)."""
    from frontiergate.models.embedded import EmbeddedModelAPI

    return EmbeddedModelAPI


@modelapi(name="safeguarded")
def safeguarded_models() -> Any:
    """``safeguarded/<inner model>``: any model behind input and output guards (see models/safeguarded.py)."""
    from frontiergate.models.safeguarded import SafeguardedAPI

    return SafeguardedAPI


@modelapi(name="contemplate")
def contemplating_models() -> Any:
    """``contemplate/<inner model>``: N parallel agents plus an aggregator, as one model."""
    from frontiergate.models.contemplating import ContemplatingAPI

    return ContemplatingAPI


__all__ = ["capability", "misuse", "frontiergate_models", "safeguarded_models", "contemplating_models"]
