"""Code and library versions recorded with every run (so a report can say what produced it)."""

from __future__ import annotations

import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import frontiergate


def code_version() -> str:
    """Package version plus the git commit when running from a checkout (``-dirty`` if modified)."""
    root = Path(frontiergate.__file__).resolve().parents[2]
    if (root / ".git").exists():
        try:
            sha = subprocess.run(
                ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
                capture_output=True,
                text=True,
                timeout=5,
                check=True,
            ).stdout.strip()
            dirty = subprocess.run(
                ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                capture_output=True,
                text=True,
                timeout=5,
            ).stdout.strip()
            return f"{frontiergate.__version__}+g{sha}" + (".dirty" if dirty else "")
        except (OSError, subprocess.SubprocessError):
            pass
    return frontiergate.__version__


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("frontiergate", "inspect-ai", "llama-cpp-python", "pydantic", "sqlalchemy", "scipy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            continue
    return out


# (module, attribute) of every version a scorer writes into its scores' ``scorer_version`` (or that
# decides what a score means): read when a run starts and again when it is resumed
_SCORER_VERSIONS = (
    ("frontiergate.scorers.refusal", "RULES_SCORER_VERSION"),
    ("frontiergate.scorers.refusal_judge", "JUDGE_SCORER_VERSION"),
    ("frontiergate.scorers.harm_grade", "HARM_GRADE_VERSION"),
    ("frontiergate.scorers.outcome", "OUTCOME_VERSION"),
    ("frontiergate.scorers.bias", "BIAS_REFUSAL_VERSION"),
    ("frontiergate.scorers.autonomy", "SCORER_VERSION"),
    ("frontiergate.tasks.capability", "SCORER_VERSION"),
    ("frontiergate.tasks.cascade", "CASCADE_SCORER_VERSION"),
    ("frontiergate.envs.cascade", "SCORER_VERSION"),
    ("frontiergate.envs.steer_episodes", "SCORER_VERSION"),
    ("frontiergate.tasks.awareness_steer", "STEER_SCORER_VERSION"),
    ("frontiergate.bias.judge", "JUDGE_VERSION"),
    ("frontiergate.bias.judge", "RULES_JUDGE_VERSION"),
    ("frontiergate.bias.features", "FEATURES_VERSION"),
    ("frontiergate.awareness.verbalised", "DETECTOR_VERSION"),
    ("frontiergate.safeguards.principled_guard", "GUARD_VERSION"),
    ("frontiergate.safeguards.rules_filter", "RULES_VERSION"),
    ("frontiergate.models.safeguarded", "SAFEGUARD_VERSION"),
)


def scorer_versions() -> dict[str, str]:
    """``module.ATTRIBUTE`` → version of every scorer (read now, so a patched release reads as what it is);
    a module that cannot be imported here is left out (its scorers cannot have run either)."""
    import importlib

    out: dict[str, str] = {}
    for module, attr in _SCORER_VERSIONS:
        try:
            value = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError):
            continue
        out[f"{module.removeprefix('frontiergate.')}.{attr}"] = str(value)
    return out
