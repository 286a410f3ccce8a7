"""Find the YAML line behind a policy problem.

Pydantic locates a field error by its path (``domains.cyber.criteria[0].thresholds``), but a check
that spans several fields (a criterion naming an unknown scenario, an alert above its threshold,
a history that does not end at the policy's version) is raised by a model validator, whose path
stops at the model that owns those fields. The validator names the field it means at the start of
its message (``criteria[1].scenario: ...``); this module moves that name from the message into the
path, so the problem points at the line a person has to change rather than at the top of the
domain or the file.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

Loc = tuple[str | int, ...]

_PART = r"[A-Za-z_]\w*(?:\[\d+\])*"
_PATH_PREFIX = re.compile(rf"^({_PART}(?:\.{_PART})*): (.*)$", re.DOTALL)
_SEGMENT = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")
_ALERT_LEVEL = re.compile(r"^(?:level '(\w+)'|(\w+)=)")
_DUPLICATE_IDS = re.compile(r"^duplicate id\(s\) (.+)$")


def node_line(root: yaml.Node | None, loc: Loc) -> int | None:
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
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line


_PLAIN_KEY = re.compile(r"[\w\-/=|@+]+")


def fmt_loc(loc: Loc) -> str:
    """``("domains", "cyber", "criteria", 0, "alerts")`` → ``domains.cyber.criteria[0].alerts``.

    A key that is empty or holds spaces, dots or control characters is quoted (``alerts['\\r']``),
    so a stray key a person cannot see in the file still shows in the message.
    """
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not _PLAIN_KEY.fullmatch(str(part)):
            out += f"[{str(part)!r}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _parse_path(text: str) -> Loc:
    return tuple(name if name else int(idx) for name, idx in _SEGMENT.findall(text))


def _at(data: Any, loc: Loc) -> Any:
    """The raw value at ``loc`` (None when the path does not exist in the parsed YAML)."""
    cur = data
    for key in loc:
        in_dict = isinstance(cur, dict) and key in cur
        if in_dict or (isinstance(cur, list) and isinstance(key, int) and 0 <= key < len(cur)):
            cur = cur[key]
        else:
            return None
    return cur


def refine(loc: Loc, msg: str, data: Any) -> tuple[Loc, str]:
    """Move the field a model validator names in its message into the error's path.

    ``loc`` and ``msg`` come from one pydantic error (``Value error, `` already removed); ``data``
    is the parsed YAML, used to check that the named field exists there and to find the entry a
    message talks about (the last entry of the history, the second of two duplicate ids).
    """
    if loc and loc[-1] == "[key]":  # a dict key of the wrong kind (sign_off: {deploi: ...})
        return loc[:-1], f"not an allowed key: {msg}"
    if msg.startswith("thresholds out of order") and loc[-1:] != ("thresholds",):
        return (*loc, "thresholds"), msg
    m = _PATH_PREFIX.match(msg)
    if m is None:
        return loc, msg
    sub, rest = _parse_path(m.group(1)), m.group(2)
    if not sub or not isinstance(_at(data, loc), dict) or sub[0] not in _at(data, loc):
        return loc, msg  # the message does not start with a field of this model
    loc = (*loc, *sub)
    if sub[-1] == "alerts" and (lvl := _ALERT_LEVEL.match(rest)):
        loc = (*loc, lvl.group(1) or lvl.group(2))
    elif sub == ("threat_scenarios",) and (dup := _DUPLICATE_IDS.match(rest)):
        loc = (*loc, *_second_of(_at(data, loc), dup.group(1).split(", ")[0]))
    elif sub == ("history",) and isinstance(_at(data, loc), list) and _at(data, loc):
        loc = (*loc, len(_at(data, loc)) - 1, "version")
    return loc, rest


def _second_of(entries: Any, ident: str) -> Loc:
    """Index and key of the second entry with id ``ident`` (the one to rename or remove)."""
    seen = 0
    for i, e in enumerate(entries if isinstance(entries, list) else []):
        if isinstance(e, dict) and e.get("id") == ident:
            seen += 1
            if seen == 2:
                return (i, "id")
    return ()
