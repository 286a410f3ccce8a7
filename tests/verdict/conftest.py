"""The verdict red-team's autouse fixture; the helpers live in verdict_helpers.py (a module name of its own,
so they never collide with another directory's conftest when the whole suite runs)."""

from verdict_helpers import _fresh_models  # noqa: F401
