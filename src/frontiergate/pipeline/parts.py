"""Split large evaluations into parts: bounded memory per eval, and units to spread over processes.

Why: Inspect starts every sample of an eval at once (one scheduled task per sample, waiting for a
slot) and keeps that state until the eval ends, about 15 KiB per sample. A 20,000-sample sweep
therefore holds ~300 MB it does not need, and its peak grows with its size. Run as parts of at
most ``part_size`` samples, with a bounded number of parts in flight, the peak is set by the part
size, not by the sweep (see :func:`waves` for why parts run in successive ``eval_set`` calls).
Parts are also what ``--workers`` hands to separate processes, since one Inspect event loop is
CPU-bound at high request rates.

The price: parts run one after another, and each pays Inspect's set-up and a tail in which fewer
samples than the connection limit are still running (~5 s at 2 s latency), so a 6,000-item sweep
in three parts reached 0.89 of a bare client's throughput where one part reaches ~0.95
(``benchmarks/RESULTS.md``); a larger ``--part-size`` trades memory for fewer tails.

Each part is an ordinary Inspect task over a contiguous slice of the dataset, with its own log. It
carries the plan's tag (so ingest knows which planned evaluation it belongs to) and a part tag (so
each part gets its own evaluation row and log). The split is deterministic, which is what lets
``--resume`` and worker processes rebuild exactly the same parts from ``run.json``.
"""

from __future__ import annotations

import copy
import math
import pickle
import zlib
from dataclasses import dataclass, field

from inspect_ai import Task, task_with
from inspect_ai.dataset import Dataset, MemoryDataset

DEFAULT_PART_SIZE = 2000
PART_TAG_PREFIX = "fg-part-"


@dataclass(frozen=True)
class PackedSamples:
    """A part's samples, pickled and compressed until its wave runs.

    Why: a 20,000-item sweep's samples, held as objects from planning to the end of the run, cost
    ~46 MiB that grow with the sweep; packed they cost ~130 bytes per item (2.5 MiB), and only the
    running wave's samples exist as objects (its task is rebuilt from the pack and dropped after).
    """

    blob: bytes
    items: int

    @classmethod
    def of(cls, dataset: Dataset) -> PackedSamples | None:
        """None when the samples cannot be pickled (a third-party dataset's exotic metadata)."""
        try:
            blob = zlib.compress(pickle.dumps(list(dataset), protocol=pickle.HIGHEST_PROTOCOL), 1)
        except Exception:
            return None
        return cls(blob, len(dataset))

    def unpack(self, like: Dataset) -> MemoryDataset:
        """The samples again, in a dataset named and placed like ``like``."""
        samples = pickle.loads(zlib.decompress(self.blob))  # our own bytes, made in this run
        return MemoryDataset(samples, name=like.name, location=like.location, shuffled=like.shuffled)


@dataclass(frozen=True)
class Part:
    """One unit of execution: a task over a slice of one planned evaluation's dataset."""

    base: Task
    plan_tag: str
    index: int
    count: int
    packed: PackedSamples | None = field(default=None, repr=False)

    @property
    def task(self) -> Task:
        """The Inspect task to run; a packed part builds a fresh one (with its samples) on each access."""
        if self.packed is None:
            return self.base
        return task_with(copy.copy(self.base), dataset=self.packed.unpack(like=self.base.dataset))

    @property
    def key(self) -> str:
        """Identifies the part among the run's evaluations (stored as the evaluation's args key)."""
        return evaluation_key(self.plan_tag, None if self.count == 1 else part_tag(self.index, self.count))

    @property
    def samples(self) -> int:
        items = self.packed.items if self.packed is not None else len(self.base.dataset)
        return items * (self.base.epochs or 1)


def part_tag(index: int, count: int) -> str:
    """The tag a part's task carries, so its log can be told apart from its siblings' at ingest."""
    return f"{PART_TAG_PREFIX}{index + 1}of{count}"


