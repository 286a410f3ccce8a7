"""``frontiergate run --executor ray``: a run's shares of parts as Ray tasks on a cluster.

Why Ray: one machine's ``--workers`` stops at its cores, and splitting a sweep by hand over machines
gives one report per machine, with nothing to coordinate retries or resumes. Here the driver plans and
assigns exactly as for ``--workers`` (``execute.assign``), each assignment becomes one Ray task that
runs the code a local worker process runs (``worker.run_share``: Inspect's ``eval_set`` over the
share's own log folder, finished samples journaled), and the driver shows progress from the journal,
ingests every log and decides: one run, one report, the same as a local run with the same items.

What the cluster must share (docs/scale-out.md): the run directory (``--out``) at the same path on
every node, since a task reads ``run.json`` and writes its logs and journal there; the store URL
(only the driver writes to it); the model endpoints and their API keys, through each node's
environment (nothing secret travels in a task's arguments).

Faults: a task whose worker or node dies is retried by Ray (:data:`TASK_RETRIES`); the retry restores
the journaled samples into the interrupted log before Inspect retries it, so finished samples are not
sent to the model again. A killed driver takes its tasks with it (Ray ends a dead job's workers), and
``frontiergate run --resume RUN_ID --executor ray`` rebuilds the same assignments from ``run.json``.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frontiergate.errors import RunError
from frontiergate.models.in_process import runs_in_process
from frontiergate.pipeline.execute import Assignment, JournalCounter, progress_bar

if TYPE_CHECKING:
    from frontiergate.pipeline.run import RunOptions

log = logging.getLogger(__name__)

# retries of a task whose worker process or node died (or that raised); each resumes from the journal
TASK_RETRIES = 3
# a locally started cluster keeps its shared-memory object store small: tasks exchange a few bytes
LOCAL_OBJECT_STORE_BYTES = 100 * 1024 * 1024
POLL_S = 0.5
# whether this process joined or started the cluster (then it leaves it when the run ends); a caller
# that called ``ray.init`` itself keeps its cluster
_owned = False
INSTALL_FIX = "install it with `python scripts/install.py all` or `pip install 'frontiergate[ray]'`"


def cluster_address(opts: RunOptions) -> str | None:
    """The cluster to join: ``--ray-address``, else ``RAY_ADDRESS`` (Ray's own variable); None starts
    a local one on this machine."""
    return opts.ray_address or os.environ.get("RAY_ADDRESS") or None


def check_options(opts: RunOptions, store_url: str) -> None:
    """Refuse, before anything is written, what cannot work on a cluster.

    An SQLite store lives in one machine's file: on a remote cluster its path means nothing to the
    other nodes, and several writers over a network filesystem corrupt it. A local cluster
    (``ray.init()`` on this machine) shares the file and is fine.
    """
    address = cluster_address(opts)
    if address is not None and store_url.startswith("sqlite"):
        raise RunError(
            f"an SQLite store cannot serve a run on the Ray cluster at {address}",
            "pass --store postgresql+psycopg://... (or FRONTIERGATE_STORE), reachable from the driver",
        )


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise RunError("--executor ray needs the `ray` package, which is not installed", INSTALL_FIX) from None
    return ray


def connect(opts: RunOptions) -> None:
    """Join the cluster, or start a local one, unless this process is already connected."""
    global _owned
    ray = _ray()
    if ray.is_initialized():
        return
    address = cluster_address(opts)
    try:
        if address is None:
            ray.init(
                num_cpus=opts.workers or os.cpu_count() or 1,
                include_dashboard=False,
                object_store_memory=LOCAL_OBJECT_STORE_BYTES,
                log_to_driver=False,
                configure_logging=False,
            )
        else:
            ray.init(address=address, log_to_driver=False, configure_logging=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise RunError(
            f"cannot join the Ray cluster at {address or 'a new local instance'}: {str(exc).splitlines()[0]}",
            "check --ray-address (e.g. ray://HEAD:10001 or HEAD:6379) and that `ray status` works there",
        ) from None
    _owned = True


def disconnect() -> None:
    """Leave (or stop) the cluster :func:`connect` joined or started; a caller's own cluster stays."""
    global _owned
    if _owned:
        _ray().shutdown()
        _owned = False


def uses_in_process_model(opts: RunOptions) -> bool:
    """Whether a target or role is loaded into the worker process (the embedded models)."""
    return any(runs_in_process(m) for m in [*opts.targets, *opts.model_roles.values()])


def default_workers(opts: RunOptions) -> int:
    """How many shares a ray run gets when ``--workers`` is not given (call after :func:`connect`).

    One per CPU of the cluster for endpoints, so every core runs an event loop; one per node for an
    in-process model, so the embedded model loads once per node (each share is pinned to its node).
    """
    ray = _ray()
    if uses_in_process_model(opts):
        return max(1, sum(1 for n in ray.nodes() if n.get("Alive")))
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def _placement(opts: RunOptions, count: int) -> list[dict[str, Any]]:
    """Per share, Ray options: pinned (softly: a dead node's share moves) to a node of its own when
    the model runs in process, so each node loads the model once; otherwise Ray places them freely."""
    ray = _ray()
    if not uses_in_process_model(opts):
        return [{} for _ in range(count)]
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    nodes = sorted(n["NodeID"] for n in ray.nodes() if n.get("Alive"))
    return [
        {"scheduling_strategy": NodeAffinitySchedulingStrategy(node_id=nodes[k % len(nodes)], soft=True)}
        for k in range(count)
    ]


class RayExecutor:
    """Runs each assignment as one Ray task (``worker.run_share_on_node``) and waits for all of them."""

    def run(self, out_dir: Path, assignments: list[Assignment], opts: RunOptions) -> bool:
        from frontiergate.pipeline.fingerprints import run_identity
        from frontiergate.pipeline.worker import node_versions, run_share_on_node

        ray = _ray()
        connect(opts)
        # a task's path must mean the same on every node: never relative to the driver's directory
        where = str(out_dir.resolve())
        versions = node_versions()
        # what every node must match before it runs its share (worker.node_problem): the run's code and
        # scorer versions and weight fingerprints, which the driver's equal (a run records them as it
        # starts, and --resume refuses a change)
        recorded = run_identity(opts.targets, opts.args_for)
        task = ray.remote(num_cpus=1, max_retries=TASK_RETRIES, retry_exceptions=True)(run_share_on_node)
        placement = _placement(opts, len(assignments))
        pending = [
            task.options(name=f"frontiergate-share-{k + 1}of{len(assignments)}", **placement[k]).remote(
                where, k, len(assignments), versions, recorded
            )
            for k, a in enumerate(assignments)
            if a.parts
        ]
        log.info("running %d shares of the run's parts as Ray tasks", len(pending))
        total = sum(p.samples for a in assignments for p in a.parts)
        counter = JournalCounter(out_dir / "journal")
        ok = True
        try:
            with progress_bar(total, opts.display) as update:
                while pending:
                    done, pending = ray.wait(pending, num_returns=len(pending), timeout=POLL_S)
                    for ref in done:
                        ok = self._collect(ray, ref) and ok
                    update(counter.update())
        finally:
            for ref in pending:  # an error or an interrupt in the driver: the run stops here, as locally
                with contextlib.suppress(Exception):
                    ray.cancel(ref, force=True)
            disconnect()
        return ok

    @staticmethod
    def _collect(ray: Any, ref: Any) -> bool:
        """One finished task's outcome: True when its parts completed; a task that failed for good
        (its retries spent) leaves the run incomplete for ``--resume``; a node that cannot take part
        stops the run with the cause."""
        try:
            result: dict[str, Any] = ray.get(ref)
        except ray.exceptions.RayError as exc:
            log.warning("a share failed after %d retries: %s", TASK_RETRIES, str(exc).splitlines()[0])
            return False
        if result.get("problem"):
            # raised: the run stops and stays incomplete (held for --resume), never finished without the share
            raise RunError(
                str(result["problem"]),
                str(
                    result.get("fix")
                    or "put --out on a filesystem every node mounts at the same path, install the same "
                    "frontiergate and inspect-ai on every node, then `frontiergate run --resume RUN_ID --executor ray`"
                ),
            )
        return bool(result.get("ok"))
