"""Multi-turn conversations driven by the item's scripted user turns.

Some requests only become harmful across turns (crescendo-style escalation), so the model must
answer each turn in sequence, seeing its own earlier answers, before the final answer is scored.

Each answer's stop reason and the safeguard metadata of its output are recorded in
``metadata["turn_outputs"]`` (one entry per assistant answer, in order), so the scorers can read an
earlier answer as they read the final one: cut off, filtered or blocked by a failed guard is unknown,
not a clean answer.
"""

from __future__ import annotations

from typing import Any

from inspect_ai.model import ChatMessageUser
from inspect_ai.solver import Generate, Solver, TaskState, solver

TURN_OUTPUTS = "turn_outputs"


def turn_output(state: TaskState) -> dict[str, Any]:
    """The stop reason and guard metadata of the answer ``state.output`` holds."""
    output = state.output
    stop = str(output.stop_reason) if output and output.stop_reason else None
    meta = output.metadata if output else None
    guard = meta.get("safeguard") if isinstance(meta, dict) else None
    return {"stop_reason": stop, "output_metadata": {"safeguard": guard} if guard is not None else None}


def record_turn(state: TaskState) -> None:
    """Append the latest answer's record to ``metadata["turn_outputs"]``."""
    records = state.metadata.get(TURN_OUTPUTS)
    records = list(records) if isinstance(records, list) else []
    records.append(turn_output(state))
    state.metadata[TURN_OUTPUTS] = records


@solver(name="scripted_turns")
def scripted_turns() -> Solver:
    """Generate once per user turn listed in ``metadata['turns']`` (the first is the input)."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        turns: list[str] = list(state.metadata.get("turns") or [])
        state.metadata[TURN_OUTPUTS] = []
        state = await generate(state)
        record_turn(state)
        for turn in turns[1:]:
            if state.completed:
                break
            state.messages.append(ChatMessageUser(content=turn))
            state = await generate(state)
            record_turn(state)
        return state

    return solve
