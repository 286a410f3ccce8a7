"""Simultaneous intervals for a headline that is the worst of several measured settings.

Why one place: the capability headline (worst elicitation setting), the cascade headline (worst
aggregator) and the bias headline (worst template, axis or topic) each select the worst of m intervals.
The highest of m lower ends at 1 − α each reaches a level on selection noise alone; at 1 − α/m each
(Bonferroni) they hold for all m at once.
"""

from __future__ import annotations


def bonferroni(confidence: float, m: int) -> float:
    """Per-interval confidence so that ``m`` intervals hold together at ``confidence``."""
    return 1 - (1 - confidence) / max(1, m)


def simultaneous_note(m: int, per_interval: float, what: str) -> str:
    """The sentence a headline's details carry when its ends are Bonferroni-adjusted over ``what``."""
    return (f"each end is Bonferroni-adjusted over the {m} {what} ({per_interval:.4f} per interval), "
            "since the headline is the worst of them")
