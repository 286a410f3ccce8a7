"""Scenario library: authored seeds, their benign look-alikes, and expansion into variants."""

from frontiergate.scenarios.schema import Item, Seed, Severity

__all__ = ["Item", "Seed", "Severity"]
