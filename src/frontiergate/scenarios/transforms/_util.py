"""Helpers shared by transform modules: which turns a rewrite touches, and template picking."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence


def each_turn(turns: list[str], f: Callable[[str], str]) -> list[str]:
    """Rewrite every turn (encodings: every user message must be decoded to follow the dialogue)."""
    return [f(t) for t in turns]


def last_turn(turns: list[str], f: Callable[[str], str]) -> list[str]:
    """Rewrite only the final turn: in multi-turn seeds that is where the harmful ask lands."""
    return [*turns[:-1], f(turns[-1])]


def pick(rng: random.Random, options: Sequence[str]) -> str:
    return options[rng.randrange(len(options))]


def split_words(text: str, parts: int) -> list[str]:
    """Split ``text`` into ``parts`` non-empty chunks at word boundaries (fewer if too short)."""
    words = text.split()
    parts = max(1, min(parts, len(words)))
    size, rem = divmod(len(words), parts)
    out, i = [], 0
    for p in range(parts):
        n = size + (1 if p < rem else 0)
        out.append(" ".join(words[i : i + n]))
        i += n
    return out
