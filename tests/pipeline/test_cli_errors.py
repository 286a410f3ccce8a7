"""Usage errors: one clear line, exit code 2, no traceback, no secret echoed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

POLICY = str(Path(__file__).resolve().parents[1] / "data" / "misuse_only_policy.yaml")


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["frontiergate", *args], capture_output=True, text=True, timeout=180, env={**os.environ, **(env or {})}
    )


def test_unknown_model_is_a_usage_error() -> None:
    proc = _run("run", "--model", "nosuchprovider/x", "--policy", POLICY, "--display", "none")
    assert proc.returncode == 2
    assert "cannot use model 'nosuchprovider/x'" in proc.stderr and "fix:" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_api_key_is_a_usage_error() -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    proc = subprocess.run(
        ["frontiergate", "run", "--model", "openai-api/acme/some-model", "--policy", POLICY, "--display", "none"],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert proc.returncode == 2
    assert "ACME_API_KEY" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_model_string_without_provider() -> None:
    proc = _run("run", "--model", "gpt4", "--policy", POLICY, "--display", "none")
    assert proc.returncode == 2 and "not an Inspect model string" in proc.stderr


def test_missing_policy_file() -> None:
    proc = _run("policy", "check", "does-not-exist.yaml")
    assert proc.returncode == 2 and "not found" in proc.stderr and "Traceback" not in proc.stderr


def test_models_lists_targets() -> None:
    proc = _run("models")
    assert proc.returncode == 0 and "gemma-3-270m" in proc.stdout and "openai-api" in proc.stdout


def test_retry_help_states_the_worst_case_the_settings_give() -> None:
    """The bound printed in `run --help` is the one the retry rules give at the defaults (the numbers
    are written out in cmd_run so that --help does not import Inspect)."""
    from frontiergate.cli import cmd_run
    from frontiergate.pipeline.execute import worst_case_call_seconds, worst_case_failing_sample_seconds
    from frontiergate.pipeline.run import RunOptions

    opts = RunOptions(targets=["x/y"])
    assert (opts.max_retries, opts.attempt_timeout, opts.request_budget, opts.retry_on_error) == (
        cmd_run.MAX_RETRIES_DEFAULT,
        cmd_run.ATTEMPT_TIMEOUT_DEFAULT,
        cmd_run.REQUEST_BUDGET_DEFAULT,
        cmd_run.RETRY_ON_ERROR_DEFAULT,
    )
    args = (opts.max_retries, opts.attempt_timeout, opts.request_budget)
    assert worst_case_call_seconds(*args) == cmd_run.WORST_CALL_S
    assert worst_case_failing_sample_seconds(*args, opts.retry_on_error) == cmd_run.WORST_SAMPLE_S
    # without a budget the same retries could hold one call for 5 attempts and 4 backoffs
    assert worst_case_call_seconds(4, 60, None) == 5 * 60 + 6 + 9 + 15 + 27
    proc = _run("run", "--help", env={"COLUMNS": "400"})
    assert proc.returncode == 0
    text = " ".join(proc.stdout.replace("│", " ").split())
    assert "--request-budget" in text and "--retry-on-error" in text
    assert f"{cmd_run.WORST_CALL_S} s at the defaults" in text and f"{cmd_run.WORST_SAMPLE_S} s at the" in text
