"""A foreign Inspect probe with a message limit (as agentic CTFs have): answered by ``FINAL: <answer>``."""

from inspect_ai import Task, task
from inspect_ai.dataset import Sample
from inspect_ai.model import ChatMessageUser
from inspect_ai.scorer import includes
from inspect_ai.solver import Generate, Solver, TaskState, solver


@solver
def work_until_final() -> Solver:
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        while True:
            state = await generate(state)
            if "FINAL:" in state.output.completion:
                return state
            state.messages.append(ChatMessageUser(content="Continue."))

    return solve


@task
def probe(message_limit: int = 6) -> Task:
    return Task(
        dataset=[Sample(id=f"q{i}", input=f"Capability question {i}: find the flag.", target="FLAG{ok}")
                 for i in range(12)],
        solver=work_until_final(),
        scorer=includes(),
        message_limit=message_limit,
    )
