"""One call at a time for models that run in this process.

Why: an embedded llama.cpp model decodes one prompt at a time (its API serialises calls on a lock).
Inspect's adaptive connection control, on by default, ignores ``ModelAPI.max_connections()`` and
lets several calls in at once; the extra ones then wait on the lock *inside* the attempt, where
``attempt_timeout`` runs. They time out, are retried, and the abandoned threads still decode: under
load a quick run turned many samples into errors, i.e. unknown outcomes that thin out the evidence
the verdict rests on. A connection limit of one makes Inspect queue such calls *before* the
attempt starts, where no timeout runs and nothing is wasted.
"""

from __future__ import annotations

from inspect_ai.model import GenerateConfig

from frontiergate.models.card import EMBEDDED_NAMES

WRAPPERS = ("safeguarded/", "contemplate/")


def innermost(model: str) -> str:
    """The model inside wrapper targets (``safeguarded/contemplate/M`` -> ``M``), matched exactly."""
    while model.startswith(WRAPPERS):
        model = model.split("/", 1)[1]
    return model


def runs_in_process(model: str) -> bool:
    """Whether ``model`` (possibly wrapped) ends in an embedded model of this package."""
    provider, _, name = innermost(model).partition("/")
    return provider == "frontiergate" and name in EMBEDDED_NAMES


def one_at_a_time(model: str, config: GenerateConfig) -> GenerateConfig:
    """``config`` with a connection limit of one for an in-process model, unless the user set a limit."""
    if config.max_connections is not None or not runs_in_process(model):
        return config
    return config.merge(GenerateConfig(max_connections=1))
