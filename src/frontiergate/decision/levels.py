"""Threshold arithmetic: which level a value reaches under a criterion."""

from __future__ import annotations

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
