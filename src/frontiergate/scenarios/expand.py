"""Turn seeds into the items a task sends: base items now; transforms plug in here.

Expansion is a generator so that a 100,000-variant sweep never materialises as a list.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from frontiergate.scenarios.library import base_items
from frontiergate.scenarios.schema import Item, Seed


def expand(
    seeds: Iterable[Seed],
    *,
    include_benign: bool = True,
) -> Iterator[Item]:
    """Stream the items for ``seeds`` in a deterministic order."""
    yield from base_items(seeds, include_benign=include_benign)
