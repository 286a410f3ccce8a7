"""The ``claims.yaml`` format.

Each claim names the measurement that tests it (metric, domain, slice, optionally a target) and
the claimed bound (``at_least`` or ``at_most``)::

    claims:
      - id: reasoning-accuracy
        statement: "Accuracy on the reasoning suite is at least 0.58."
        source: "model card, section 4"
        metric: capability_accuracy
        domain: reasoning
        at_least: 0.58
"""

from __future__ import annotations

import hashlib
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from frontiergate.errors import FrontiergateError


class ClaimsError(FrontiergateError):
    """A claims file is missing or invalid."""


class Claim(BaseModel):
    """One published statement and the measurement that tests it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    statement: str = Field(min_length=1)
    source: str = ""
    metric: str = Field(min_length=1)
    domain: str = Field(min_length=1)
    slice: str = "all"
    target: str | None = Field(default=None, description="Model string; default: every target of the run.")
    at_least: float | None = None
    at_most: float | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Claim:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("give exactly one of at_least or at_most")
        return self

    @property
    def op(self) -> str:
        return "at_least" if self.at_least is not None else "at_most"

    @property
    def value(self) -> float:
        v = self.at_least if self.at_least is not None else self.at_most
        assert v is not None
        return v

    @property
    def claimed(self) -> str:
        sign = ">=" if self.op == "at_least" else "<="
        return f"{self.metric}[{self.domain}, {self.slice}] {sign} {self.value:g}"


class ClaimsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = "1"
    description: str = ""
    claims: list[Claim] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> ClaimsFile:
        ids = [c.id for c in self.claims]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"duplicate claim ids: {', '.join(dup)}")
        return self


def default_claims_path() -> Path:
    return Path(str(files("frontiergate.claims").joinpath("default_claims.yaml")))


def _where(raw: Any, loc: tuple[str | int, ...]) -> str:
    """'claims[2] (id 'x').at_least' for an error location."""
    out = ""
    node = raw
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and node.get("id"):
                out += f" (id '{node['id']}')"
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out or "(top level)"


def parse_claims(raw: Any, origin: str, metric_exists: Any = None) -> ClaimsFile:
    """Validate parsed YAML; every problem names the file, the claim and the field."""
    try:
        cf = ClaimsFile.model_validate(raw)
    except ValidationError as exc:
        problems = [f"{origin}: {_where(raw, tuple(e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise ClaimsError("; ".join(problems), "see the bundled example: frontiergate claims show") from None
    if metric_exists is not None:
        for i, c in enumerate(cf.claims):
            if not metric_exists(c.metric):
                raise ClaimsError(
                    f"{origin}: claims[{i}] (id '{c.id}').metric: unknown metric '{c.metric}'",
                    "use a registered metric (e.g. capability_accuracy, attack_success_rate) or refusal_rate",
                )
    return cf


def load_claims(path: str | Path, metric_exists: Any = None) -> ClaimsFile:
    p = Path(path)
    if not p.is_file():
        raise ClaimsError(f"claims file not found: {p}", "pass an existing claims.yaml")
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ClaimsError(f"{p}: cannot read YAML: {exc}".replace("\n", " "), "fix the YAML syntax") from None
    return parse_claims(raw, str(p), metric_exists)


def claims_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
