"""Misuse-path tests: the verdict helpers (run a policy end to end) and this directory's scripted models."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "verdict"))
sys.path.insert(0, str(Path(__file__).parent))

import misuse_models  # noqa: E402,F401  (registers the fgattack/ and fgturns/ test models)
from verdict_helpers import _fresh_models  # noqa: E402,F401
