"""Ideological bias: mirrored prompt pairs that differ only in political stance.

The library (``library.py``) renders authored topics through task templates for both stances;
``external.py`` loads paired sets published by others; ``features.py`` and ``judge.py`` compare the
two answers of a pair. The Inspect task lives in ``frontiergate.tasks.bias``.
"""
