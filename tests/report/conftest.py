from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from mixed_run import MixedRun, make_mixed_run  # noqa: E402


@pytest.fixture(scope="session")
def mixed_run(tmp_path_factory: pytest.TempPathFactory) -> MixedRun:
    return make_mixed_run(tmp_path_factory.mktemp("mixed"))
