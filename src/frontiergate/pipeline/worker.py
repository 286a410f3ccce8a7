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


def run_share_on_node(out_dir: str, index: int, workers: int, driver_versions: dict[str, str]) -> dict[str, Any]:
    """A Ray task's body: check this node can take part, then :func:`run_share`.

    Why the checks return a problem instead of raising: Ray retries a task that raises, and neither a
    run directory this node cannot see nor a different frontiergate/Inspect release goes away on a
    retry; the driver stops the run with the cause and the fix instead. A node with other versions
    would plan other parts or score differently, and the run would silently mix the two.
    """
    node = socket.gethostname()
    manifest = Path(out_dir) / "run.json"
    if not manifest.is_file():
        return {"ok": False, "node": node, "problem": f"node {node} cannot read {manifest}"}
    mine = node_versions()
    if mine != driver_versions:
        differ = ", ".join(f"{p} {mine.get(p)} (driver {driver_versions.get(p)})" for p in sorted(mine))
        return {"ok": False, "node": node, "problem": f"node {node} runs other versions: {differ}"}
    ok = run_share(Path(out_dir), index, workers)
    return {"ok": ok, "node": node, "problem": None, "pid": os.getpid()}


def main(argv: list[str]) -> int:
    out_dir, index, workers = Path(argv[0]), int(argv[1]), int(argv[2])
    exit_with_parent()
    return 0 if run_share(out_dir, index, workers) else 1


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(main(sys.argv[1:]))
