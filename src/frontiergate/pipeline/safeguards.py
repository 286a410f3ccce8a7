"""``--safeguards``: evaluate a model before and after its safeguards, in one run.

The post-mitigation configuration is the target ``safeguarded/M`` (see ``models/safeguarded.py``)
with its own model args (the guard kind, stages, fail mode, guard model). It runs in the same
``eval_set`` as ``M``, on the same tasks with the same seed, so every item is answered by both and
the two are paired item by item. Why a spec string rather than ``-M``: ``-M`` args go to every
target, and the raw model must not receive the guard's settings.

The safeguards are read back from the stored run options (never from the live command line), so a
resumed run and a recomputed decision see exactly the configuration that produced the evidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from frontiergate.errors import FrontiergateError
from frontiergate.pipeline.spec import split_spec

SAFEGUARDED_PREFIX = "safeguarded/"
GUARD_KINDS = ("principled", "rules", "classifier", "tuned")
"""The guard kinds ``safeguarded/`` builds (``models.safeguarded.GUARDS``; a test keeps them equal,
written out so that parsing the command line does not import Inspect)."""
STAGES = ("input", "output")
DEFAULT_GUARD = "principled"
"""What ``safeguarded/`` uses when no ``guard`` arg is given."""
EXAMPLE = "--safeguards guard=classifier,stages=input+output,fail=closed"
_KEYS = ("guard", "stages", "fail", "guard_model", "constitution", "principles")


def _usage(cause: str, fix: str) -> FrontiergateError:
    return FrontiergateError(f"--safeguards: {cause}", fix)


def safeguarded_target(model: str) -> str:
    """The target name of ``model`` behind its safeguards."""
    return SAFEGUARDED_PREFIX + model


def is_safeguarded(target: str) -> bool:
    return target.startswith(SAFEGUARDED_PREFIX)


def _stages(value: str) -> str:
    parts = [p.strip().lower() for p in value.split("+")]
    bad = [p for p in parts if p not in STAGES]
    if not parts or bad:
        raise _usage(
            f"unknown guard stage '{bad[0] if bad else value}'",
            "write stages=input+output, stages=input or stages=output",
        )
    return ",".join(s for s in STAGES if s in parts)


def parse_safeguards(spec: str) -> dict[str, Any]:
    """``guard=classifier,stages=input+output,fail=closed,guard_model=M`` → the model args of the
    safeguarded target. Every problem is a usage error naming the key and the form to write."""
    args: dict[str, Any] = {}
    for key, value in split_spec(spec, _KEYS, EXAMPLE, _usage).items():
        if key == "guard":
            value = value.lower()
            if value not in GUARD_KINDS:
                raise _usage(f"unknown guard kind '{value}'", f"use guard={' | '.join(GUARD_KINDS)}")
        elif key == "stages":
            value = _stages(value)
        elif key == "fail":
            value = value.lower()
            if value not in ("closed", "open"):
                raise _usage(
                    f"fail='{value}' is not valid", "use fail=closed (block when the guard fails) or fail=open"
                )
        elif key == "guard_model" and "/" not in value:
            raise _usage(
                f"guard_model '{value}' is not an Inspect model string", "write provider/model, e.g. openai/gpt-4o-mini"
            )
        elif key == "constitution":
            path = Path(value).expanduser()
            if not path.is_file():
                raise _usage(f"constitution file not found: {value}", "pass an existing constitution YAML")
            value = str(path.resolve())  # a resume from another directory finds it too
        elif key == "principles":
            value = ",".join(p.strip() for p in value.split("+") if p.strip())
        args[key] = value
    if "guard" not in args:
        raise _usage("no guard kind given", f"write e.g. {EXAMPLE} (guard={' | '.join(GUARD_KINDS)})")
    return args


def safeguards_option(model: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """What the run options store: which target is which model behind which safeguards, and what
    the guard was trained on and validated with, fixed now (see ``safeguards.provenance``)."""
    from frontiergate.safeguards.generalisation import before_after_rows
    from frontiergate.safeguards.provenance import guard_provenance

    prov = guard_provenance(str(args.get("guard", DEFAULT_GUARD)).lower())
    keys = ("recall_unseen", "fpr_unseen", "recall_seen", "fpr_seen")
    generalisation = [
        {"guard": r.get("guard"), **{k: {x: (r.get(k) or {}).get(x) for x in ("value", "ci", "k", "n", "seeds")}
                                     for k in keys},
         "unseen_families": r.get("table_unseen_families"),
         "measured_at": r.get("measured_at") or r.get("table_measured_at")}
        for r in before_after_rows()
    ]
    return {
        "target": safeguarded_target(model),
        "of": model,
        "args": dict(args),
        "provenance": prov.as_dict() if prov is not None else None,
        "generalisation": generalisation,
    }


def guard_config(args: Mapping[str, Any]) -> tuple[str | None, tuple[str, ...]]:
    """(guard kind, active stages) of a safeguarded target's model args, with the wrapper's own
    defaults; a kind the wrapper does not know is None (unknown evidence is never read as valid)."""
    kind = str(args.get("guard", DEFAULT_GUARD)).lower()
    raw = args.get("stages", ",".join(STAGES))
    names = raw.split(",") if isinstance(raw, str) else [str(s) for s in raw]
    stages = tuple(s for s in STAGES if s in {n.strip().lower() for n in names})
    return (kind if kind in GUARD_KINDS else None), stages


def mitigated_pairs(targets: Sequence[str]) -> list[tuple[str, str]]:
    """(M, safeguarded/M) for every raw target whose safeguarded configuration is in the same run."""
    present = set(targets)
    return [(t, safeguarded_target(t)) for t in targets if not is_safeguarded(t) and safeguarded_target(t) in present]
