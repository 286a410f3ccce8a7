"""Worker side of a run spread over processes or nodes: runs one share of the run's parts.

Two callers run the same code, :func:`run_share`:

- ``frontiergate run --workers N`` starts it as ``python -m frontiergate.pipeline.worker OUT_DIR INDEX
  WORKERS`` (:func:`frontiergate.pipeline.execute.run_workers`); it exits 0 when all of its parts
  completed, 1 when some did not (the parent then marks the run incomplete and ``--resume`` finishes it).
- ``frontiergate run --executor ray`` runs :func:`run_share_on_node` as a Ray task on a cluster node
  (:mod:`frontiergate.pipeline.ray_executor`).

Either way the share is rebuilt from the run's ``run.json`` exactly as the driver built it, and
finished samples are journaled into the run's shared journal, so a share that is started again (a
resumed run, a Ray retry after a node died) reuses them instead of calling the model again.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from frontiergate.pipeline.execute import exit_with_parent, run_assignment

# what must agree between the driver and every node: the code that plans and scores, and the engine
VERSION_PACKAGES = ("frontiergate", "inspect-ai")


def run_share(out_dir: Path, index: int, workers: int) -> bool:
    """Run share ``index`` of ``workers`` of the run in ``out_dir``; True when all its parts completed."""
    from frontiergate.pipeline.run import load_manifest_parts

    opts, assignments = load_manifest_parts(out_dir, workers)
    return run_assignment(assignments[index], opts, out_dir / "journal", workers=workers, display="none")


def node_versions() -> dict[str, str]:
    """The versions of :data:`VERSION_PACKAGES` installed here."""
    from frontiergate.pipeline.versions import library_versions

    have = library_versions()
    return {p: have.get(p, "not installed") for p in VERSION_PACKAGES}


def node_problem(out_dir: Path, recorded: Mapping[str, Any] | None, node: str) -> tuple[str, str] | None:
    """Whether this node has the run's configuration: ``(cause, fix)`` when it does not, else None.

    The checks ``--resume`` makes, made here against this node's environment: the code and scorer
    versions (``check_release``) and the targets' weight fingerprints (``check_weights``) against
    ``recorded``, the run's record as the driver sent it, and the fitted guard head against the digest
    ``run.json`` records (``check_guard_head``). Each node resolves weights (``-M gguf=PATH``,
    ``FRONTIERGATE_GGUF``) and guard heads from its own files, so without them one run could mix
    samples of two models, heads or scorers.
    """
    import json

    from frontiergate.errors import FrontiergateError
    from frontiergate.pipeline.fingerprints import (
        CODE_KEY,
        SCORERS_KEY,
        WEIGHTS_KEY,
        check_guard_head,
        check_release,
        check_weights,
        run_identity,
    )
    from frontiergate.pipeline.run import RunOptions

    try:
        manifest = json.loads((out_dir / "run.json").read_text(encoding="utf-8"))
        options = manifest["options"]
        opts = RunOptions(**options)
        run_id = str(manifest.get("run_id", out_dir.name))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return (
            f"node {node} cannot read the run's options in {out_dir / 'run.json'} ({type(exc).__name__}: {exc})",
            "check that --out holds the run's run.json at the same path on every node, then "
            "`frontiergate run --resume RUN_ID --executor ray`",
        )
    resume = f"then `frontiergate run --resume {run_id} --executor ray`"
    release_fix = f"install the driver's frontiergate release or checkout on every node, {resume}"
    if recorded is None:
        return (
            f"node {node} got no record of run {run_id}'s weights, code and scorers to check itself against",
            release_fix,
        )
    now = run_identity(opts.targets, opts.args_for)
    checks: tuple[tuple[Callable[[], None], str], ...] = (
        (
            lambda: check_release(run_id, recorded.get(CODE_KEY), str(now[CODE_KEY]), recorded.get(SCORERS_KEY),
                                  now[SCORERS_KEY]),
            release_fix,
        ),
        (
            lambda: check_weights(run_id, recorded.get(WEIGHTS_KEY), now[WEIGHTS_KEY]),
            "give every node the driver's weights (the same file behind -M gguf=PATH or FRONTIERGATE_GGUF), "
            + resume,
        ),
        (
            lambda: check_guard_head(run_id, options),
            f"install the run's fitted guard head (the driver's) on every node, {resume}",
        ),
    )
    for check, fix in checks:
        try:
            check()
        except FrontiergateError as exc:
            return f"node {node} does not have the run's configuration: {exc.cause}", fix
    return None


def run_share_on_node(
    out_dir: str,
    index: int,
    workers: int,
    driver_versions: dict[str, str],
    recorded: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A Ray task's body: check this node can take part, then :func:`run_share`.

    ``recorded`` is the run's code version, scorer versions and weight fingerprints as the driver
    sends them (``fingerprints.run_identity``, equal to the run's record: a run records them when it
    starts and ``--resume`` refuses a change); the node checks its own against them, and its guard
    head against the digest ``run.json`` records (:func:`node_problem`). Without a record the node
    cannot check, and refuses.

    Why the checks return a problem instead of raising: Ray retries a task that raises, and neither a
    run directory this node cannot see nor a different frontiergate/Inspect release, weights file or
    guard head goes away on a retry; the driver stops the run with the cause and the fix instead
    (the run stays incomplete, for ``--resume``). A node with other versions or weights would plan
    other parts, answer as another model or score differently, and the run would silently mix the two.
    """
    node = socket.gethostname()
    manifest = Path(out_dir) / "run.json"
    if not manifest.is_file():
        return {"ok": False, "node": node, "problem": f"node {node} cannot read {manifest}"}
    mine = node_versions()
    if mine != driver_versions:
        differ = ", ".join(f"{p} {mine.get(p)} (driver {driver_versions.get(p)})" for p in sorted(mine))
        return {"ok": False, "node": node, "problem": f"node {node} runs other versions: {differ}"}
    refused = node_problem(Path(out_dir), recorded, node)
    if refused is not None:
        return {"ok": False, "node": node, "problem": refused[0], "fix": refused[1]}
    ok = run_share(Path(out_dir), index, workers)
    return {"ok": ok, "node": node, "problem": None, "pid": os.getpid()}


def main(argv: list[str]) -> int:
    out_dir, index, workers = Path(argv[0]), int(argv[1]), int(argv[2])
    exit_with_parent()
    return 0 if run_share(out_dir, index, workers) else 1


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(main(sys.argv[1:]))
