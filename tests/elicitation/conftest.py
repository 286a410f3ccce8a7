"""Register the scripted elicitation test model (``fgscripted/...``) before any test uses it."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import elicit_scripted  # noqa: E402,F401
