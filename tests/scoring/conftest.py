"""Fixtures for the scoring tests: offline token counting, the XSTest files when present."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

try:  # tiktoken cannot download its table offline; the project's fallback keeps mockllm usable
    from frontiergate.offline import install_offline_token_counter

    install_offline_token_counter()
except ImportError:  # pragma: no cover - older trees
    pass

REPO = Path(__file__).resolve().parents[2]


def xstest_dir() -> Path | None:
    """The shared XSTest directory, or None (tests then skip)."""
    env = os.environ.get("FRONTIERGATE_SHARED_DATA")
    for base in ([Path(env)] if env else []) + [REPO.parent / "shared" / "data"]:
        d = base / "xstest"
        if d.is_dir():
            return d
    return None


@pytest.fixture
def xstest() -> Path:
    d = xstest_dir()
    if d is None:
        pytest.skip("shared XSTest data not available")
    return d
