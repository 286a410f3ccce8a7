"""User-facing errors.

Everything a user can cause (a bad file, an unknown model, a missing key) is raised as a
``FrontiergateError``; the CLI prints ``cause`` and ``fix`` on one line each and exits with code 2,
so nobody has to read a traceback to learn what to change.
"""

from __future__ import annotations


class FrontiergateError(Exception):
    """An error the user can fix. ``fix`` says how."""

    exit_code = 2

    def __init__(self, cause: str, fix: str = "") -> None:
        super().__init__(cause)
        self.cause = cause
        self.fix = fix

    def render(self) -> str:
        return f"error: {self.cause}" + (f"\n  fix: {self.fix}" if self.fix else "")


class PolicyError(FrontiergateError):
    """A policy file is missing, malformed or inconsistent."""

    def __init__(self, cause: str, fix: str = "", problems: list[str] | None = None) -> None:
        super().__init__(cause, fix)
        self.problems = problems or []

    def render(self) -> str:
        lines = [f"error: {self.cause}"]
        lines += [f"  {p}" for p in self.problems]
        if self.fix:
            lines.append(f"  fix: {self.fix}")
        return "\n".join(lines)


class ModelError(FrontiergateError):
    """A target model cannot be resolved or reached (unknown provider, missing key)."""


class DataFileError(FrontiergateError):
    """A scenario, labelled or configuration data file cannot be read."""


class RunError(FrontiergateError):
    """A run cannot be started or resumed (unknown run id, incompatible store)."""
