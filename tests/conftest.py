"""Shared fixtures: scripted models, the shared labelled data, isolated run directories."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import scripted  # noqa: E402,F401  (registers the scripted/ test models)

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path | None:
    env = os.environ.get("FRONTIERGATE_SHARED_DATA")
    for cand in ([Path(env)] if env else []) + [REPO.parent / "shared" / "data"]:
        if cand.is_dir():
            return cand
    return None


@pytest.fixture
def shared_data() -> Path:
    d = shared_data_dir()
    if d is None:
        pytest.skip("shared labelled data not available")
    return d


@pytest.fixture
def misuse_policy() -> Path:
    return REPO / "tests" / "data" / "misuse_only_policy.yaml"


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs in its own directory, so runs/ and logs never leak between tests."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FRONTIERGATE_STORE", raising=False)
    monkeypatch.setenv("INSPECT_LOG_DIR", str(tmp_path / "inspect-logs"))
