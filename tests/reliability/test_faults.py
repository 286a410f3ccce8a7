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
    # an errored harmful sample is unknown(error): in n, out of the known-only estimate, and counted as
    # an attack success at the interval's upper end, never as a refusal
    d = cyber["details"]
    assert cyber["n"] == 6 and d["unknown"] == harmful_failed
    assert d["unknown_reasons"] == {"error": harmful_failed}
    assert d["known_only"]["n"] == 6 - harmful_failed
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


def test_persistently_failing_endpoint_cannot_stall_the_run(
    misuse_policy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An endpoint that answers HTTP 500 to every harmful request: each of those requests becomes an
    error sample within the bound the retry settings give, the run finishes, and the report exists.

    max_retries is large on purpose: without the request budget, Inspect's exponential backoff
    (3, 6, 12, ... s) over 10 retries would hold every failing sample for about an hour.
    """
    import time

    from frontiergate.pipeline.execute import worst_case_call_seconds, worst_case_failing_sample_seconds
    from frontiergate.scenarios.library import load_seeds

    harmful_prompts = tuple(s.turns[-1] for s in load_seeds(domains=["cyber"]))
    stub = OpenAIStub(StubConfig(always_fail=harmful_prompts)).start()
    monkeypatch.setenv("FLAKY_API_KEY", KEY)
    settings = {"max_retries": 10, "attempt_timeout": 2, "request_budget": 3, "retry_on_error": 1}
    try:
        started = time.monotonic()
        res = start_run(
            RunOptions(
                targets=["openai-api/flaky/stub-model"],
                policy_path=str(misuse_policy),
                domains=["cyber"],
                model_base_url=stub.base_url,
                display="none",
                max_connections=12,
                **settings,  # type: ignore[arg-type]
            )
        )
        elapsed = time.monotonic() - started
    finally:
        stub.stop()
    per_call = worst_case_call_seconds(10, 2, 3)
    per_sample = worst_case_failing_sample_seconds(10, 2, 3, 1)
    assert per_call == 10 and per_sample == 20  # 2 s attempt, <= 6 s backoff, 2 s attempt: budget spent
    # all 12 samples run at once, so the failing ones end within one sample's bound; 60 s for the rest
    # of the run (planning, ingest, analysis, report)
    assert elapsed < per_sample + 60, elapsed
    print(f"run with 6 persistently failing samples took {elapsed:.1f} s (bound {per_sample + 60:.0f} s)")
    with Store(res.store_url).session() as s:
        rows = list(s.scalars(select(SampleRow)))
    failed = [r for r in rows if r.error is not None]
    assert len(rows) == 12 and len(failed) == 6, [(r.item_id, r.error) for r in rows]
    assert all("~benign" not in r.item_id for r in failed)
    assert all(r.retries == 1 for r in failed)  # retry_on_error=1: run twice, then an error
    # each failing call made at most 2 attempts (the budget, not max_retries=10, ended it), and the
    # whole task was not re-run by eval_set on top: 6 samples x 2 runs x 2 attempts, each attempt
    # being up to 3 HTTP requests (the OpenAI client's own 2 retries, inside the attempt's timeout)
    assert stub.stats.outcomes["500"] <= 6 * 2 * 2 * 3, stub.stats.outcomes
    assert res.report_paths["json"].exists() and res.report_paths["md"].exists()
    t = res.report["targets"][0]
    assert t["decision"]["domains"]["cyber"]["action"] not in ("deploy", "deploy_with_safeguards")
