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
