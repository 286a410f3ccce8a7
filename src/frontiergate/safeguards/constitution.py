"""The constitution a principle-based guard reasons from.

Rules say *what* to match; principles also say *why*. A guard that knows the rationale behind a
principle can decide about an attack phrased in a way no rule anticipated, which is the claim the
generalisation experiment tests. The file is data (YAML) so reviewers can audit and change the
principles without touching code; it is validated here so a typo fails before any guard runs.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from frontiergate.errors import DataFileError


class Principle(BaseModel):
    """One principle: what is forbidden, why, where it applies, and example requests either side."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    statement: str = Field(min_length=1)
    rationale: str = Field(min_length=1, description="Why the principle exists; the guard reasons from it.")
    scope: list[str] = Field(default_factory=list, description="Risk domains the principle covers.")
    forbids: list[str] = Field(default_factory=list, description="Example requests to block (requests only).")
    allows: list[str] = Field(default_factory=list, description="Look-alike requests to allow.")


class Constitution(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    version: str = "1"
    description: str = ""
    principles: list[Principle] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Constitution:
        ids = [p.id for p in self.principles]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"duplicate principle ids: {', '.join(dup)}")
        return self

    def principle(self, pid: str) -> Principle | None:
        return next((p for p in self.principles if p.id == pid), None)

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.principles]

    def restricted_to(self, ids: list[str]) -> Constitution:
        """A copy with only the named principles (e.g. a guard that enforces one principle)."""
        unknown = sorted(set(ids) - set(self.ids))
        if unknown:
            raise DataFileError(
                f"constitution '{self.name}' has no principle(s) {', '.join(unknown)}",
                f"use one of: {', '.join(self.ids)}",
            )
        return self.model_copy(update={"principles": [p for p in self.principles if p.id in ids]})

    def render(self) -> str:
        """The constitution as guard-prompt text: statement, rationale and examples per principle."""
        lines = [f"Constitution '{self.name}' (version {self.version}). {self.description}".strip(), ""]
        for p in self.principles:
            lines.append(f"[{p.id}] {p.statement}")
            lines.append(f"  Why: {' '.join(p.rationale.split())}")
            if p.scope:
                lines.append(f"  Scope: {', '.join(p.scope)}")
            for ex in p.forbids:
                lines.append(f"  Block, e.g.: {ex}")
            for ex in p.allows:
                lines.append(f"  Allow, e.g.: {ex}")
        return "\n".join(lines)


def default_constitution_path() -> Path:
    return Path(str(files("frontiergate.safeguards").joinpath("data", "default_constitution.yaml")))


def load_constitution(path: Path | str | None = None) -> Constitution:
    """Load and validate a constitution (the bundled default when ``path`` is None)."""
    p = Path(path) if path is not None else default_constitution_path()
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"cannot read constitution file {p}: {exc}", "check the path and encoding") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{p}:{mark.line + 1}" if mark is not None else str(p)
        raise DataFileError(f"{where}: malformed YAML in constitution file", "fix the YAML syntax there") from None
    if not isinstance(raw, dict):
        raise DataFileError(
            f"{p}: expected a mapping with keys name, principles", f"see {default_constitution_path()} for the format"
        )
    try:
        return Constitution.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(x) for x in first["loc"]) or "(top level)"
        raise DataFileError(
            f"{p}: field '{loc}': {first['msg']}",
            "each principle needs id (lowercase, dashes), statement, rationale; scope/forbids/allows are lists",
        ) from None
