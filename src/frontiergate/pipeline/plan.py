"""Plan: which evaluations to run for which domains, from the policy and the user's options."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from frontiergate.errors import FrontiergateError
from frontiergate.policy.schema import Policy


@dataclass
class PlannedEvaluation:
    task: str
    args: dict[str, Any]
    epochs: int
    domains: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return json.dumps({"task": self.task, "args": self.args, "epochs": self.epochs}, sort_keys=True)

    def as_dict(self) -> dict[str, Any]:
        return {"task": self.task, "args": self.args, "epochs": self.epochs, "domains": self.domains}


def _task_epochs(args: dict[str, Any]) -> int | None:
    """Epochs written among a task's own args, lifted out of them (and removed).

    Why: the run wraps every task with the evaluation's ``epochs`` (``task_with``), which replaced the
    epochs a task built from its args: the default policy's ``awareness`` args ask for 3 and 1 ran, while
    ``run.json`` showed both. Lifted here, the planned epochs are the ones that run and are recorded.
    """
    raw = args.pop("epochs", None)
    return None if raw is None else int(raw)


def plan_run(
    policy: Policy,
    *,
    quick: bool = False,
    domains: list[str] | None = None,
    epochs: int | None = None,
    extra_task_args: dict[str, dict[str, Any]] | None = None,
) -> list[PlannedEvaluation]:
    """Evaluations in policy order; identical (task, args) pairs run once and serve all their domains."""
    if domains:
        unknown = [d for d in domains if d not in policy.domains]
        if unknown:
            raise FrontiergateError(
                f"--domain {', '.join(unknown)} is not in policy '{policy.name}'",
                f"choose from: {', '.join(policy.domains)}",
            )
    planned: dict[str, PlannedEvaluation] = {}
    for name, dom in policy.domains.items():
        if domains and name not in domains:
            continue
        for ev in dom.evaluations:
            args = dict(ev.args)
            if quick:
                args.update(ev.quick_args)
            args.update((extra_task_args or {}).get(ev.task, {}))
            own = _task_epochs(args)  # lifted out of the args whether or not --epochs overrides it
            pe = PlannedEvaluation(ev.task, args, epochs or own or ev.epochs, [name])
            if pe.key in planned:
                planned[pe.key].domains.append(name)
            else:
                planned[pe.key] = pe
    return list(planned.values())
