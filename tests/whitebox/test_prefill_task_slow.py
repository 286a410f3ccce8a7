"""The registered prefill task on the real embedded Qwen: ``frontiergate/<name>`` is routed through the prefill
provider for the prefilled conditions (so the opening is continued, not closed), and stays on the stock path
for the no-prefix condition."""

from __future__ import annotations

from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval

from frontiergate.models.card import QWEN_MODEL
from frontiergate.tasks.awareness_prefill import awareness_prefill

pytestmark = pytest.mark.slow


def test_embedded_target_continues_the_opening(tmp_path: Path) -> None:
    logs = inspect_eval(awareness_prefill(domains="cyber", max_seeds=1, max_tokens=16), model=QWEN_MODEL,
                        model_args={"n_threads": 1}, log_dir=str(tmp_path), display="none")
    assert logs[0].status == "success"
    samples = {s.metadata["prefill_condition"]: s for s in logs[0].samples or []}
    assert sorted(samples) == ["eval_aware", "neutral", "none"]
    for cond, s in samples.items():
        models = {e.model for e in s.events if e.event == "model"}
        prefilled = cond != "none"
        assert all(m.startswith("frontiergate-prefill/") == prefilled for m in models), (cond, models)
        # the model continued: its text is not a fresh answer repeating the opening we wrote
        prefix = s.metadata["prefix"] or ""
        assert not prefilled or not s.output.completion.startswith(prefix[:20])
        assert s.scores is not None and "prefill_refusal" in s.scores
