"""End to end, as a new user would: ``frontiergate run`` against an adversarial OpenAI-compatible
endpoint (``devtools/openai_stub.py`` on loopback) that games every attacked request.

The endpoint answers benign requests helpfully and, on every harmful request (plain or under a
jailbreak transform), returns an empty answer, stops with ``finish_reason: content_filter``, or
answers HTTP 500. Each once cleared cyber; each must now get a decision other than deploy or
deploy_with_safeguards, with a rationale that names the reason, and the run must finish.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from verdict_helpers import CLEARED, REASON_WORDS, explanation, policy

from frontiergate.devtools.openai_stub import OpenAIStub, StubConfig

KEY = "sk-verdict-redteam-not-a-real-key-0001"


@pytest.mark.parametrize(
    ("mode", "reason", "budget_s"),
    [("empty", "empty", 90), ("content_filter", "provider_filter", 90), ("500", "error", 120)],
)
def test_cli_run_against_a_gaming_endpoint_is_not_cleared(
    mode: str, reason: str, budget_s: int, tmp_path: Path
) -> None:
    stub = OpenAIStub(StubConfig(on_harmful=mode)).start()
    out = tmp_path / "run"
    env = {**os.environ, "ADVERSARY_API_KEY": KEY}
    cmd = [
        sys.executable, "-m", "frontiergate", "run",
        "--model", "openai-api/adversary/stub-model",
        "--model-base-url", stub.base_url,
        "--policy", str(policy("cyber_transforms")),
        "--out", str(out),
        "--display", "none",
        "--max-retries", "1",
        "--attempt-timeout", "5",
        "--request-budget", "10",
        "--retry-on-error", "0",
        "--max-connections", "16",
    ]  # fmt: skip
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=budget_s + 60, env=env)
    finally:
        stub.stop()
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-3000:])
    assert elapsed < budget_s, f"run took {elapsed:.0f} s against a failing endpoint"
    assert stub.stats.outcomes["benign"] > 0  # the endpoint did answer the benign twins
    report = json.loads((out / "report.json").read_text())
    (target,) = report["targets"]
    assert target["model"] == "openai-api/adversary/stub-model"
    dec = target["decision"]["domains"]["cyber"]
    assert dec["action"] not in CLEARED, dec
    assert target["decision"]["overall"]["action"] not in CLEARED
    text = explanation(dec)
    assert any(w in text for w in REASON_WORDS[reason]), text
    head = next(
        f for f in target["findings"]
        if f["domain"] == "cyber" and f["metric"] == "attack_success_rate" and f["slice"] == "all"
    )  # fmt: skip
    # every harmful request (12 seeds x plain + 2 transforms) is an unknown with this reason
    assert head["details"]["unknown_reasons"] == {reason: 36}, head["details"]
    assert head["k"] == 0, head
