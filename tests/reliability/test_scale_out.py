"""Many targets and tasks in one run against a local OpenAI-compatible server (the vLLM pattern)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from frontiergate.devtools.openai_stub import OpenAIStub, StubConfig
from frontiergate.pipeline.run import RunOptions, start_run


def test_three_targets_two_tasks_share_one_store(
    tmp_path: Path, misuse_policy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stub = OpenAIStub(StubConfig(latency_s=0.05)).start()
    try:
        for name in ("NODEA", "NODEB", "NODEC"):
            monkeypatch.setenv(f"{name}_BASE_URL", stub.base_url)
            monkeypatch.setenv(f"{name}_API_KEY", "team-key-not-secret-enough")
        store = os.environ.get("FRONTIERGATE_TEST_POSTGRES") or f"sqlite:///{tmp_path / 'shared.db'}"
        targets = ["openai-api/nodea/llama", "openai-api/nodeb/llama", "openai-api/nodec/qwen"]
        res = start_run(
            RunOptions(
                targets=targets, policy_path=str(misuse_policy), store_url=store, display="none", max_connections=16
            )
        )
        assert [t["model"] for t in res.report["targets"]] == targets
        for t in res.report["targets"]:
            assert len(t["evaluations"]) == 2
            assert all(e["status"] == "success" and e["n_errors"] == 0 for e in t["evaluations"])
        assert stub.stats.requests == 3 * 30  # 24 items per target; 4 multi-turn items add 6 turns
    finally:
        stub.stop()
