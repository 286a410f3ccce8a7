"""Checks across the preparedness fields of a policy that the schema alone cannot make.

Each field may be well-formed on its own and still do nothing, or do something other than its
author meant: a sign-off for an action no level leads to is never asked for, safeguards for a level
that does not deploy with safeguards are never required, a watchlist item for a domain the policy
does not have is never reported, a residual bound above the level it guards validates safeguards
that remove no risk. A policy that silently ignores part of itself misleads the board that
approved it, so each such field is an error, located by file, line and field path, with its fix.

The checks read the parsed YAML (not the validated model) so that they report alongside the
schema's own errors in one pass, and every access is type-guarded: the schema reports wrong types.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, get_args

import yaml

from frontiergate.policy.locate import Loc, fmt_loc, node_line
from frontiergate.policy.schema import CAPABILITY_METRICS, LEVELS, Action

GUARD_KINDS = ("principled", "rules", "classifier", "tuned")
"""Guard kinds a safeguarded target can run (``models.safeguarded.GUARDS``; kept here so that a
policy check does not import the model stack)."""

HOLD_ACTION = "do_not_deploy"
"""The action the decision falls back to whatever the levels say (missing or unsettled evidence,
safeguards that did not validate), so a sign-off for it is always meaningful."""

_RANK: dict[str, int] = {lvl: i for i, lvl in enumerate(LEVELS) if lvl != "low"}
"""Levels a threshold (and so a residual bound) can name; ``low`` is where no threshold is reached."""
_ACTIONS = frozenset(get_args(Action))


class _Problems:
    """Collects located problems for one policy file."""

    def __init__(self, path: Path, root: yaml.Node | None) -> None:
        self.path, self.root, self.items = path, root, list[str]()

    def add(self, loc: Loc, msg: str) -> None:
        self.items.append(f"{self.path}:{node_line(self.root, loc)}: {fmt_loc(loc)}: {msg}")


def _dict(v: Any) -> dict[Any, Any]:
    return v if isinstance(v, dict) else {}


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


def preparedness_problems(
    path: Path,
    root: yaml.Node | None,
    data: dict[str, Any],
    metric_exists: Callable[[str], bool] | None = None,
) -> list[str]:
    """Every cross-field problem of the sign-off, history, safeguards and watchlist fields."""
    out = _Problems(path, root)
    actions = _level_actions(data)
    _sign_off(out, data, actions)
    _history(out, data)
    _safeguards(out, data, actions)
    _watchlist(out, data, metric_exists)
    _alert_requirements(out, data)
    return out.items


def normalise_dates(data: dict[str, Any]) -> None:
    """Turn history dates YAML read as dates back into text, in place.

    An unquoted ``date: 2026-03-02`` is a YAML timestamp, which the schema (a ``YYYY-MM-DD``
    string, so that the policy's hash and its report show exactly what was written) would reject
    with a puzzling "should be a valid string"; the natural way to write a date should just work.
    """
    for entry in _list(data.get("history")):
        day = entry.get("date") if isinstance(entry, dict) else None
        if isinstance(day, dt.date) and not isinstance(day, dt.datetime):
            entry["date"] = day.isoformat()


def _level_actions(data: dict[str, Any]) -> dict[str, str]:
    """Action per level, for the levels whose meaning is well-formed."""
    levels = _dict(data.get("levels"))
    return {
        str(lvl): body["action"]
        for lvl, body in levels.items()
        if isinstance(body, dict) and isinstance(body.get("action"), str)
    }


def _sign_off(out: _Problems, data: dict[str, Any], actions: dict[str, str]) -> None:
    reachable = {*actions.values(), HOLD_ACTION}
    for action, roles in _dict(data.get("sign_off")).items():
        loc: Loc = ("sign_off", str(action))
        if action in _ACTIONS and actions and action not in reachable:  # the schema names a non-action
            used = ", ".join(sorted(reachable))
            out.add(
                loc,
                f"no level leads to '{action}', so this sign-off is never asked for (actions in use: {used}); "
                f"remove it, or give a level `action: {action}`",
            )
        if isinstance(roles, list) and not roles:
            out.add(loc, "no role is named; list the roles that must approve this action, or remove the entry")
        for i, role in enumerate(_list(roles)):
            if isinstance(role, str) and not role.strip():
                out.add((*loc, i), "empty role name; name the role that must approve (e.g. safety lead)")


def _history(out: _Problems, data: dict[str, Any]) -> None:
    seen: dict[str, int] = {}
    last: tuple[dt.date, int] | None = None
    for i, entry in enumerate(_list(data.get("history"))):
        if not isinstance(entry, dict):
            continue
        version = entry.get("version")
        if isinstance(version, str | int | float) and not isinstance(version, bool):
            key = str(version)
            if key in seen:
                out.add(
                    ("history", i, "version"),
                    f"version '{key}' is already history[{seen[key]}]; give each version one entry",
                )
            seen.setdefault(key, i)
        text = entry.get("date")
        if not isinstance(text, str):
            continue
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            if len(text) == 10 and text[4] == "-" and text[7] == "-":  # the schema reports other shapes
                out.add(("history", i, "date"), f"'{text}' is not a calendar date; write YYYY-MM-DD")
            continue
        if last is not None and day < last[0]:
            out.add(
                ("history", i, "date"),
                f"{day} is before history[{last[1]}] ({last[0]}); list versions oldest first",
            )
        last = (day, i)


def _safeguards(out: _Problems, data: dict[str, Any], actions: dict[str, str]) -> None:
    guarded = {lvl for lvl, a in actions.items() if a == "deploy_with_safeguards"}
    domains = _dict(data.get("domains"))
    general = _dict(data.get("safeguards"))
    blocks: list[tuple[Loc, dict[Any, Any]]] = [(("safeguards",), general)]
    blocks += [(("domains", str(n), "safeguards"), _dict(_dict(b).get("safeguards"))) for n, b in domains.items()]
    for where, block in blocks:
        for lvl, req in block.items():
            _required(out, (*where, str(lvl)), str(lvl), req, actions, guarded)
    # every propensity criterion must have the threshold the residual is compared with
    for name, body in domains.items():
        own = _dict(_dict(body).get("safeguards"))
        bounds: dict[str, str] = {}  # residual level -> the first guarded level that compares with it
        for lvl in sorted(guarded & _RANK.keys(), key=_RANK.__getitem__):  # low never requires safeguards
            req = own.get(lvl) if lvl in own else general.get(lvl)
            below = _dict(_dict(req).get("validation")).get("residual_below", "medium")
            if isinstance(below, str) and below in _RANK:
                bounds.setdefault(below, lvl)
        for below, lvl in bounds.items():
            for i, cr in enumerate(_list(_dict(body).get("criteria"))):
                _residual_threshold(out, str(name), i, cr, lvl, below)


def _required(out: _Problems, loc: Loc, lvl: str, req: Any, actions: dict[str, str], guarded: set[str]) -> None:
    if lvl in actions and lvl not in guarded:
        out.add(
            loc,
            f"level '{lvl}' leads to '{actions[lvl]}', so these safeguards are never required; remove them, "
            f"or set `levels.{lvl}.action: deploy_with_safeguards`",
        )
    if not isinstance(req, dict):
        return
    stages = _list(req.get("stages"))
    for i, stage in enumerate(stages):
        if isinstance(stage, str) and stages.index(stage) != i:
            out.add((*loc, "stages", i), f"stage '{stage}' is listed twice; list each stage once")
    for i, guard in enumerate(_list(req.get("guards"))):
        if isinstance(guard, str) and guard not in GUARD_KINDS:
            out.add(
                (*loc, "guards", i),
                f"unknown guard kind '{guard}' (known: {', '.join(GUARD_KINDS)}); no safeguarded run could "
                "satisfy it, leave `guards` empty to accept any",
            )
    below = _dict(req.get("validation")).get("residual_below")
    if isinstance(below, str) and below in _RANK and lvl in _RANK and _RANK[below] > _RANK[lvl]:
        out.add(
            (*loc, "validation", "residual_below"),
            f"'{below}' is above the level '{lvl}' these safeguards are for, so a configuration that "
            f"removes no risk would validate; use '{lvl}' or a lower level",
        )


def _residual_threshold(out: _Problems, domain: str, i: int, cr: Any, lvl: str, below: str) -> None:
    if not isinstance(cr, dict) or not isinstance(cr.get("metric"), str):
        return
    kind = cr.get("kind") or ("capability" if cr["metric"] in CAPABILITY_METRICS else "propensity")
    thresholds = cr.get("thresholds")
    if kind != "propensity" or not isinstance(thresholds, dict) or below in thresholds:
        return
    out.add(
        ("domains", domain, "criteria", i, "thresholds"),
        f"no '{below}' threshold, which the safeguards at level '{lvl}' compare the residual with "
        f"(validation.residual_below: {below}); add `{below}: <value>`",
    )


def _watchlist(out: _Problems, data: dict[str, Any], metric_exists: Callable[[str], bool] | None) -> None:
    domains = _dict(data.get("domains"))
    mapped = set(_mapped_criteria(domains.values()))
    for i, item in enumerate(_list(data.get("watchlist"))):
        if not isinstance(item, dict):
            continue
        domain = item.get("domain")
        if isinstance(domain, str) and domains and domain not in domains:
            out.add(
                ("watchlist", i, "domain"),
                f"'{domain}' is not a domain of this policy ({', '.join(map(str, domains))}); name one of "
                "them, or leave `domain` out to watch every domain",
            )
        metric = item.get("metric")
        if isinstance(metric, str) and metric_exists is not None and metric not in mapped and not metric_exists(metric):
            out.add(
                ("watchlist", i, "metric"),
                f"unknown metric '{metric}': nothing would ever be reported for it; name a finding the "
                "analysis produces (`frontiergate policy metrics` lists them)",
            )


def _alert_requirements(out: _Problems, data: dict[str, Any]) -> None:
    """An ``on_alert`` requirement with no alert to raise it would never apply."""
    for name, body in _dict(data.get("domains")).items():
        for i, cr in enumerate(_list(_dict(body).get("criteria"))):
            if isinstance(cr, dict) and isinstance(cr.get("on_alert"), dict) and cr.get("alerts") in (None, {}):
                out.add(
                    ("domains", str(name), "criteria", i, "on_alert"),
                    "no alert can raise this requirement: the criterion has no `alerts`; add alert values "
                    "below its thresholds (e.g. alerts: {medium: <value>}), or remove on_alert",
                )


def _mapped_criteria(domains: Iterable[Any]) -> Iterable[str]:
    """Criterion names a foreign task's score is filed under: findings without a registered metric."""
    for body in domains:
        for ev in _list(_dict(body).get("evaluations")):
            crit = _dict(_dict(ev).get("metric")).get("criterion")
            if isinstance(crit, str):
                yield crit
