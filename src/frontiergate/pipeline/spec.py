"""``key=value,key=value`` option specs (``--safeguards``, ``--cascade``): one parser, one set of errors.

Why a spec string rather than ``-M``: ``-M`` args go to every target, while these options configure
one derived target; both options report a malformed part, an unknown, repeated or empty key the same
way, as a usage error naming the key and the form to write.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from frontiergate.errors import FrontiergateError


def split_spec(
    spec: str,
    keys: Sequence[str],
    example: str,
    usage: Callable[[str, str], FrontiergateError],
    malformed_hint: str = "",
) -> dict[str, str]:
    """``spec`` → {lower-cased key: stripped value}, in the order given; values are not interpreted."""
    out: dict[str, str] = {}
    for raw in spec.split(","):
        part = raw.strip()
        if not part:
            continue
        if "=" not in part:
            raise usage(f"expected key=value, got '{part}'", f"write e.g. {example}{malformed_hint}")
        key, value = (x.strip() for x in part.split("=", 1))
        key = key.lower()
        if key not in keys:
            raise usage(f"unknown key '{key}'", f"use {', '.join(keys)}, e.g. {example}")
        if key in out:
            raise usage(f"'{key}' is given twice", "give each key once")
        if not value:
            raise usage(f"'{key}' has no value", f"write e.g. {example}")
        out[key] = value
    return out
