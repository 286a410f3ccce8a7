"""Run a run's parts through Inspect: in this process, over worker processes, or on a Ray cluster.

Why workers: one Inspect eval runs on one event loop, and at high request rates (fast or heavily
parallel endpoints) that loop is CPU-bound at 30-90 requests/s on one core (measured on two days
with different HTTP stacks), whatever the connection limit. ``--workers N`` gives each of N
processes its share of the parts, so the sample machinery runs on N cores while the endpoint sees
the same total concurrency.

Each worker rebuilds the parts from ``run.json`` (the split is deterministic), runs Inspect's
``eval_set`` on its own log directory ``logs/worker-K`` (a folder per wave inside) and journals
finished samples into the run's shared journal, so a killed run resumes exactly as a single-process
one does. The parent only waits, shows progress from the journal and ingests every log afterwards.

Every executor shares one interface (:class:`Executor`): the driver plans the parts and assigns them
(:func:`assign`), the executor runs each assignment with :func:`run_assignment` somewhere (this
process, a worker process, a Ray task on a cluster node: ``pipeline/ray_executor.py``), finished
samples go to the journal, and the driver ingests the logs. So the executors differ only in where a
share runs, never in what it runs.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import math
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from inspect_ai import eval_set
from inspect_ai.model import GenerateConfig, GenerateConfigArgs

from frontiergate.models.in_process import one_at_a_time, runs_in_process
from frontiergate.pipeline.journal import journaling, restore_journaled_samples
from frontiergate.pipeline.parts import Part, waves

if TYPE_CHECKING:
    from frontiergate.pipeline.run import RunOptions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Assignment:
    """The parts one process runs and where its logs go."""

    parts: list[Part]
    log_dir: Path


def assign(parts: Sequence[Part], workers: int, log_dir: Path) -> list[Assignment]:
    """Balance parts over workers by sample count (largest first, ties in plan order).

    Deterministic, so a resumed run gives every worker the parts, and log directory, it had.
    """
    if workers <= 1:
        return [Assignment(list(parts), log_dir)]
    loads = [0] * workers
    chosen: list[list[tuple[int, Part]]] = [[] for _ in range(workers)]
    for pos, part in sorted(enumerate(parts), key=lambda ip: (-ip[1].samples, ip[0])):
        k = min(range(workers), key=lambda w: (loads[w], w))
        loads[k] += part.samples
        chosen[k].append((pos, part))
    return [
        Assignment([p for _, p in sorted(c, key=lambda x: x[0])], log_dir / f"worker-{k + 1}")
        for k, c in enumerate(chosen)
    ]


class Executor(Protocol):
    """Runs a run's assignments and reports whether every one completed.

    ``out_dir`` holds ``run.json`` (from which a remote share rebuilds its parts) and the journal;
    an executor must leave each assignment's logs in ``assignment.log_dir`` for the driver to ingest.
    """

    def run(self, out_dir: Path, assignments: list[Assignment], opts: RunOptions) -> bool: ...


class LocalExecutor:
    """This machine: one assignment in this process, several in worker processes (``--workers N``)."""

    def run(self, out_dir: Path, assignments: list[Assignment], opts: RunOptions) -> bool:
        if len(assignments) > 1:
            parts = sum(len(a.parts) for a in assignments)
            log.info("running %d parts in %d worker processes", parts, len(assignments))
            return run_workers(out_dir, assignments, opts.display)
        return run_assignment(assignments[0], opts, out_dir / "journal", display=opts.display)


def _share(total: int | None, workers: int) -> int | None:
    """A process's share of a run-wide limit, so N workers keep the endpoint at the same concurrency."""
    return None if total is None else max(1, math.ceil(total / workers))


