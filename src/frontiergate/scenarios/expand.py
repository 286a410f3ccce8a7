"""Turn seeds into the items a task sends: base items, then adversarial variants.

Expansion is a generator from end to end (seeds × chains are walked lazily with index arithmetic),
so a 100,000-variant sweep never materialises as a list and memory stays flat however many
variants are drawn.

Order. Base items come first, then the transformed variants, chain depth by chain depth. Within a
depth the (seed, chain) pairs are walked in a Latin-square order: round ``r`` gives seed ``i``
the chain ``(i + r) mod C``. Every prefix of the stream is therefore spread evenly over seeds and
(because chains are ordered round-robin across families) over attack families, so ``max_variants``
gives a balanced sample rather than "all variants of the first seed".

Identity. Each variant's ``item_id`` is ``seed|chain|framing`` (``~benign`` marks the twin), its
``transforms`` is the chain (outermost first) and its ``family`` the family of the outermost
transform, ``none`` for base items. The full list of families in a stacked chain is kept in
``extra["families"]``. A benign twin receives the *same* chain with the *same* random draws as its
harmful seed, so over-refusal is measured under the same attack wrapper.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from frontiergate.scenarios.library import base_items
from frontiergate.scenarios.schema import Item, Seed
from frontiergate.scenarios.transforms import (
    TransformContext,
    apply_chain,
    chain_family,
    get_transform,
    resolve_chains,
)


def _variants_for(seed: Seed, chain: list[str], include_benign: bool, rng_seed: int) -> Iterator[Item]:
    framing = "plain"
    pair_id = Item.make_id(seed.id, True, chain, framing)
    twin_id = Item.make_id(seed.id, False, chain, framing) if seed.benign else None
    family = chain_family(chain)
    extra: dict[str, object] = {
        "families": [get_transform(n).family for n in chain],
        "stack_depth": len(chain),
        "goal": seed.turns[-1],
    }
    ctx = TransformContext(seed.domain, seed.category, True)
    yield Item(
        item_id=pair_id, seed_id=seed.id, domain=seed.domain, category=seed.category,
        severity=seed.severity, harmful=True,
        turns=apply_chain(chain, seed.turns, ctx, seed=rng_seed, pair_id=pair_id),
        transforms=list(chain), family=family, framing=framing, twin_id=twin_id, source=seed.source,
        extra=dict(extra),
    )
    if include_benign and seed.benign is not None and twin_id is not None:
        bctx = TransformContext(seed.domain, seed.category, False)
        yield Item(
            item_id=twin_id, seed_id=seed.id, domain=seed.domain, category=seed.category,
            severity=seed.severity, harmful=False,
            turns=apply_chain(chain, seed.benign.turns, bctx, seed=rng_seed, pair_id=pair_id),
            transforms=list(chain), family=family, framing=framing, twin_id=pair_id, source=seed.source,
            extra={**extra, "goal": seed.benign.turns[-1]},
        )


def _latin_square(seeds: Sequence[Seed], chains: Sequence[list[str]]) -> Iterator[tuple[Seed, list[str]]]:
    """Every (seed, chain) pair once, balanced in every prefix (see module docstring)."""
    s, c = len(seeds), len(chains)
    for r in range(c):
        for i in range(s):
            yield seeds[i], chains[(i + r) % c]


def _by_depth(chains: list[list[str]]) -> Iterator[list[list[str]]]:
    depths = sorted({len(ch) for ch in chains})
    for d in depths:
        yield [ch for ch in chains if len(ch) == d]


def expand(
    seeds: Iterable[Seed],
    *,
    transforms: str | Iterable[str] | None = None,
    stack_depth: int = 1,
    include_benign: bool = True,
    include_base: bool = True,
    seed: int = 0,
    max_variants: int | None = None,
) -> Iterator[Item]:
    """Stream the items for ``seeds``: base items, then every selected chain applied to every seed.

    ``transforms`` takes transform names, family names, ``all`` or explicit chains (``a+b``), as a
    comma string or a list; ``None`` gives base items only. ``stack_depth`` stacks up to that many
    distinct selected transforms. ``max_variants`` caps the total number of items yielded (base
    items and benign twins included). Same arguments, same items, byte for byte.
    """
    seed_list = list(seeds)
    chains = resolve_chains(transforms, stack_depth) if transforms is not None else []
    stream = _stream(seed_list, chains, include_benign, include_base, seed)
    if max_variants is not None:
        yield from islice(stream, max(0, int(max_variants)))
    else:
        yield from stream


def _stream(
    seeds: list[Seed], chains: list[list[str]], include_benign: bool, include_base: bool, rng_seed: int
) -> Iterator[Item]:
    if include_base:
        yield from base_items(seeds, include_benign=include_benign)
    if not seeds:
        return
    for group in _by_depth(chains):
        for s, chain in _latin_square(seeds, group):
            yield from _variants_for(s, chain, include_benign, rng_seed)


def count_items(n_seeds: int, n_twins: int, n_chains: int, include_base: bool = True) -> int:
    """How many items ``expand`` yields (without ``max_variants``), computed without expanding."""
    per_chain = n_seeds + n_twins
    return per_chain * (n_chains + (1 if include_base else 0))
