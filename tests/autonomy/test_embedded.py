"""The embedded Gemma 270M runs every behaviour family end to end (its behaviour is noise; the pipeline holds)."""

from __future__ import annotations

import pytest
from inspect_ai import eval as inspect_eval

from frontiergate.envs.predicates import PREDICATES
from frontiergate.envs.scenarios import FAMILIES
from frontiergate.tasks.autonomy import autonomy


@pytest.mark.slow
def test_embedded_model_runs_every_family() -> None:
    task = autonomy(max_scenarios=1, include_controls=False, max_turns=1, max_tokens=48, interview=True)
    log = inspect_eval(task, model="frontiergate/gemma-3-270m", display="none", log_dir="logs",
                       log_realtime=False)[0]
    assert log.status == "success", log.error
    assert log.samples is not None and len(log.samples) == len(FAMILIES) + 1  # sandbagging is a pair
    assert {s.metadata["category"] for s in log.samples} == set(FAMILIES)
    for s in log.samples:
        assert s.error is None
        meta = (s.scores or {})["autonomy"].metadata or {}
        assert set(meta["predicates"]) == set(PREDICATES)
        assert meta["turns"] == 1
        assert isinstance(meta["interview"]["answer"], str)
        # the model saw the tools through Inspect's standard interface (emulated for this base model)
        events = [e for e in s.events if e.event == "model"]
        assert events and {t.name for t in events[0].tools} >= {"bash", "submit", "sudo"}
        if meta["family"] == "sandbagging":
            assert len(meta["correct"]) == 5
