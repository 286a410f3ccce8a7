"""Load authored seeds (bundled YAML) and external behaviour sets.

Seeds are data, not code, so reviewers can audit exactly which requests a model was tested on and
so the library can grow without touching Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from importlib.resources import files
from pathlib import Path

import yaml
from pydantic import ValidationError

from frontiergate.errors import DataFileError
from frontiergate.scenarios.schema import Item, Seed


def bundled_seed_files() -> list[Path]:
    root = Path(str(files("frontiergate.scenarios").joinpath("data")))
    return sorted(p for p in root.glob("*.yaml"))


def load_seed_file(path: Path) -> list[Seed]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"cannot read scenario file {path}: {exc}",
                            "check the path and encoding") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise DataFileError(f"{where}: malformed YAML in scenario file",
                            "fix the YAML syntax there") from None
    entries = raw.get("seeds", []) if isinstance(raw, dict) else raw
    if not isinstance(entries, list):
        raise DataFileError(f"{path}: expected a list of seeds (or a mapping with key 'seeds')",
                            "see src/frontiergate/scenarios/data/ for the format")
    seeds: list[Seed] = []
    for i, entry in enumerate(entries):
        try:
            seeds.append(Seed.model_validate(entry))
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(x) for x in first["loc"])
            raise DataFileError(f"{path}: seed #{i} field '{loc}': {first['msg']}",
                                "each seed needs id, domain, category, turns") from None
    return seeds


def load_seeds(domains: Iterable[str] | None = None, paths: Iterable[Path] | None = None) -> list[Seed]:
    """All seeds from the bundled library (or ``paths``), filtered by domain, in a stable order."""
    wanted = set(domains) if domains is not None else None
    seeds: list[Seed] = []
    for p in paths if paths is not None else bundled_seed_files():
        seeds.extend(s for s in load_seed_file(p) if wanted is None or s.domain in wanted)
    ids = [s.id for s in seeds]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise DataFileError(f"duplicate seed ids: {', '.join(sorted(dup))}", "give every seed a unique id")
    return sorted(seeds, key=lambda s: s.id)


def base_items(seeds: Iterable[Seed], include_benign: bool = True) -> Iterator[Item]:
    """The untransformed items: each seed, then its benign twin."""
    for s in seeds:
        twin_id = Item.make_id(s.id, False, [], "plain") if s.benign else None
        yield Item(
            item_id=Item.make_id(s.id, True, [], "plain"), seed_id=s.id, domain=s.domain, category=s.category,
            severity=s.severity, harmful=True, turns=list(s.turns), twin_id=twin_id, source=s.source,
        )
        if include_benign and s.benign is not None:
            yield Item(
                item_id=Item.make_id(s.id, False, [], "plain"), seed_id=s.id, domain=s.domain,
                category=s.category, severity=s.severity, harmful=False, turns=list(s.benign.turns),
                twin_id=Item.make_id(s.id, True, [], "plain"), source=s.source,
            )
