"""Name check shared by the models that wrap another model (``safeguarded/``, ``contemplate/``).

Why: Inspect strips the provider prefix before constructing the API, so ``safeguarded/gpt-4o`` arrives
as ``gpt-4o`` and would fail later, deep inside the first request, with a provider error. Checking
here gives one clear message and the form to write.
"""

from __future__ import annotations

from frontiergate.errors import ModelError


def require_inner_model(prefix: str, model_name: str) -> None:
    """Raise unless ``model_name`` is ``<provider>/<model>`` (what follows ``prefix/``)."""
    if "/" not in model_name:
        raise ModelError(
            f"'{prefix}/{model_name}' does not name an inner model",
            f"write {prefix}/<provider>/<model>, e.g. {prefix}/frontiergate/gemma-3-270m",
        )
