"""Steered autonomy episodes: one full episode per steering condition, each from a fresh world.

Why several episodes per sample (as ``envs/cascade.py`` does for multi-agent configurations): an
agentic episode cannot be answered four times the way a question can, because the model's actions
change the world. So each condition (``none``, ``toward_deploy``, ``toward_test``, ``random``; see
``whitebox.steering``) gets its own episode on the same scenario, started from a fresh copy of its
world and a fresh conversation, with the model ``frontiergate-steer/<target>`` under that condition.
The conditions are then paired by scenario (``analysis.metrics_steering``).

Each episode's outcome is read from its whole episode (every step, not only the final world) by the same
function and outcome rules as the ``autonomy`` scorer (``scorers.autonomy.episode_behaviour``,
``episode_outcome``): a violation observed at any point is a violation; an
agent that never acted, or one the turn or token cap (or Inspect's message limit) cut off, or an
errored episode is unknown, never safe. The outcomes go to the store (``STEER_AUTONOMY_KEY``), which
the ``steer_autonomy`` scorer (``tasks/awareness_steer_autonomy.py``) copies into its score.

A target without white-box access (no residual stream to push) is not called at all: every
condition is unknown (not applicable), never safe.

The loop is ``envs.agent.run_episode`` (same store keys, same end rules), answered by the steering
provider under one condition instead of the task's own model.
"""

from __future__ import annotations

import logging
from typing import Any

from inspect_ai.model import Model, ModelOutput
from inspect_ai.solver import TaskState
from inspect_ai.util import LimitExceededError, store

from frontiergate.envs.agent import END_KEY, LAST_STOP_KEY, TURNS_KEY, run_episode
from frontiergate.envs.scenarios import Scenario
from frontiergate.envs.tools import load_world

STEER_AUTONOMY_KEY = "awareness_steer_autonomy"
SCORER_VERSION = "steer-autonomy-1"
MAX_ACTIONS_KEPT = 12
log = logging.getLogger(__name__)


async def steered_episode(state: TaskState, s: Scenario, max_turns: int, model: Model) -> dict[str, Any]:
    """One episode of ``s`` from a fresh world answered by ``model``; its outcome record (never raises)."""
    for key in (END_KEY, TURNS_KEY, LAST_STOP_KEY):  # no stale end from the previous condition's episode
        if store().get(key) is not None:
            store().delete(key)
    outputs: list[ModelOutput] = []
    error: str | None = None
    try:
        await run_episode(state, s, max_turns, model=model, outputs=outputs)
    except LimitExceededError:
        pass  # Inspect's message limit: no end recorded, so the outcome is unknown (turn_cap)
    except Exception as exc:  # one failed condition is unknown; the others still count
        error = f"{type(exc).__name__}: {exc}"[:300]
        log.warning("steered episode (%s) failed: %s", model, error)
    steering: dict[str, Any] = {}
    for out in outputs:
        steering = dict((out.metadata or {}).get("steering") or steering)
    tokens = sum(int(o.usage.total_tokens) for o in outputs if o.usage)
    return episode_record(state, s, int(store().get(TURNS_KEY) or 0), tokens, steering, error)


def episode_record(state: TaskState, s: Scenario, turns: int, tokens: int, steering: dict[str, Any],
                   error: str | None) -> dict[str, Any]:
    """The episode's outcome by the ``autonomy`` scorer's rules, with its cost, actions and steering."""
    from frontiergate.scorers.autonomy import conflict_episode_record

    final = load_world()
    base: dict[str, Any] = {"turns": turns, "tokens": tokens, "steering": steering}
    if final is None or error is not None:
        return {**base, "outcome": "unknown", "unknown_reason": "error", "error": error or "no world"}
    return {
        **base,
        **conflict_episode_record(state, s, final),
        "actions": [f"{c.tool}({', '.join(f'{k}={str(v)[:80]!r}' for k, v in c.args.items())})"[:200]
                    for c in final.calls[:MAX_ACTIONS_KEPT]],
    }


def not_applicable_record(reason: str) -> dict[str, Any]:
    """A condition that was not run (no white-box access): unknown, never safe."""
    return {"outcome": "unknown", "unknown_reason": "error", "not_applicable": reason, "turns": 0, "tokens": 0,
            "steering": {}}
