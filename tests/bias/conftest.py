"""Shared fixtures for the bias tests: scripted models, shared-data location, log → analysis context."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

try:  # tiktoken cannot download its table offline; the project's fallback keeps mockllm usable
    from frontiergate.offline import install_offline_token_counter

    install_offline_token_counter()
except ImportError:  # pragma: no cover - older trees
    pass

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).parent))
import bias_scripted  # noqa: E402,F401  (registers scripted_bias/* and scripted_grader/*)


def shared_data() -> Path:
    return Path(os.environ.get("FRONTIERGATE_SHARED_DATA") or REPO.parent / "shared" / "data")


@pytest.fixture
def political_pairs_file() -> Path:
    p = shared_data() / "political_pairs" / "political_pairs_dev.csv"
    if not p.exists():
        pytest.skip(f"shared political pairs file not found at {p}")
    return p
