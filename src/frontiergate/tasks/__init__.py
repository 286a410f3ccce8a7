"""Inspect tasks, registered under the ``frontiergate/`` namespace."""
