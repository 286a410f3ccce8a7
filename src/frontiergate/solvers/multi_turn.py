"""Multi-turn conversations driven by the item's scripted user turns.

Some requests only become harmful across turns (crescendo-style escalation), so the model must
answer each turn in sequence, seeing its own earlier answers, before the final answer is scored.
"""

from __future__ import annotations

from inspect_ai.model import ChatMessageUser
from inspect_ai.solver import Generate, Solver, TaskState, solver


@solver(name="scripted_turns")
def scripted_turns() -> Solver:
    """Generate once per user turn listed in ``metadata['turns']`` (the first is the input)."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        turns: list[str] = list(state.metadata.get("turns") or [])
        state = await generate(state)
        for turn in turns[1:]:
            if state.completed:
                break
            state.messages.append(ChatMessageUser(content=turn))
            state = await generate(state)
        return state

    return solve
