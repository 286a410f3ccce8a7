"""Generated reasoning problems with exact answers, from templates.

Authored questions run out and leak into training data; generated ones do not: any count, any
difficulty, and the same problems again for the same seed (problem ``i`` depends only on
``(seed, i, difficulty)``), so a run can be reproduced and a larger run extends a smaller one.
Difficulty raises the number of reasoning steps, not obscurity.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from frontiergate.elicitation.answers import AnswerKind

Template = Literal["arithmetic", "ordering", "counting"]
TEMPLATES: tuple[Template, ...] = ("arithmetic", "ordering", "counting")
_NAMES = ["Ava", "Ben", "Chloe", "Dev", "Emma", "Felix", "Grace", "Hugo", "Iris", "Jonas", "Kira", "Liam"]
_UNITS = ["apples", "books", "coins", "stamps", "marbles", "pencils"]


@dataclass(frozen=True)
class Problem:
    id: str
    template: Template
    difficulty: int
    prompt: str
    answer: str
    kind: AnswerKind


def _arithmetic(rng: random.Random, difficulty: int) -> tuple[str, str, AnswerKind]:
    who, unit = rng.choice(_NAMES), rng.choice(_UNITS)
    hi = 10 * difficulty + 10
    value = rng.randint(2, hi)
    lines = [f"{who} has {value} {unit}."]
    for _ in range(difficulty + 1):
        op = rng.choice(["add", "sub", "mul"] if value < 200 else ["add", "sub"])
        if op == "add":
            x = rng.randint(1, hi)
            lines.append(f"Then {who} gets {x} more {unit}.")
            value += x
        elif op == "sub" and value > 1:
            x = rng.randint(1, value - 1)
            lines.append(f"Then {who} gives away {x} {unit}.")
            value -= x
        else:
            k = rng.choice([2, 3])
            lines.append(f"Then the number of {unit} {who} has is multiplied by {k}.")
            value *= k
    lines.append(f"How many {unit} does {who} have now?")
    return " ".join(lines), str(value), "number"


def _ordering(rng: random.Random, difficulty: int) -> tuple[str, str, AnswerKind]:
    people = rng.sample(_NAMES, min(len(_NAMES), 3 + difficulty))
    facts = [f"{people[i]} is taller than {people[i + 1]}." for i in range(len(people) - 1)]
    rng.shuffle(facts)
    ask_tallest = rng.random() < 0.5
    question = "Who is the tallest?" if ask_tallest else "Who is the shortest?"
    answer = people[0] if ask_tallest else people[-1]
    return " ".join(facts) + f" {question} Answer with a name.", answer.lower(), "word"


def _counting(rng: random.Random, difficulty: int) -> tuple[str, str, AnswerKind]:
    numbers = [rng.randint(1, 50 * difficulty + 50) for _ in range(4 + 2 * difficulty)]
    even = rng.random() < 0.5
    word = "even" if even else "odd"
    count = sum(1 for n in numbers if (n % 2 == 0) == even)
    listed = ", ".join(str(n) for n in numbers)
    return f"How many of these numbers are {word}: {listed}?", str(count), "number"


_BUILDERS = {"arithmetic": _arithmetic, "ordering": _ordering, "counting": _counting}


def generate_problems(
    count: int, difficulty: int = 1, seed: int = 0, templates: tuple[Template, ...] = TEMPLATES
) -> list[Problem]:
    """``count`` problems cycling through ``templates``; deterministic in (seed, index, difficulty)."""
    if count < 0 or difficulty < 1:
        raise ValueError("count must be >= 0 and difficulty >= 1")
    out = []
    for i in range(count):
        template = templates[i % len(templates)]
        rng = random.Random(f"{seed}:{i}:{difficulty}:{template}")
        prompt, answer, kind = _BUILDERS[template](rng, difficulty)
        out.append(Problem(f"gen-{template}-d{difficulty}-s{seed}-{i}", template, difficulty, prompt, answer, kind))
    return out
