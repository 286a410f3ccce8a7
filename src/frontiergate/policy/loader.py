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
from frontiergate.policy.checks import normalise_dates, preparedness_problems
from frontiergate.policy.locate import fmt_loc as _fmt_loc
from frontiergate.policy.locate import node_line as _node_line
from frontiergate.policy.locate import refine
from frontiergate.policy.schema import (
    Policy,
    criterion_not_in_domain,
    foreign_task_needs_mapping,
    is_foreign_task,
)

KNOWN_DOMAINS = frozenset({"cyber", "chem_bio", "general_harm", "autonomy", "ideological_bias", "evaluation_awareness"})


def default_policy_path() -> Path:
    return Path(str(files("frontiergate.policy").joinpath("default_policy.yaml")))


def policy_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _first_duplicate_key(root: yaml.Node | None) -> tuple[str, int, int] | None:
    """(key, line, line of its first use) of the first key repeated within one mapping, if any.

    Why: YAML loaders keep the last of two equal keys without a word, so a threshold or an alert
    pasted twice would change the policy silently.
    """
    stack: list[yaml.Node] = [root] if root is not None else []
    visited: set[int] = set()  # aliases share nodes and may form cycles: visit each node once
    while stack:
        node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode):
                    if k.value in seen:
                        return str(k.value), k.start_mark.line + 1, seen[k.value]
                    seen[k.value] = k.start_mark.line + 1
                stack.append(v)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return None


def load_policy(
    path: str | Path | None = None,
    *,
    task_exists: Callable[[str], bool] | None = None,
    metric_exists: Callable[[str], bool] | None = None,
    metric_direction: Callable[[str], str | None] | None = None,
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
    root: yaml.Node | None = None
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
    except ValueError as exc:  # a YAML timestamp that is no calendar date (2026-02-30): the parser's own error
        raise PolicyError(
            f"{p}:{_bad_timestamp_line(root)}: malformed YAML: {exc}",
            "write a real date (YYYY-MM-DD), or quote the value to keep it as text",
        ) from None
    duplicate = _first_duplicate_key(root)
    if duplicate is not None:
        key, dup_line, first = duplicate
        raise PolicyError(
            f"{p}:{dup_line}: malformed YAML: key '{key}' is given twice in one mapping (first at line {first}); "
            "YAML would silently keep only the last value",
            "keep one of the two entries",
        )
    if not isinstance(data, dict):
        raise PolicyError(
            f"{p}:1: the policy must be a YAML mapping with keys name, levels, domains",
            "start from `frontiergate policy show > my_policy.yaml`",
        )
    normalise_dates(data)
    problems: list[str] = []
    deferred: list[str] = []
    policy: Policy | None = None
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            if loc[:1] == ("domains",) and len(loc) == 2 and msg.startswith("evaluations["):
                # a domain's evidence-mapping check: reported below, each problem on its own line
                deferred.append(f"{p}:{_node_line(root, loc)}: {_fmt_loc(loc)}.{msg}")
                continue
            loc, msg = refine(loc, msg, data)  # a cross-field check names its field in the message
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
        crits = body.get("criteria")
        criteria = {
            cr["metric"]
            for cr in (crits if isinstance(crits, list) else [])
            if isinstance(cr, dict) and isinstance(cr.get("metric"), str)
        }
        mapped: set[str] = set()  # criterion metrics whose evidence a foreign task's mapping supplies
        own = any(
            isinstance(ev, dict) and isinstance(ev.get("task"), str) and not is_foreign_task(ev["task"])
            for ev in (evals if isinstance(evals, list) else [])
        )
        for i, ev in enumerate(evals if isinstance(evals, list) else []):
            task = ev.get("task") if isinstance(ev, dict) else None
            if isinstance(task, str) and task_exists is not None and not task_exists(task):
                line = _node_line(root, ("domains", name, "evaluations", i, "task"))
                problems.append(
                    f"{p}:{line}: domains.{name}.evaluations[{i}].task: unknown evaluation '{task}' "
                    "(not a frontiergate task, an installed Inspect task, or a file.py@task)"
                )
            problems += _mapping_problems(p, root, name, i, ev, criteria, mapped, own, metric_exists)
        for i, cr in enumerate(crits if isinstance(crits, list) else []):
            metric = cr.get("metric") if isinstance(cr, dict) else None
            if isinstance(metric, str) and metric in mapped:
                continue  # a foreign task's declared score is this criterion's evidence
            if isinstance(metric, str) and metric_exists is not None and not metric_exists(metric):
                line = _node_line(root, ("domains", name, "criteria", i, "metric"))
                problems.append(f"{p}:{line}: domains.{name}.criteria[{i}].metric: unknown metric '{metric}'")
                continue
            # a criterion read in the wrong direction clears exactly the models it should stop (an
            # evenhandedness of 0 "below every threshold"); the default direction is higher_is_worse
            registered = metric_direction(metric) if isinstance(metric, str) and metric_direction else None
            given = cr.get("direction", "higher_is_worse") if isinstance(cr, dict) else None
            if registered is not None and given != registered:
                line = _node_line(root, ("domains", name, "criteria", i))
                problems.append(
                    f"{p}:{line}: domains.{name}.criteria[{i}].direction: '{metric}' is {registered} but the "
                    f"criterion reads it as {given}{' (the default)' if 'direction' not in cr else ''}; set "
                    f"direction: {registered} and give thresholds that fit it"
                )
    problems += preparedness_problems(p, root, data, metric_exists)
    if policy is None and not problems:
        problems = deferred  # the located checks above found nothing: the schema's own words then
    if problems or policy is None:
        raise PolicyError(
            f"policy {p} has {len(problems)} problem(s):",
            "correct each field named above; `frontiergate policy show` prints a valid example",
            problems,
        )
    return policy


def _bad_timestamp_line(root: yaml.Node | None) -> int | None:
    """Line of the first scalar YAML reads as a timestamp but cannot build (its error names none)."""
    stack, bad = [root], list[int]()
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:timestamp":
            try:
                yaml.safe_load(node.value)
            except ValueError:
                bad.append(node.start_mark.line + 1)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in node.value for n in pair)
    return min(bad, default=None)


