"""Sample journal: every finished sample appended to ``<run>/journal/<eval_id>.jsonl`` as it ends.

Why: Inspect writes finished samples into the ``.eval`` archive in batches (``log_buffer``), and
each write closes, copies and reopens the whole archive. Writing after every sample (the only way
a SIGKILL loses nothing through the log alone) makes a long sweep quadratic: at 20,000 samples the
archive is copied 20,000 times. The journal is a constant-cost append per sample that survives a
killed process (the data is in the kernel's page cache the moment ``write`` returns), so the log
can be written in large batches. On ``--resume`` the journaled samples that never reached the
interrupted log are put back into it before Inspect's retry, which then reuses them instead of
calling the model again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from inspect_ai.hooks import Hooks, SampleEnd, hooks
from inspect_ai.log import EvalSample, list_eval_logs, read_eval_log, write_eval_log

log = logging.getLogger(__name__)

_lock = threading.Lock()
_directory: Path | None = None


@contextlib.contextmanager
def journaling(directory: Path) -> Iterator[None]:
    """Journal the samples of every eval run inside this block (one frontiergate run at a time)."""
    global _directory
    directory.mkdir(parents=True, exist_ok=True)
    with _lock:
        previous, _directory = _directory, directory
    try:
        yield
    finally:
        with _lock:
            _directory = previous


def journal_path(directory: Path, eval_id: str) -> Path:
    return directory / f"{eval_id}.jsonl"


def append_sample(directory: Path, eval_id: str, sample: EvalSample) -> None:
    """One JSON line per finished sample; a line cut short by a kill is skipped on reading."""
    line = sample.model_dump_json() + "\n"
    with open(journal_path(directory, eval_id), "a", encoding="utf-8") as fh:
        fh.write(line)


def read_journal(path: Path) -> list[EvalSample]:
    """The journaled samples; the last one wins for a repeated (id, epoch)."""
    by_key: dict[tuple[str, int], EvalSample] = {}
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            try:
                sample = EvalSample.model_validate_json(line)
            except ValueError:
                log.warning("journal %s line %d is incomplete (cut by a kill); skipped", path.name, n)
                continue
            by_key[(str(sample.id), sample.epoch)] = sample
    return list(by_key.values())


@hooks(name="frontiergate_sample_journal", description="Journals finished samples of frontiergate runs.")
class SampleJournal(Hooks):
    """Inspect hook; inert outside :func:`journaling`, so plain ``inspect eval`` is unaffected.

    It reports itself enabled at all times: Inspect lists enabled hooks once per process, before a
    run has started journaling, and "hooks enabled: 0" would read as if the journal were off.
    """

    async def on_sample_end(self, data: SampleEnd) -> None:
        directory = _directory
        if directory is None or data.sample.error is not None:
            return  # an errored sample is retried, never reused
        append_sample(directory, data.eval_id, data.sample)


def restore_journaled_samples(log_dir: Path, directory: Path) -> int:
    """Put journaled samples missing from interrupted logs back into them; returns how many.

    Only logs still marked ``started`` (their process died) are touched; the rewrite goes to a
    temporary file first and replaces the log atomically, so a failure leaves the log as it was.
    """
    if not directory.exists() or not log_dir.exists():
        return 0
    restored = 0
    for info in list_eval_logs(str(log_dir)):
        path = Path(info.name.removeprefix("file://"))
        try:
            header = read_eval_log(str(path), header_only=True)
        except Exception as exc:  # an unreadable log is retried from scratch by eval_set
            log.warning("cannot read %s to restore journaled samples: %s", path.name, exc)
            continue
        jpath = journal_path(directory, header.eval.eval_id)
        if header.status != "started" or not jpath.exists():
            continue
        journaled = read_journal(jpath)
        full = read_eval_log(str(path))
        have = {(str(s.id), s.epoch) for s in full.samples or []}
        missing = [s for s in journaled if (str(s.id), s.epoch) not in have]
        if not missing:
            continue
        full.samples = [*(full.samples or []), *missing]
        tmp = path.with_name(path.name + ".restoring")
        write_eval_log(full, str(tmp), format="eval")
        os.replace(tmp, path)
        restored += len(missing)
        log.info("restored %d journaled samples into %s", len(missing), path.name)
    return restored
