"""Resolve evaluation references (ours, any installed Inspect task, or ``file.py@task``) to Tasks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inspect_ai import Task

from frontiergate.errors import FrontiergateError


def _ensure_ours() -> None:
    import frontiergate._registry  # noqa: F401  (registers our tasks under frontiergate/)


def task_exists(name: str) -> bool:
    """Whether ``name`` names a task that can be loaded here (without building it)."""
    from inspect_ai._util.registry import registry_lookup

    _ensure_ours()
    if "@" in name or name.endswith(".py"):
        return Path(name.split("@", 1)[0]).exists()
    try:
        return registry_lookup("task", name) is not None
    except Exception:
        return False


def load_task(name: str, args: dict[str, Any]) -> Task:
    """Build the Inspect Task for ``name`` with ``args``; unknown names are a user error."""
    from inspect_ai._eval.loader import load_tasks

    _ensure_ours()
    if not task_exists(name):
        raise FrontiergateError(
            f"unknown evaluation '{name}'",
            "use a frontiergate task (frontiergate/misuse, ...), an installed Inspect task "
            "(pip install the package that provides it) or path/to/file.py@task_name",
        )
    try:
        tasks = load_tasks([name], args)
    except TypeError as exc:
        raise FrontiergateError(
            f"bad arguments for evaluation '{name}': {exc}", "check the evaluation's args in the policy"
        ) from None
    if len(tasks) != 1:
        raise FrontiergateError(f"evaluation '{name}' resolved to {len(tasks)} tasks", "name exactly one task")
    return tasks[0]
