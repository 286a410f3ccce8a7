"""Transform registry: named, family-tagged rewrites of an item's user turns.

A transform rewrites the list of user turns of one item (so it works on multi-turn items) and may
add or remove turns (multi-turn escalation does). It draws every random choice from the
``random.Random`` it is handed, never from global state, so an expansion is a pure function of
(seed, item, chain) and a sweep can be re-created byte for byte from its seed.

Chains are written ``outer+inner``: ``roleplay_dan+base64`` base64-encodes the request first and
then wraps the encoded text in the DAN persona. The *outermost* (first-named) transform is what
the model sees first, so it names the chain's family.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from frontiergate.errors import DataFileError


@dataclass(frozen=True)
class TransformContext:
    """What a transform may know about the item besides its turns (e.g. a topic for escalation)."""

    domain: str
    category: str
    harmful: bool

    @property
    def topic(self) -> str:
        return self.category.replace("_", " ")


TransformFn = Callable[[list[str], random.Random, TransformContext], list[str]]


@dataclass(frozen=True)
class Transform:
    """One named rewrite. ``family`` groups transforms that exploit the same weakness."""

    name: str
    family: str
    description: str
    fn: TransformFn

    def apply(self, turns: list[str], rng: random.Random, ctx: TransformContext) -> list[str]:
        out = self.fn(list(turns), rng, ctx)
        if not out or not all(isinstance(t, str) and t for t in out):
            raise ValueError(f"transform {self.name} produced an empty turn")
        return out


_REGISTRY: dict[str, Transform] = {}

FAMILIES = (
    "encoding",
    "roleplay",
    "hypothetical",
    "refusal_suppression",
    "payload_splitting",
    "multi_turn",
    "format_shift",
    "persuasion",
    "image",
)

# Families that ``all`` leaves out: they need a capability most targets lack (``image`` needs a
# vision-language target), so a default sweep must not silently spend its variant budget on items
# a text-only target cannot be sent. Select them by name (``--transforms image``).
OPT_IN_FAMILIES = ("image",)


def register(name: str, family: str, description: str) -> Callable[[TransformFn], TransformFn]:
    """Decorator adding a transform function to the registry under ``name``."""
    if family not in FAMILIES:
        raise ValueError(f"unknown transform family {family!r}")

    def deco(fn: TransformFn) -> TransformFn:
        if name in _REGISTRY:
            raise ValueError(f"transform {name!r} registered twice")
        if "+" in name or "," in name:
            raise ValueError(f"transform name {name!r} may not contain '+' or ','")
        _REGISTRY[name] = Transform(name, family, description, fn)
        return fn

    return deco


def registry() -> dict[str, Transform]:
    """All transforms by name (importing the family modules registers them)."""
    from frontiergate.scenarios.transforms import _load_all

    _load_all()
    return dict(_REGISTRY)


def get_transform(name: str) -> Transform:
    """The transform called ``name`` (looked up per item in hot loops, so no registry copy)."""
    found = _REGISTRY.get(name)
    if found is not None:
        return found
    reg = registry()
    if name not in reg:
        raise DataFileError(
            f"unknown transform {name!r}",
            f"use one of: {', '.join(sorted(reg))} or a family: {', '.join(FAMILIES)} "
            "(list them with `frontiergate scenarios transforms`)",
        )
    return reg[name]


def chain_family(chain: Iterable[str]) -> str:
    """Family of a chain: that of its outermost (first) transform; ``none`` for no transform."""
    names = list(chain)
    return get_transform(names[0]).family if names else "none"


def rng_for(seed: int, pair_id: str, chain: str, position: int) -> random.Random:
    """A private generator for one transform application.

    Keyed on the harmful item's id (shared by its benign twin) so that a seed and its look-alike
    receive the *same* template choices: over-refusal is then measured under the same wrapper.
    SHA-256 rather than ``hash()`` because Python salts string hashes per process.
    """
    digest = hashlib.sha256(f"{seed}\x1f{pair_id}\x1f{chain}\x1f{position}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def apply_chain(
    chain: list[str], turns: list[str], ctx: TransformContext, *, seed: int, pair_id: str
) -> list[str]:
    """Apply ``chain`` (outermost first) to ``turns``: the innermost transform runs first."""
    out = list(turns)
    key = "+".join(chain)
    for pos in range(len(chain) - 1, -1, -1):
        out = get_transform(chain[pos]).apply(out, rng_for(seed, pair_id, key, pos), ctx)
    return out
