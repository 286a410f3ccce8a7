"""Targets: the embedded default model and wrappers that are themselves Inspect models."""
