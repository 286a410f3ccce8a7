"""Awareness tests: register the cue-scripted test models."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import cue_models  # noqa: E402,F401  (registers cuescripted/ test models)
