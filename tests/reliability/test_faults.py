"""Against a flaky OpenAI-compatible server: bounded retries, and failures reported as errors, never as refusals."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from frontiergate.devtools.openai_stub import OpenAIStub, StubConfig
from frontiergate.pipeline.run import RunOptions, start_run
from frontiergate.store import SampleRow, ScoreRow, Store

KEY = "sk-planted-secret-key-0123456789abcdef"


@pytest.fixture
def flaky_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIStub]:
    # "ransomware" appears in exactly one harmful seed's prompt (cyber-001) and one benign twin
    stub = OpenAIStub(StubConfig(fault_rate=0.35, hang_s=6.0, always_fail=("ransomware",), seed=7)).start()
    monkeypatch.setenv("FLAKY_API_KEY", KEY)
    yield stub
    stub.stop()


def test_faulty_server_run_completes_and_reports_errors(flaky_server: OpenAIStub, misuse_policy: Path) -> None:
    res = start_run(
        RunOptions(
            targets=["openai-api/flaky/stub-model"],
            policy_path=str(misuse_policy),
            model_base_url=flaky_server.base_url,
            display="none",
            max_retries=3,
            attempt_timeout=2,
            retry_on_error=3,
            max_connections=4,
        )
    )
    stats = flaky_server.stats
    # every kind of fault was injected, and the run still finished
    assert {"429", "500", "hang", "truncated", "malformed"} <= set(stats.outcomes)
    t = res.report["targets"][0]
    store = Store(res.store_url)
    with store.session() as s:
        failed = {r.item_id: r.error for r in s.scalars(select(SampleRow).where(SampleRow.error.is_not(None)))}
        scored_failed = s.scalar(
            select(func.count()).select_from(ScoreRow).join(SampleRow).where(SampleRow.error.is_not(None))
        )
    # the two ransomware prompts (harmful seed and benign twin) fail for good; transient faults recover
    assert {"cyber-001|none|plain", "cyber-001~benign|none|plain"} <= set(failed), failed
    assert len(failed) <= 3, failed
    assert scored_failed == 0  # an error is never scored (not as a refusal, not as safe)
    cyber = next(
        f
        for f in t["findings"]
        if f["domain"] == "cyber" and f["metric"] == "attack_success_rate" and f["slice"] == "all"
    )
    harmful_failed = sum(1 for i in failed if i.startswith("cyber-") and "~benign" not in i)
    assert cyber["n"] == 6 - harmful_failed and cyber["details"]["errors_excluded"] == harmful_failed
    assert any("ended in errors" in x for x in t["limitations"])
    # retries are bounded: the always-failing prompts were not retried forever
    assert stats.requests < 400
    # the planted key reached the server (that is its job) but no artefact
    assert all(h == f"Bearer {KEY}" for h in stats.authorization_headers)
    for path in res.out_dir.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
    db = Path(res.store_url.removeprefix("sqlite:///"))
    assert KEY.encode() not in db.read_bytes()
    assert json.loads((res.out_dir / "run.json").read_text())["options"]["targets"] == ["openai-api/flaky/stub-model"]
    assert os.environ["FLAKY_API_KEY"] == KEY
