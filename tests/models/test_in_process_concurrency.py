"""In-process models take one call at a time at Inspect's level, so queued calls never wait inside an
attempt (where ``attempt_timeout`` runs) and never turn into errors, i.e. unknown outcomes."""

from __future__ import annotations

import pytest
from inspect_ai.model import GenerateConfig, Model

from frontiergate.models.in_process import innermost, one_at_a_time, runs_in_process
from frontiergate.pipeline.execute import role_models, target_models
from frontiergate.pipeline.run import RunOptions

GEMMA = "frontiergate/gemma-3-270m"


@pytest.mark.parametrize(
    ("model", "inside"),
    [
        (GEMMA, True),
        ("frontiergate/qwen2.5-coder-0.5b-instruct", True),
        (f"safeguarded/{GEMMA}", True),
        (f"safeguarded/contemplate/{GEMMA}", True),
        ("frontiergate/not-a-model", False),  # only the package's own embedded models
        ("openai/gpt-4o", False),
        ("myorg/frontiergate/gemma-3-270m", False),  # a look-alike path is not ours
        ("safeguarded/openai/gpt-4o", False),
    ],
)
def test_which_models_run_in_process(model: str, inside: bool) -> None:
    assert runs_in_process(model) is inside


def test_innermost_strips_wrappers_only() -> None:
    assert innermost(f"safeguarded/contemplate/{GEMMA}") == GEMMA
    assert innermost("openai/gpt-4o") == "openai/gpt-4o"


def test_one_at_a_time_for_in_process_models_only() -> None:
    base = GenerateConfig(seed=7, attempt_timeout=60)
    pinned = one_at_a_time(GEMMA, base)
    assert pinned.max_connections == 1 and pinned.seed == 7 and pinned.attempt_timeout == 60
    assert base.max_connections is None  # the shared config is not changed
    assert one_at_a_time("openai/gpt-4o", base).max_connections is None  # API targets keep adaptive control
    # a limit the user set is theirs to keep
    assert one_at_a_time(GEMMA, GenerateConfig(max_connections=3)).max_connections == 3


def test_run_builds_in_process_targets_and_roles_with_one_connection() -> None:
    opts = RunOptions(
        targets=[GEMMA, "mockllm/model"],
        model_roles={"grader": GEMMA, "attacker": "mockllm/model"},
    )
    config = GenerateConfig(seed=1)
    gemma, mock = target_models(opts, config)
    assert isinstance(gemma, Model) and gemma.config.max_connections == 1 and gemma.config.seed == 1
    assert mock == "mockllm/model"  # Inspect builds it, with its own (adaptive) limits
    roles = role_models(opts, config)
    assert roles is not None
    assert isinstance(roles["grader"], Model) and roles["grader"].config.max_connections == 1
    assert roles["attacker"] == "mockllm/model"
    assert role_models(RunOptions(targets=[GEMMA]), config) is None
