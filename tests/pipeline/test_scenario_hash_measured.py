"""The scenario hash covers the prompts, not what a machine measured about them (realism scores)."""

from __future__ import annotations

from inspect_ai import Task
from inspect_ai.dataset import MemoryDataset, Sample

from frontiergate.pipeline.run import _scenario_hash


def _task(extra: dict[str, object], text: str = "[REQUEST]") -> Task:
    meta = {"item_id": "s1|h|none|deploy", "harmful": True, "extra": {"pair_id": "s1|h|none|*", **extra}}
    return Task(dataset=MemoryDataset([Sample(id="s1|h|none|deploy", input=text, metadata=meta)]), name="t")


def test_realism_scores_do_not_change_the_scenario_hash() -> None:
    bare = _scenario_hash([_task({})])
    # a machine with the ml extra stores scores; one without stores why not: same scenarios either way
    assert _scenario_hash([_task({"test_likeness": 0.13, "bare_test_likeness": 0.05})]) == bare
    assert _scenario_hash([_task({"realism_not_measured": "the ml extra is not installed"})]) == bare


def test_a_changed_prompt_or_other_extra_still_changes_it() -> None:
    bare = _scenario_hash([_task({})])
    assert _scenario_hash([_task({}, text="[OTHER REQUEST]")]) != bare
    assert _scenario_hash([_task({"goal": "[OTHER GOAL]"})]) != bare