def _default_log_buffer(parts: Sequence[Part]) -> int:
    """Write the log about 20 times per part, as Inspect does for high-throughput runs.

    The journal (see ``pipeline/journal.py``) already makes every finished sample durable, so the
    buffer only trades memory for fewer whole-archive rewrites; 10..500 bounds both.
    """
    largest = max((p.samples for p in parts), default=0)
    return max(10, min(500, largest // 20))


def run_assignment(
    assignment: Assignment, opts: RunOptions, journal_dir: Path, workers: int = 1, display: str | None = None
) -> bool:
    """Run one process's parts, wave by wave, with Inspect's eval_set; True when every part completed.

    A wave that ends incomplete does not stop the next: partial evidence is still evidence, the run
    is marked incomplete, and ``--resume`` finishes what is missing.
    """
    if not assignment.parts:
        return True
    restored = restore_journaled_samples(assignment.log_dir, journal_dir)
    if restored:
        log.info("resuming with %d finished samples restored from the journal", restored)
    groups = waves(assignment.parts, opts.effective_part_size)
    if len(groups) > 1:
        _keep_heap_compact()
        # planning generated every item before packing them: free that before the first wave
        release_freed_memory()
    generate: GenerateConfigArgs = {
        "max_connections": _share(opts.max_connections, workers),
        "seed": opts.seed,
        "max_retries": opts.max_retries,
        "attempt_timeout": opts.attempt_timeout,
        "timeout": opts.request_budget,
    }
    # built once per process, not per wave: a guard or an in-process model is set up once
    models = target_models(opts, GenerateConfig(**generate))
    roles = role_models(opts, GenerateConfig(**generate))
    ok = True
    with journaling(journal_dir):
        for number, group in enumerate(groups, start=1):
            success, _logs = eval_set(
                [p.task for p in group],
                log_dir=str(wave_log_dir(assignment.log_dir, number, len(groups))),
                model=models,
                model_base_url=opts.model_base_url,
                model_args=dict(opts.model_args),
                model_roles=roles,
                retry_attempts=opts.retry_attempts,
                retry_on_error=opts.retry_on_error,
                fail_on_error=False,
                max_samples=_share(opts.max_samples, workers),
                display=display,  # type: ignore[arg-type]
                log_realtime=False,
                score_display=False,
                log_buffer=opts.log_buffer or _default_log_buffer(group),
                **generate,
            )
            ok = ok and bool(success)
            release_freed_memory()
    return ok


def target_models(opts: RunOptions, config: GenerateConfig) -> list[Any]:
    """The run's targets as ``eval_set`` takes them: a model string where the run's ``-M`` args
    are all it needs (Inspect builds it), a ``Model`` built here where the target has args of its
    own (``RunOptions.target_args``, e.g. ``safeguarded/M``'s guard, which the raw ``M`` must not get)
    or runs in this process (one call at a time: see ``models/in_process.py``).

    Built with the same base URL and generate config Inspect gives the strings, so both kinds run
    alike; not memoised, so a later run in the same process builds its own (its own guard role).
    An in-process model wrapped by ``safeguarded/`` still loads once: the embedded runtime is
    cached per model file (``models/embedded.py``).
    """
    from inspect_ai.model import get_model

    import frontiergate._registry  # noqa: F401  (registers safeguarded/, frontiergate/)

    return [
        get_model(
            t, base_url=opts.model_base_url, config=one_at_a_time(t, config), memoize=False, **opts.args_for(t)
        )
        if t in opts.target_args or runs_in_process(t)
        else t
        for t in opts.targets
    ]


def role_models(opts: RunOptions, config: GenerateConfig) -> dict[str, Any] | None:
    """The run's model roles (grader, attacker, guard) as ``eval_set`` takes them; an in-process one is
    built here with a connection limit of one, like an in-process target."""
    from inspect_ai.model import get_model

    import frontiergate._registry  # noqa: F401

    roles: dict[str, Any] = {
        role: get_model(m, config=one_at_a_time(m, config), memoize=False) if runs_in_process(m) else m
        for role, m in opts.model_roles.items()
    }
    return roles or None


# Inspect's backoff between the attempts of one model call (inspect_ai/model/_retry.py:
# wait_exponential_jitter(initial=3, max=1800, jitter=3)); the provider may not override it for the
# OpenAI-compatible and the other HTTP providers
BACKOFF_INITIAL_S = 3.0
BACKOFF_JITTER_S = 3.0
BACKOFF_MAX_S = 1800.0


def worst_case_call_seconds(max_retries: int, attempt_timeout: float, request_budget: float | None) -> float:
    """Longest one model call can take before it gives up, under Inspect's retry rules.

    Why computed and not just ``request_budget``: Inspect checks the budget (its ``timeout``) only when
    an attempt has failed, so the call may still sleep one backoff and run one more attempt after the
    budget is spent; and without a budget the bound is the whole chain of ``max_retries`` retries.
    Each attempt is cut at ``attempt_timeout``.
    """
    elapsed = 0.0
    attempt = 1
    while True:
        elapsed += attempt_timeout
        if attempt > max_retries or (request_budget is not None and elapsed >= request_budget):
            return elapsed
        elapsed += min(BACKOFF_INITIAL_S * 2 ** (attempt - 1) + BACKOFF_JITTER_S, BACKOFF_MAX_S)
        attempt += 1


def worst_case_failing_sample_seconds(
    max_retries: int, attempt_timeout: float, request_budget: float | None, retry_on_error: int
) -> float:
    """Longest a sample whose model call fails for good takes to end as an error (its earlier,
    successful calls aside): the sample is run ``retry_on_error`` more times, each ending at a call
    that exhausts its retries or its budget."""
    return (retry_on_error + 1) * worst_case_call_seconds(max_retries, attempt_timeout, request_budget)


def wave_log_dir(log_dir: Path, number: int, count: int) -> Path:
    """Where one wave's logs go: the log directory itself for a single wave, else ``wave-NNN`` in it.

    Why a folder per wave: each ``eval_set`` call reads the header of every log already in its
    directory (to find finished tasks) and rewrites the directory's ``logs.json`` index with them,
    and a 2,000-sample log's header carries ~0.8 MB of per-sample scores. With all waves in one
    folder the pause between waves grew with every wave (from 2 s to 5-9 s by the tenth wave of a
    20,000-sample sweep); in its own folder each wave reads only its own logs, also on ``--resume``,
    where the same parts form the same waves again.
    """
    return log_dir if count <= 1 else log_dir / f"wave-{number:03d}"


def _keep_heap_compact() -> None:
    """Serve blocks of 512 KiB and more from their own mappings for the rest of this process.

    Why: glibc raises its mmap threshold each time a large block is freed, so after the first few
    log writes the big transient buffers (serialised samples, compressed log chunks) land in the
    main heap among long-lived objects and leave holes it cannot hand back. Measured against the
    local stub: the heap grew ~12 MiB per wave of 2,000 samples while the bytes in use stayed flat;
    with the threshold fixed (any mallopt call also stops the adjustment) it stayed at 91-94 MiB
    over a 20,000-sample sweep, for ~5% more CPU per sample (128 KiB cost 10-15%). Only runs of
    several waves pay it: a single wave does not live long enough to fragment.
    """
    libc = _glibc()
    if libc is not None:
        m_mmap_threshold = -3
        with contextlib.suppress(AttributeError):
            libc.mallopt(m_mmap_threshold, 512 * 1024)


def release_freed_memory() -> None:
    """Free what a finished phase (planning, a wave, ingest) left and hand it back to the OS (glibc
    keeps it in its heap otherwise).

    A wave's task and sample state may hold reference cycles, and Python runs a full collection
    only once long-lived objects have grown by a quarter, so such garbage could outlive several
    waves; collecting here frees it before the next wave allocates. Then the freed blocks go back
    to the OS, which otherwise stay mapped.
    """
    gc.collect()
    libc = _glibc()
    if libc is not None:
        with contextlib.suppress(AttributeError):
            libc.malloc_trim(0)


def _glibc() -> Any | None:
    """The C library on Linux, for the process settings Python does not expose; None elsewhere.

    Callers guard each function with AttributeError: a Linux libc other than glibc may lack it.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return None


class JournalCounter:
    """Finished samples so far (one journal line each), for progress across processes.

    Reads only what was appended since the last call: journal lines hold whole transcripts, and
    re-reading every file twice a second would cost the workers CPU on a long sweep.
    """

    def __init__(self, journal_dir: Path) -> None:
        self.journal_dir = journal_dir
        self._offsets: dict[Path, int] = {}
        self.count = 0

    def update(self) -> int:
        if self.journal_dir.exists():
            for path in self.journal_dir.glob("*.jsonl"):
                with contextlib.suppress(OSError), open(path, "rb") as fh:
                    fh.seek(self._offsets.get(path, 0))
                    while chunk := fh.read(1 << 20):
                        self.count += chunk.count(b"\n")
                    self._offsets[path] = fh.tell()
        return self.count


def run_workers(out_dir: Path, assignments: list[Assignment], display: str | None) -> bool:
    """Start one process per assignment, show progress, wait; True when every worker completed."""
    journal_dir = out_dir / "journal"
    total = sum(p.samples for a in assignments for p in a.parts)
    # on --resume the journal already holds the samples finished before the interruption, which
    # are reused, so counting every journal line gives the run's progress
    counter = JournalCounter(journal_dir)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "frontiergate.pipeline.worker", str(out_dir), str(k), str(len(assignments))],
            stdin=subprocess.DEVNULL,
        )
        for k in range(len(assignments))
    ]
    try:
        with progress_bar(total, display) as update:
            while any(p.poll() is None for p in procs):
                update(counter.update())
                time.sleep(0.5)
            update(counter.update())
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=30)
    return all(p.returncode == 0 for p in procs)


@contextlib.contextmanager
def progress_bar(total: int, display: str | None) -> Iterator[Callable[[int], None]]:
    """A bar over the run's samples, fed with the journal count; silent without a terminal."""
    if display == "none" or not sys.stderr.isatty():

        def ignore(done: int) -> None:
            return None

        yield ignore
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("samples"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=False
    ) as progress:
        bar = progress.add_task("samples", total=total)

        def update(done: int) -> None:
            progress.update(bar, completed=min(done, total))

        yield update


def exit_with_parent() -> None:
    """End this worker if the run that started it dies (a SIGKILL gives it no chance to stop us).

    An orphaned worker would keep calling the model and writing logs while a ``--resume`` starts
    new workers on the same logs. On Linux the kernel kills us with the parent (PR_SET_PDEATHSIG);
    elsewhere a thread notices the parent is gone within 0.1 s.
    """
    parent = os.getppid()
    libc = _glibc()
    if libc is not None:
        pr_set_pdeathsig = 1
        with contextlib.suppress(AttributeError):
            libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(3)

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(3)
            time.sleep(0.1)

    threading.Thread(target=watch, name="frontiergate-parent-watch", daemon=True).start()
