"""Worker process of ``frontiergate run --workers N``: runs its share of the run's parts.

Started by :func:`frontiergate.pipeline.execute.run_workers` as
``python -m frontiergate.pipeline.worker OUT_DIR INDEX WORKERS``. It rebuilds the parts from the
run's ``run.json`` exactly as the parent did and exits 0 when all of its parts completed, 1 when
some did not (the parent then marks the run incomplete and ``--resume`` finishes it).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from frontiergate.pipeline.execute import exit_with_parent, run_assignment


def main(argv: list[str]) -> int:
    from frontiergate.pipeline.run import load_manifest_parts

    out_dir, index, workers = Path(argv[0]), int(argv[1]), int(argv[2])
    exit_with_parent()
    opts, assignments = load_manifest_parts(out_dir, workers)
    ok = run_assignment(assignments[index], opts, out_dir / "journal", workers=workers, display="none")
    return 0 if ok else 1


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(main(sys.argv[1:]))
