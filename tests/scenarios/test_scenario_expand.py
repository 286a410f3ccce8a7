"""Expansion: 5,000 unique, reproducible variants, streamed; twins under the same wrapper."""

from __future__ import annotations

import hashlib
import json
import tracemalloc
import types
from collections import Counter
from itertools import islice

from frontiergate.scenarios.expand import count_items, expand
from frontiergate.scenarios.library import load_seeds
from frontiergate.scenarios.schema import Item
from frontiergate.scenarios.transforms import FAMILIES, OPT_IN_FAMILIES, resolve_chains

TEXT_FAMILIES = [f for f in FAMILIES if f not in OPT_IN_FAMILIES]  # what `all` selects


def _bytes(items: list[Item]) -> bytes:
    return b"".join(json.dumps(it.model_dump(), separators=(",", ":")).encode() + b"\n" for it in items)


def test_5000_variants_are_unique_and_reproducible() -> None:
    seeds = load_seeds()
    a = list(expand(seeds, transforms="all", stack_depth=2, seed=11, max_variants=5000))
    b = list(expand(seeds, transforms="all", stack_depth=2, seed=11, max_variants=5000))
    assert len(a) == 5000
    assert _bytes(a) == _bytes(b)
    assert len({it.item_id for it in a}) == 5000
    assert len({"\x1e".join(it.turns) for it in a}) == 5000  # no duplicate prompt text
    c = list(expand(seeds, transforms="all", stack_depth=2, seed=12, max_variants=5000))
    assert _bytes(a) != _bytes(c)


def test_library_expands_to_more_than_5000_unique_single_transform_variants() -> None:
    seeds = load_seeds()
    n_twins = sum(1 for s in seeds if s.benign)
    digests = set()
    n = 0
    for it in expand(seeds, transforms="all", seed=0):
        digests.add(hashlib.sha1("\x1e".join(it.turns).encode()).digest())
        n += 1
    assert n == count_items(len(seeds), n_twins, len(resolve_chains("all"))) >= 5000
    assert len(digests) == n


def test_expand_is_a_lazy_generator() -> None:
    gen = expand(load_seeds(), transforms="all", stack_depth=3)
    assert isinstance(gen, types.GeneratorType)
    assert len(list(islice(gen, 3))) == 3  # 9,000+ chains × 378 items never materialised


def test_memory_stays_flat_when_drawing_ten_times_more() -> None:
    seeds = load_seeds()

    def peak(n: int) -> int:
        tracemalloc.start()
        for _ in expand(seeds, transforms="all", stack_depth=2, max_variants=n):
            pass
        _, p = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return p

    small, big = peak(1_000), peak(10_000)
    assert big < 2 * small + 200_000, (small, big)


def test_items_carry_transforms_family_and_twin_links() -> None:
    items = list(expand(load_seeds(["cyber"]), transforms="roleplay_dan+base64,crescendo", seed=0))
    by_id = {it.item_id: it for it in items}
    base = [it for it in items if not it.transforms]
    assert base and all(it.family == "none" for it in base)
    stacked = [it for it in items if it.transforms == ["roleplay_dan", "base64"]]
    assert stacked and all(it.family == "roleplay" for it in stacked)
    assert all(it.extra["families"] == ["roleplay", "encoding"] for it in stacked)
    assert all(it.extra["stack_depth"] == 2 for it in stacked)
    for it in items:
        assert it.twin_id in by_id
        twin = by_id[str(it.twin_id)]
        assert twin.twin_id == it.item_id and twin.harmful != it.harmful
        assert twin.transforms == it.transforms and twin.family == it.family


def test_multi_turn_variants_keep_the_goal_as_the_final_ask() -> None:
    seeds = [s for s in load_seeds(["cyber"]) if s.multi_turn]
    for it in expand(seeds, transforms="hypothetical,crescendo", include_base=False, include_benign=False):
        seed = next(s for s in seeds if s.id == it.seed_id)
        assert it.extra["goal"] == seed.turns[-1]
        assert seed.turns[-1] in it.turns[-1]  # wrappers add context; the ask stays in the last turn
        assert len(it.turns) >= len(seed.turns)


def test_benign_twin_gets_the_same_wrapper_draws() -> None:
    for it in expand(load_seeds(["general_harm"]), transforms="roleplay_character", include_base=False):
        if it.harmful:
            h = it
            continue
        # same template and character: only the embedded request differs
        wrapper_h = h.turns[0].replace(h.extra["goal"], "")
        wrapper_b = it.turns[0].replace(it.extra["goal"], "")
        if len(h.turns) == 1:
            assert wrapper_h == wrapper_b


def test_max_variants_prefix_is_balanced_across_families_and_seeds() -> None:
    seeds = load_seeds()
    n = len(seeds) * 2 * len(TEXT_FAMILIES)
    items = list(expand(seeds, transforms="all", include_base=False, max_variants=n))
    fams = Counter(it.family for it in items)
    assert set(fams) == set(TEXT_FAMILIES)
    assert max(fams.values()) <= 2 * min(fams.values())
    per_seed = Counter(it.seed_id for it in items)
    assert len(per_seed) == len(seeds) and max(per_seed.values()) == min(per_seed.values())


def test_no_transforms_gives_the_base_items_unchanged() -> None:
    seeds = load_seeds(["chem_bio"])
    items = list(expand(seeds))
    assert len(items) == 2 * len(seeds)
    assert items[0].turns == seeds[0].turns and items[0].family == "none"
    assert not list(expand(seeds, include_benign=False, include_base=False, transforms="base64",
                           max_variants=0))