def evaluation_key(plan_tag: str, tag_of_part: str | None) -> str:
    """One key per evaluation row: the plan's tag, plus the part for a split evaluation."""
    return plan_tag if tag_of_part is None else f"{plan_tag}#{tag_of_part.removeprefix(PART_TAG_PREFIX)}"


def part_count(n_items: int, epochs: int, part_size: int, workers: int = 1) -> int:
    """How many parts an evaluation of ``n_items`` items is run in.

    At most ``part_size`` samples (items x epochs) per part; with several workers an evaluation
    large enough to matter (at least ``workers`` parts of 50 items) is split into a multiple of
    ``workers`` equal parts, so every process gets the same share of it. Why a multiple: with
    three parts over two workers one worker ran two parts while the other sat idle for the second
    (a 6,000-item sweep at 2 s latency: 267 s, where four parts of 1,500 share out evenly).
    """
    if n_items <= 0 or part_size <= 0:
        return 1
    items_per_part = max(1, part_size // max(1, epochs))
    count = math.ceil(n_items / items_per_part)
    if workers > 1 and n_items >= 50 * workers:
        count = math.ceil(count / workers) * workers
    return max(1, min(count, n_items))


def base_task_name(name: str) -> str:
    """The evaluation's own name for a part's task name (``frontiergate/misuse-part2of5``)."""
    head, sep, tail = name.rpartition("-part")
    if sep and "of" in tail and tail.replace("of", "", 1).isdigit():
        return head
    return name


def split_task(task: Task, plan_tag: str, part_size: int, workers: int = 1) -> list[Part]:
    """The parts of one planned evaluation; a single part keeps the task exactly as it was."""
    n_items = len(task.dataset)
    count = part_count(n_items, task.epochs or 1, part_size, workers)
    if count == 1:
        return [Part(task, plan_tag, 0, 1)]
    parts: list[Part] = []
    for i in range(count):
        lo, hi = (n_items * i) // count, (n_items * (i + 1)) // count
        # task_with changes the task it is given, so every part starts from its own shallow copy
        # (the dataset, name and tags are replaced; solvers and scorers are shared, never mutated)
        tag = part_tag(i, count)
        piece = task_with(
            copy.copy(task),
            dataset=task.dataset[lo:hi],
            name=f"{task.name}-part{i + 1}of{count}",
            tags=[*(task.tags or []), tag],
            metadata={**(task.metadata or {}), "frontiergate_part": {"index": i + 1, "of": count, "items": [lo, hi]}},
        )
        packed = PackedSamples.of(piece.dataset)
        if packed is not None:
            # the task keeps an empty dataset with the slice's name, location and order flag
            d = piece.dataset
            piece.dataset = MemoryDataset([], name=d.name, location=d.location, shuffled=d.shuffled)
        parts.append(Part(piece, plan_tag, i, count, packed))
    return parts


def waves(parts: list[Part], part_size: int) -> list[list[Part]]:
    """Consecutive groups of parts, each run by its own Inspect ``eval_set`` call.

    Why not one call for everything: Inspect keeps the bookkeeping of every finished eval (for its
    control channel: per-sample run records, scores) until the outermost ``eval_set`` returns, so
    within one call memory still grows with every part that finishes. A wave holds at most
    ``part_size`` samples (so a split evaluation runs one part per wave, and small evaluations
    share one), then its call returns and Inspect lets go of it: a sweep of any size then peaks
    like a run of ``part_size`` samples. Tasks inside one call run one after another anyway (one
    model), so smaller waves cost only Inspect's set-up per call, about a second. With
    ``part_size`` 0, or a run that fits in one wave, everything runs in a single call, as Inspect
    would run it.
    """
    if part_size <= 0:
        return [list(parts)] if parts else []
    groups: list[list[Part]] = []
    current: list[Part] = []
    held = 0
    for part in parts:
        if current and held + part.samples > part_size:
            groups.append(current)
            current, held = [], 0
        current.append(part)
        held += part.samples
    if current:
        groups.append(current)
    return groups