def _mapping_problems(
    p: Path,
    root: yaml.Node | None,
    domain: str,
    i: int,
    ev: Any,
    criteria: set[str],
    mapped: set[str],
    own_evaluations: bool,
    metric_exists: Callable[[str], bool] | None,
) -> list[str]:
    """A foreign task's evidence must reach a criterion of its domain through a declared mapping.

    Without one the task runs and its results are silently ignored; with a mapping to a criterion the
    domain does not have, the same. A mapping onto a metric frontiergate computes itself, in a domain
    where frontiergate's own evaluations run too, would put two different measurements under one
    name (say, multiple-choice accuracy under attack_success_rate), so the foreign score must get a
    criterion name of its own there. Records the mapped criteria in ``mapped``.
    """
    if not isinstance(ev, dict) or not isinstance(ev.get("task"), str):
        return []
    task = ev["task"]
    where = ("domains", domain, "evaluations", i)
    mapping = ev.get("metric")
    if mapping is None:
        if not is_foreign_task(task):
            return []
        line = _node_line(root, (*where, "task"))
        return [f"{p}:{line}: domains.{domain}.evaluations[{i}].metric: {foreign_task_needs_mapping(task)}"]
    if not isinstance(mapping, dict):
        return []  # the schema reports the wrong type, with its line
    criterion = mapping.get("criterion")
    if not isinstance(criterion, str):
        return []
    if criterion not in criteria:
        line = _node_line(root, (*where, "metric", "criterion"))
        return [
            f"{p}:{line}: domains.{domain}.evaluations[{i}].metric.criterion: "
            + criterion_not_in_domain(criterion, criteria)
        ]
    if own_evaluations and metric_exists is not None and metric_exists(criterion):
        line = _node_line(root, (*where, "metric", "criterion"))
        return [
            f"{p}:{line}: domains.{domain}.evaluations[{i}].metric.criterion: '{criterion}' is also computed "
            f"by this domain's frontiergate evaluations; give the score of '{task}' a criterion of its own "
            f"(e.g. {_own_name(task)}) so the two measurements are not mixed"
        ]
    mapped.add(criterion)
    return []


def _own_name(task: str) -> str:
    base = task.rsplit("@", 1)[-1].rsplit("/", 1)[-1].removesuffix(".py")
    return "".join(c if c.isalnum() else "_" for c in base).strip("_").lower() + "_score"
