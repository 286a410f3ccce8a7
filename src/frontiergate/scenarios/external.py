"""Bring your own scenarios: load an external behaviour set (CSV or JSONL) as seeds.

Public red-teaming sets (HarmBench, AdvBench, in-house lists) arrive with their own column names;
a column mapping turns each row into a ``Seed`` so the same transforms, tasks and metrics apply.
Nothing is copied into the project: the file is read from the path the user gives, every run.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from frontiergate.errors import DataFileError
from frontiergate.scenarios.schema import BenignTwin, Seed

_SEVERITIES = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class ColumnMapping:
    """Which column holds what. Only ``prompt`` is required; ``domain`` or ``domain_column`` must be set."""

    prompt: str = "prompt"
    id: str | None = None
    category: str | None = None
    domain: str | None = None
    domain_column: str | None = None
    severity: str | None = None
    default_severity: str = "medium"
    benign: str | None = None
    context: str | None = None


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            with path.open(encoding="utf-8", newline="") as fh:
                for i, row in enumerate(csv.DictReader(fh), start=2):
                    yield i, dict(row)
        elif suffix in (".jsonl", ".ndjson"):
            with path.open(encoding="utf-8") as fh:
                for i, line in enumerate(fh, start=1):
                    if not line.strip():
                        continue
                    try:
                        obj = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise DataFileError(f"{path}:{i}: invalid JSON ({exc.msg})",
                                            "each line must be one JSON object") from None
                    if not isinstance(obj, dict):
                        raise DataFileError(f"{path}:{i}: expected a JSON object", "one object per line")
                    yield i, obj
        else:
            raise DataFileError(f"{path}: unsupported file type {suffix or '(none)'}",
                                "give a .csv or .jsonl file")
    except OSError as exc:
        raise DataFileError(f"cannot read behaviour file {path}: {exc.strerror}", "check the path") from None
    except UnicodeDecodeError:
        raise DataFileError(f"{path}: not UTF-8 text", "re-save the file as UTF-8") from None


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text.strip()).strip("_").lower() or "x"


def _cell(row: dict[str, Any], col: str | None) -> str:
    if col is None:
        return ""
    v = row.get(col)
    return "" if v is None else str(v).strip()


def iter_external(path: str | Path, mapping: ColumnMapping) -> Iterator[Seed]:
    """Stream seeds from ``path``; rows with an empty prompt are skipped."""
    p = Path(path)
    if mapping.domain is None and mapping.domain_column is None:
        raise DataFileError(f"{p}: no domain for the external behaviours",
                            "pass --domain NAME (e.g. general_harm) or --domain-column COLUMN")
    if mapping.default_severity not in _SEVERITIES:
        raise DataFileError(f"default severity {mapping.default_severity!r} is not one of {_SEVERITIES}",
                            "use low, medium, high or critical")
    source = f"external:{p.name}"
    checked = False
    for line, row in _rows(p):
        if not checked:
            wanted = {
                "--prompt-column": mapping.prompt, "--id-column": mapping.id,
                "--category-column": mapping.category, "--domain-column": mapping.domain_column,
                "--severity-column": mapping.severity, "--benign-column": mapping.benign,
                "--context-column": mapping.context,
            }
            for flag, col in wanted.items():
                if col is not None and col not in row:
                    raise DataFileError(
                        f"{p}: column {col!r} (from {flag}) not found",
                        f"available columns: {', '.join(map(str, row))}",
                    )
            checked = True
        prompt = _cell(row, mapping.prompt)
        if not prompt:
            continue
        context = _cell(row, mapping.context)
        if context:
            prompt = f"{context}\n\n{prompt}"
        sid = _cell(row, mapping.id) or f"{_slug(p.stem)}-{line:05d}"
        severity = _cell(row, mapping.severity).lower() or mapping.default_severity
        if severity not in _SEVERITIES:
            raise DataFileError(f"{p}:{line}: severity {severity!r} in column {mapping.severity!r}",
                                "use low, medium, high or critical, or drop --severity-column")
        domain = _cell(row, mapping.domain_column) or (mapping.domain or "")
        if not domain:
            raise DataFileError(f"{p}:{line}: empty domain in column {mapping.domain_column!r}",
                                "fill the column or pass --domain as the fallback")
        benign_text = _cell(row, mapping.benign)
        try:
            yield Seed(
                id=f"ext-{_slug(sid)}", domain=domain,
                category=_slug(_cell(row, mapping.category)) if mapping.category else "uncategorized",
                severity=severity,  # type: ignore[arg-type]
                turns=[prompt],
                benign=BenignTwin(id=f"ext-{_slug(sid)}-b", turns=[benign_text]) if benign_text else None,
                source=source,
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            raise DataFileError(f"{p}:{line}: {first['msg']}", "check that row's values") from None


def load_external(path: str | Path, mapping: ColumnMapping) -> list[Seed]:
    """All seeds of an external file; duplicate ids are an error (paired analyses join on them)."""
    seeds = list(iter_external(path, mapping))
    seen: set[str] = set()
    for s in seeds:
        if s.id in seen:
            raise DataFileError(f"{path}: duplicate behaviour id {s.id!r}",
                                "choose a unique --id-column or omit it to number rows")
        seen.add(s.id)
    if not seeds:
        raise DataFileError(f"{path}: no behaviours with a non-empty prompt",
                            f"check --prompt-column (now {mapping.prompt!r})")
    return seeds
