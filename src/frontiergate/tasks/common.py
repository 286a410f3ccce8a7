"""Helpers shared by task definitions."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from inspect_ai.dataset import MemoryDataset, Sample

from frontiergate.scenarios.schema import Item, Seed


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


def condition_samples(seeds: Sequence[Seed], conditions: Sequence[str], kind: str, include_benign: bool,
                      per_condition: Callable[[str], dict[str, Any]] | None = None) -> list[Sample]:
    """Every single-turn item once per condition of a causal experiment (``kind``: ``prefill``, ``steer``).

    Why each condition is its own item (``<item_id>|<kind>:<condition>``) with ``harmful`` left unset and
    the harm kept in ``extra["<kind>_harmful"]``: the store keeps one item row per item id, so the
    condition must live on the item; and the misuse rates count every sample whose item is harmful or
    benign, so an answer we opened or pushed would otherwise be pooled into the attack-success rate, where
    a model could look safer *because* of the experiment.
    """
    from frontiergate.scenarios.expand import expand

    samples: list[Sample] = []
    for it in expand(list(seeds), include_benign=include_benign):
        meta = it.metadata()
        extra = dict(meta.pop("extra") or {})
        for c in conditions:
            item_id = f"{it.item_id}|{kind}:{c}"
            samples.append(Sample(
                id=item_id, input=it.turns[0], target="",
                metadata={**meta, "item_id": item_id, "harmful": None, "framing": kind,
                          "extra": {**extra, f"{kind}_condition": c, f"{kind}_harmful": it.harmful,
                                    "source_item_id": it.item_id},
                          f"{kind}_condition": c, **(per_condition(c) if per_condition else {})}))
    return samples


def checked_conditions(conditions: str | list[str] | None, allowed: Sequence[str], what: str) -> list[str]:
    """The requested subset of ``allowed`` (default all), or a usage error naming the unknown ones."""
    from frontiergate.errors import DataFileError

    conds = as_list(conditions) or list(allowed)
    bad = [c for c in conds if c not in allowed]
    if bad:
        raise DataFileError(f"unknown {what} condition(s) {', '.join(bad)}", f"use a subset of {', '.join(allowed)}")
    return conds
