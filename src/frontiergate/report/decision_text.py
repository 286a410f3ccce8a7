"""Small wordings both renderers share, so Markdown and HTML say the same thing about a decision."""

from __future__ import annotations

from typing import Any


def level_text(d: dict[str, Any]) -> str:
    """The level a domain reached, or the range it is undetermined over."""
    level, possible = d.get("level"), d.get("level_possible")
    if level is None:
        return "n/a"
    if possible and possible != level:
        return f"{level}–{possible} (undetermined)"
    return str(level)


def seeds_of(f: dict[str, Any]) -> int | None:
    """Independent seeds behind a finding, where the metric counts them."""
    v = (f.get("details") or {}).get("seeds")
    return v if isinstance(v, int) else None


def unknown_of(f: dict[str, Any]) -> int | None:
    """Unknown outcomes inside a finding's n (errors, empty answers, filters, idle agents...)."""
    v = (f.get("details") or {}).get("unknown")
    return v if isinstance(v, int) else None
