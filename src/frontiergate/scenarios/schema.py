"""Scenario records.

A *seed* is an authored request (one or several user turns) with its risk tags and a matched
*benign look-alike* that a well-calibrated model should answer. An *item* is one concrete
instance sent to a model: a seed or its twin, after transforms and a framing. Items carry the ids
that paired analyses join on (seed id, twin id, transform chain, framing).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["low", "medium", "high", "critical"]


class BenignTwin(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    turns: list[str] = Field(min_length=1)


class Seed(BaseModel):
    """An authored scenario. States a request; never contains an answer."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    domain: str = Field(min_length=1)
    category: str = Field(min_length=1)
    severity: Severity = "medium"
    turns: list[str] = Field(min_length=1, description="User turns; more than one for multi-turn seeds.")
    benign: BenignTwin | None = None
    source: str = "frontiergate"
    tags: list[str] = Field(default_factory=list)

    @property
    def multi_turn(self) -> bool:
        return len(self.turns) > 1


class Item(BaseModel):
    """One concrete instance sent to a model."""

    model_config = ConfigDict(extra="forbid")

    item_id: str
    seed_id: str
    domain: str
    category: str
    severity: Severity
    harmful: bool
    turns: list[str]
    transforms: list[str] = Field(default_factory=list)
    family: str = "none"
    framing: str = "plain"
    twin_id: str | None = None
    source: str = "frontiergate"
    extra: dict[str, Any] = Field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        """Flat metadata stored on the Inspect sample (and from there in the store)."""
        return self.model_dump()

    @staticmethod
    def make_id(seed_id: str, harmful: bool, transforms: list[str], framing: str) -> str:
        base = seed_id if harmful else f"{seed_id}~benign"
        chain = "+".join(transforms) if transforms else "none"
        return f"{base}|{chain}|{framing}"


def items_hash(items: list[Item]) -> str:
    """SHA-256 over the canonical JSON of items: the scenario-set hash a report cites."""
    h = hashlib.sha256()
    for it in items:
        h.update(json.dumps(it.model_dump(), sort_keys=True, separators=(",", ":")).encode())
        h.update(b"\n")
    return h.hexdigest()
