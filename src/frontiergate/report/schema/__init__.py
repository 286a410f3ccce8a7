"""The published JSON Schema of ``report.json``.

The schema file is versioned with ``frontiergate.report.SCHEMA_VERSION`` so that a consumer can
pin the contract it was written against; a copy lives in ``docs/report.schema.json``.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from frontiergate.report import SCHEMA_VERSION


def schema_filename(version: str = SCHEMA_VERSION) -> str:
    return f"report-{version}.schema.json"


def load_schema(version: str = SCHEMA_VERSION) -> dict[str, Any]:
    """The schema for ``version`` as shipped inside the package."""
    text = resources.files(__name__).joinpath(schema_filename(version)).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def schema_errors(report: dict[str, Any]) -> list[str]:
    """Every schema violation in ``report`` as 'path: message' (empty when valid).

    Needs ``jsonschema`` (a dev/test dependency); callers that only want hashing skip this.
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(
        load_schema(str(report.get("schema_version", SCHEMA_VERSION)))
    )
    out = []
    for err in sorted(validator.iter_errors(report), key=lambda e: list(map(str, e.absolute_path))):
        path = "/".join(str(p) for p in err.absolute_path) or "(root)"
        out.append(f"{path}: {err.message}")
    return out
