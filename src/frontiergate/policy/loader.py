"""Load and check policy files, reporting every problem with file, line and field path.

Users edit policies by hand; one error at a time, or an error without a line number, turns a
two-minute fix into a debugging session. So validation collects *all* problems, and each is
located in the YAML source through the composed node tree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from frontiergate.errors import PolicyError
from frontiergate.policy.schema import Policy

KNOWN_DOMAINS = frozenset({"cyber", "chem_bio", "general_harm", "autonomy", "ideological_bias", "evaluation_awareness"})


def default_policy_path() -> Path:
    return Path(str(files("frontiergate.policy").joinpath("default_policy.yaml")))


def policy_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _node_line(root: yaml.Node | None, loc: tuple[str | int, ...]) -> int | None:
    """Line (1-based) of the deepest YAML node that ``loc`` reaches."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == str(key):
                    nxt, line = v, k.start_mark.line + 1
                    break
            if nxt is None:
                return line
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _fmt_loc(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def load_policy(
    path: str | Path | None = None,
    *,
    task_exists: Callable[[str], bool] | None = None,
    metric_exists: Callable[[str], bool] | None = None,
) -> Policy:
    """Parse and validate a policy; raise ``PolicyError`` listing every problem found.

    ``task_exists`` and ``metric_exists`` check references against the registries; they are passed
    in so that this module does not import Inspect (policy checks stay fast).
    """
    p = Path(path) if path is not None else default_policy_path()
    if not p.exists():
        raise PolicyError(f"policy file not found: {p}", "pass an existing YAML file (see `frontiergate policy show`)")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"cannot read policy file {p}: {exc}", "save the file as UTF-8 text") from None
    try:
        root = yaml.compose(text)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{p}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(p)
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError(
            f"{where}: malformed YAML: {problem}", "fix the YAML syntax at that line (indentation, colons, quotes)"
        ) from None
    if not isinstance(data, dict):
        raise PolicyError(
            f"{p}:1: the policy must be a YAML mapping with keys name, levels, domains",
            "start from `frontiergate policy show > my_policy.yaml`",
        )
    problems: list[str] = []
    policy: Policy | None = None
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            if msg.startswith("thresholds") and loc[-1:] != ("thresholds",):
                loc = (*loc, "thresholds")  # a criterion-level check about its thresholds
                msg = msg.removeprefix("thresholds: ")
            line = _node_line(root, loc)
            problems.append(f"{p}:{line}: {_fmt_loc(loc)}: {msg}")
    domains = data.get("domains") if isinstance(data.get("domains"), dict) else {}
    for name, body in (domains or {}).items():
        custom = isinstance(body, dict) and body.get("custom") is True
        if name not in KNOWN_DOMAINS and not custom:
            known = ", ".join(sorted(KNOWN_DOMAINS))
            problems.append(
                f"{p}:{_node_line(root, ('domains', name))}: domains.{name}: unknown domain (known: {known})"
            )
        if not isinstance(body, dict):
            continue
        evals = body.get("evaluations")
        for i, ev in enumerate(evals if isinstance(evals, list) else []):
            task = ev.get("task") if isinstance(ev, dict) else None
            if isinstance(task, str) and task_exists is not None and not task_exists(task):
                line = _node_line(root, ("domains", name, "evaluations", i, "task"))
                problems.append(
                    f"{p}:{line}: domains.{name}.evaluations[{i}].task: unknown evaluation '{task}' "
                    "(not a frontiergate task, an installed Inspect task, or a file.py@task)"
                )
        crits = body.get("criteria")
        for i, cr in enumerate(crits if isinstance(crits, list) else []):
            metric = cr.get("metric") if isinstance(cr, dict) else None
            if isinstance(metric, str) and metric_exists is not None and not metric_exists(metric):
                line = _node_line(root, ("domains", name, "criteria", i, "metric"))
                problems.append(f"{p}:{line}: domains.{name}.criteria[{i}].metric: unknown metric '{metric}'")
    if problems or policy is None:
        raise PolicyError(
            f"policy {p} has {len(problems)} problem(s):",
            "correct each field named above; `frontiergate policy show` prints a valid example",
            problems,
        )
    return policy
