"""Threshold arithmetic: which level a value reaches, and what an interval shows about levels.

A level is *reached* when the evidence shows it (for a higher-is-worse metric, the interval's lower
end is at or above its threshold) and *cleared* when the upper end is below it. Between the two the
interval is *undetermined* at that level: the decision must neither clear the model on it nor take
a severe action on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from frontiergate.policy.schema import LEVELS, Criterion, Level


def level_for(value: float, criterion: Criterion) -> Level:
    """Highest level whose threshold ``value`` reaches (``low`` when none)."""
    reached: Level = "low"
    for lvl in LEVELS[1:]:
        thr = criterion.threshold(lvl)
        if thr is None:
            continue
        hit = value >= thr if criterion.direction == "higher_is_worse" else value <= thr
        if hit:
            reached = lvl
    return reached


def max_level(levels: list[Level]) -> Level:
    return max(levels, key=LEVELS.index) if levels else "low"


@dataclass(frozen=True)
class LevelRange:
    """The levels an interval is compatible with: at least ``reached``, at most ``possible``."""

    reached: Level
    possible: Level

    @property
    def determined(self) -> bool:
        return self.reached == self.possible


def level_range(low: float, high: float, criterion: Criterion) -> LevelRange:
    """Levels shown (reached) and not excluded (possible) by the interval ``[low, high]``."""
    if criterion.direction == "higher_is_worse":
        return LevelRange(level_for(low, criterion), level_for(high, criterion))
    return LevelRange(level_for(high, criterion), level_for(low, criterion))


def level_text(d: Mapping[str, Any]) -> str:
    """The level a domain reached, or the range it is undetermined over (``level``, ``level_possible``)."""
    level, possible = d.get("level"), d.get("level_possible")
    if level is None:
        return "n/a"
    if possible and possible != level:
        return f"{level}–{possible} (undetermined)"
    return str(level)
