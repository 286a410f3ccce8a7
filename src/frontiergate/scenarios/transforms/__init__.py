"""Adversarial transforms: a registry plus one module per attack family.

Use ``resolve_chains`` to turn what a user typed (transform names, family names, ``all``, or
explicit chains such as ``roleplay_dan+base64``) into the chains an expansion applies.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from itertools import permutations

from frontiergate.errors import DataFileError
from frontiergate.scenarios.transforms.base import (
    FAMILIES,
    OPT_IN_FAMILIES,
    Transform,
    TransformContext,
    apply_chain,
    chain_family,
    get_transform,
    registry,
    rng_for,
)

_MODULES = (
    "encoding", "roleplay", "hypothetical", "suppression", "splitting", "escalation", "format_shift",
    "persuasion", "image",
)
_loaded = False
MAX_STACK_DEPTH = 3


def _load_all() -> None:
    """Import every family module once; each registers its transforms on import."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for mod in _MODULES:
        importlib.import_module(f"frontiergate.scenarios.transforms.{mod}")


def families() -> dict[str, list[str]]:
    """Family → transform names, in the canonical family order."""
    reg = registry()
    return {f: sorted(n for n, t in reg.items() if t.family == f) for f in FAMILIES}


def _interleaved(names: Iterable[str]) -> list[str]:
    """Order transforms round-robin across families, so that any prefix of a sweep is balanced."""
    by_family: dict[str, list[str]] = {f: [] for f in FAMILIES}
    for n in names:
        by_family[get_transform(n).family].append(n)
    out: list[str] = []
    queues = [sorted(v) for v in by_family.values() if v]
    while any(queues):
        for q in queues:
            if q:
                out.append(q.pop(0))
    return out


def parse_spec(spec: str | Iterable[str] | None) -> tuple[list[str], list[list[str]]]:
    """Split a spec into single transform names and explicit chains; validates every name."""
    if spec is None:
        return [], []
    tokens = [t.strip() for t in (spec.split(",") if isinstance(spec, str) else spec) if t and t.strip()]
    fam = families()
    singles: list[str] = []
    chains: list[list[str]] = []
    for tok in tokens:
        if tok in ("none", ""):
            continue
        if "+" in tok:
            chain = [p.strip() for p in tok.split("+")]
            for p in chain:
                get_transform(p)
            if len(set(chain)) != len(chain):
                raise DataFileError(f"transform chain {tok!r} repeats a transform", "use each name once")
            chains.append(chain)
        elif tok == "all":
            # opt-in families (image) only by name: see base.OPT_IN_FAMILIES
            singles.extend(sorted(n for n, t in registry().items() if t.family not in OPT_IN_FAMILIES))
        elif tok in fam:
            singles.extend(fam[tok])
        else:
            singles.append(get_transform(tok).name)
    return list(dict.fromkeys(singles)), chains


def resolve_chains(spec: str | Iterable[str] | None, stack_depth: int = 1) -> list[list[str]]:
    """All chains to apply: every ordered stack of 1..``stack_depth`` distinct selected transforms
    (depth-major, families interleaved), followed by any explicit chains not already included."""
    if not 1 <= stack_depth <= MAX_STACK_DEPTH:
        # beyond 3 layers prompts stop being readable attacks and the chain list grows as n!/(n-k)!
        raise DataFileError(f"stack_depth must be between 1 and {MAX_STACK_DEPTH}, got {stack_depth}",
                            f"pass --stack-depth 1..{MAX_STACK_DEPTH}")
    singles, explicit = parse_spec(spec)
    order = _interleaved(singles)
    out: list[list[str]] = []
    for depth in range(1, min(stack_depth, len(order)) + 1):
        out.extend(list(c) for c in permutations(order, depth))
    seen = {"+".join(c) for c in out}
    for c in explicit:
        if "+".join(c) not in seen:
            seen.add("+".join(c))
            out.append(c)
    return out


__all__ = [
    "FAMILIES",
    "MAX_STACK_DEPTH",
    "OPT_IN_FAMILIES",
    "Transform",
    "TransformContext",
    "apply_chain",
    "chain_family",
    "families",
    "get_transform",
    "parse_spec",
    "registry",
    "resolve_chains",
    "rng_for",
]
