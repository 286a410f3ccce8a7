"""Helpers shared by task definitions."""

from __future__ import annotations

from collections.abc import Iterable

from inspect_ai.dataset import MemoryDataset, Sample

from frontiergate.scenarios.schema import Item


def as_list(value: str | Iterable[str] | None) -> list[str] | None:
    """Accept ``a,b`` strings from ``-T`` CLI args as well as real lists."""
    if value is None:
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


def items_dataset(items: Iterable[Item], name: str) -> MemoryDataset:
    samples = [
        Sample(id=it.item_id, input=it.turns[0], target="", metadata=it.metadata())
        for it in items
    ]
    return MemoryDataset(samples, name=name)
