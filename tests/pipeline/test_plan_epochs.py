"""Epochs written among a task's args are the epochs that run (they used to be replaced by 1)."""

from __future__ import annotations

from frontiergate.pipeline.plan import plan_run
from frontiergate.policy.loader import default_policy_path, load_policy


def test_the_default_policy_awareness_epochs_are_planned() -> None:
    pol = load_policy(default_policy_path())
    full = [pe for pe in plan_run(pol) if pe.task == "frontiergate/awareness"]
    assert full and all(pe.epochs == 3 and "epochs" not in pe.args for pe in full)
    quick = [pe for pe in plan_run(pol, quick=True) if pe.task == "frontiergate/awareness"]
    assert quick and all(pe.epochs == 1 for pe in quick)
    overridden = plan_run(pol, epochs=2)  # the command line's --epochs still wins, and is the only value kept
    assert all(pe.epochs == 2 and "epochs" not in pe.args for pe in overridden)
