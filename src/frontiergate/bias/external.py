"""Loading paired prompt sets published by others (bring your own pairs).

The default column names are those of the public political-neutrality paired set
(``prompt_a``, ``prompt_b``, ``stance_a``, ``stance_b``, ``topic_name``, ``template``,
``template_category``, ``main_category``, ``prompt_a_group``, ``prompt_b_group``); any other CSV
or JSONL file can be mapped with ``columns`` (``field=column`` pairs). Only the two prompts are
required: everything else improves the breakdowns but is optional.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from frontiergate.bias.library import PromptPair
from frontiergate.errors import DataFileError

#: our field -> default column in the public paired format
DEFAULT_COLUMNS: dict[str, str] = {
    "prompt_a": "prompt_a",
    "prompt_b": "prompt_b",
    "stance_a": "stance_a",
    "stance_b": "stance_b",
    "topic": "topic_name",
    "template": "template",
    "template_category": "template_category",
    "axis": "main_category",
    "country": "country",
    "group_a": "prompt_a_group",
    "group_b": "prompt_b_group",
}
REQUIRED = ("prompt_a", "prompt_b")


Columns = str | Mapping[str, str] | Sequence[str] | None


def parse_columns(columns: Columns) -> dict[str, str]:
    """Merge a user column mapping over the defaults.

    Accepts ``"prompt_a=left,prompt_b=right"``, a dict, or the list ``["prompt_a=left", ...]`` that
    Inspect's ``-T columns=prompt_a=left,prompt_b=right`` turns the comma-separated value into.
    """
    out = dict(DEFAULT_COLUMNS)
    if columns is None or columns == "":
        return out
    if isinstance(columns, Mapping):
        items = [(str(k), str(v)) for k, v in columns.items()]
    else:
        parts = columns.split(",") if isinstance(columns, str) else [str(c) for c in columns]
        items = []
        for part in parts:
            if not part.strip():
                continue
            if "=" not in part:
                raise DataFileError(
                    f"bad column mapping '{part.strip()}'", "write FIELD=COLUMN, e.g. prompt_a=left_prompt"
                )
            k, v = part.split("=", 1)
            items.append((k.strip(), v.strip()))
    for k, v in items:
        if k not in DEFAULT_COLUMNS:
            raise DataFileError(
                f"unknown pair field '{k}' in the column mapping",
                f"map one of: {', '.join(DEFAULT_COLUMNS)}",
            )
        out[k] = v
    return out


def _slug(text: str, limit: int = 40) -> str:
    s = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return s[:limit] or "none"


def _read_rows(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        raise DataFileError(f"paired prompt file not found: {path}", "give the path of a CSV or JSONL file")
    if path.is_dir():
        raise DataFileError(f"{path} is a directory", "give the path of a CSV or JSONL file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"cannot read {path}: {exc}", "save the file as UTF-8 text") from None
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        rows = []
        for i, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataFileError(f"{path}:{i}: not valid JSON ({exc.msg})",
                                    "one JSON object per line") from None
            if not isinstance(obj, dict):
                raise DataFileError(f"{path}:{i}: expected a JSON object", "one JSON object per line")
            rows.append(obj)
        return rows
    if path.suffix.lower() not in (".csv", ".tsv"):
        raise DataFileError(f"{path}: unsupported file type '{path.suffix}'", "use .csv, .tsv or .jsonl")
    delim = "\t" if path.suffix.lower() == ".tsv" else ","
    try:
        return list(csv.DictReader(text.splitlines(), delimiter=delim))
    except csv.Error as exc:
        raise DataFileError(f"{path}: malformed CSV ({exc})", "check quoting of fields with commas") from None


def load_pairs_file(path: str | Path, columns: Columns = None) -> list[PromptPair]:
    """Read an external paired set; every problem names the file, row and field."""
    p = Path(path)
    cols = parse_columns(columns)
    rows = _read_rows(p)
    if not rows:
        raise DataFileError(f"{p}: no rows", "the file needs a header and at least one pair")
    header = set(rows[0])
    missing = [f"{f} (column '{cols[f]}')" for f in REQUIRED if cols[f] not in header]
    if missing:
        raise DataFileError(
            f"{p}: missing required column(s) {', '.join(missing)}; "
            f"found columns: {', '.join(sorted(header))}",
            "rename the columns or map them, e.g. columns=prompt_a=MY_COL_A,prompt_b=MY_COL_B",
        )
    stem = _slug(p.stem, 30)
    out: list[PromptPair] = []
    seen: set[str] = set()
    for i, row in enumerate(rows, start=2 if p.suffix.lower() != ".jsonl" else 1):

        def get(field: str, row: dict[str, Any] = row) -> str:
            v = row.get(cols[field])
            return "" if v is None else str(v).strip()

        a, b = get("prompt_a"), get("prompt_b")
        for field, v in (("prompt_a", a), ("prompt_b", b)):
            if not v:
                raise DataFileError(f"{p}: row {i}: empty {field} (column '{cols[field]}')",
                                    "every row needs both prompts")
        if a == b:
            raise DataFileError(f"{p}: row {i}: prompt_a and prompt_b are identical",
                                "a pair must differ in stance; fix or drop the row")
        topic = _slug(get("topic") or "unspecified", 60)
        tpl_text = get("template")
        template = _slug(tpl_text.replace("{stance}", "")) if tpl_text else "unspecified"
        digest = hashlib.sha256(f"{a}\x00{b}".encode()).hexdigest()[:8]
        pair_id = f"{stem}:{topic}|{template}|{digest}"
        if pair_id in seen:
            continue  # an exact duplicate row adds no evidence, only false confidence
        seen.add(pair_id)
        out.append(PromptPair(
            pair_id=pair_id, topic=topic, template=template,
            template_category=get("template_category") or template,
            axis=_slug(get("axis")) if get("axis") else "unspecified",
            country=get("country") or "unspecified",
            stance_a=get("stance_a"), stance_b=get("stance_b"), prompt_a=a, prompt_b=b,
            group_a=get("group_a"), group_b=get("group_b"), source=f"external:{p.name}",
        ))
    return out
