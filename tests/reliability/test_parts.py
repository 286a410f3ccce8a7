"""Splitting evaluations into parts and sharing parts among workers: exact, deterministic, balanced."""

from __future__ import annotations

from pathlib import Path

from frontiergate.pipeline.execute import JournalCounter, assign
from frontiergate.pipeline.parts import Part, base_task_name, part_count, split_task, waves
from frontiergate.pipeline.tasks import load_task


def test_part_count_bounds_samples_per_part() -> None:
    assert part_count(100, 1, 2000) == 1
    assert part_count(5000, 1, 2000) == 3
    assert part_count(1000, 4, 2000) == 2  # 500 items x 4 epochs per part
    assert part_count(5000, 1, 0) == 1  # 0 never splits
    assert part_count(7, 1, 2) == 4
    # several workers split an evaluation big enough to be worth it at least that many ways
    assert part_count(100, 1, 2000, workers=2) == 2
    assert part_count(60, 1, 2000, workers=2) == 1
    assert part_count(10_000, 1, 2000, workers=8) == 8
    # a multiple of the workers, so that each gets an equal share (3 parts would leave one idle)
    assert part_count(6000, 1, 2000, workers=2) == 4
    assert part_count(20_000, 1, 2000, workers=3) == 12


def test_split_covers_every_item_once_in_order_and_leaves_the_task_alone() -> None:
    task = load_task("frontiergate/misuse", {"domains": ["cyber"], "max_seeds": 5})
    ids = [s.id for s in task.dataset]
    parts = split_task(task, "fg-plan-x", part_size=4)
    assert [p.count for p in parts] == [len(parts)] * len(parts) and len(parts) == part_count(len(ids), 1, 4)
    assert [s.id for p in parts for s in p.task.dataset] == ids
    assert all(len(p.task.dataset) <= 4 for p in parts)
    n = len(parts)
    assert [p.task.name for p in parts] == [f"frontiergate/misuse-part{i}of{n}" for i in range(1, n + 1)]
    assert all(f"fg-part-{i + 1}of{len(parts)}" in (p.task.tags or []) for i, p in enumerate(parts))
    assert len({p.key for p in parts}) == len(parts)
    assert {base_task_name(p.task.name or "") for p in parts} == {"frontiergate/misuse"}
    # until its wave runs a part holds its samples packed, and unpacks exactly the planned samples
    assert all(p.packed is not None and len(p.base.dataset) == 0 for p in parts)
    assert [s.model_dump() for p in parts for s in p.task.dataset] == [s.model_dump() for s in task.dataset]
    assert parts[0].task is not parts[0].task  # built afresh for its wave, dropped after it
    # the planned task itself is untouched (task_with works in place, so parts use copies)
    assert task.name == "frontiergate/misuse" and [s.id for s in task.dataset] == ids


def test_small_evaluation_is_one_part_and_keeps_its_name() -> None:
    task = load_task("frontiergate/misuse", {"domains": ["cyber"], "max_seeds": 2})
    (only,) = split_task(task, "fg-plan-y", part_size=2000)
    assert only.task is task and only.key == "fg-plan-y" and only.count == 1
    assert base_task_name("frontiergate/misuse") == "frontiergate/misuse"
    assert base_task_name("my-part-task") == "my-part-task"


def test_assignment_balances_samples_and_is_deterministic(tmp_path: Path) -> None:
    task = load_task("frontiergate/misuse", {"domains": ["cyber"], "max_seeds": 10})
    parts: list[Part] = split_task(task, "fg-plan-a", part_size=3) + split_task(task, "fg-plan-b", part_size=7)
    a = assign(parts, 3, tmp_path / "logs")
    b = assign(parts, 3, tmp_path / "logs")
    assert [[p.key for p in x.parts] for x in a] == [[p.key for p in x.parts] for x in b]
    assert sorted(p.key for x in a for p in x.parts) == sorted(p.key for p in parts)
    loads = [sum(p.samples for p in x.parts) for x in a]
    assert max(loads) - min(loads) <= max(p.samples for p in parts)
    assert [x.log_dir.name for x in a] == ["worker-1", "worker-2", "worker-3"]
    (single,) = assign(parts, 1, tmp_path / "logs")
    assert single.log_dir == tmp_path / "logs" and single.parts == parts


def test_journal_counter_counts_lines_appended_since_last_time(tmp_path: Path) -> None:
    counter = JournalCounter(tmp_path / "journal")
    assert counter.update() == 0  # no journal yet
    (tmp_path / "journal").mkdir()
    a = tmp_path / "journal" / "a.jsonl"
    a.write_text('{"id": 1}\n{"id": 2}\n')
    assert counter.update() == 2
    with a.open("a") as fh:
        fh.write('{"id": 3}\n')
    (tmp_path / "journal" / "b.jsonl").write_text('{"id": 1}\n')
    assert counter.update() == 4
    assert counter.update() == 4


def test_waves_hold_at_most_a_part_size_and_keep_plan_order() -> None:
    task = load_task("frontiergate/misuse", {"domains": ["cyber"], "max_seeds": 10})
    big = split_task(task, "fg-plan-a", part_size=6)
    small = split_task(load_task("frontiergate/misuse", {"domains": ["cyber"], "max_seeds": 1}), "fg-plan-b", 6)
    smaller = split_task(load_task("frontiergate/misuse", {"domains": ["chem_bio"], "max_seeds": 1}), "fg-plan-c", 6)
    parts = big + small + smaller
    groups = waves(parts, 6)
    assert [p for g in groups for p in g] == parts
    assert all(sum(p.samples for p in g) <= 6 for g in groups)
    assert any(len(g) > 1 for g in groups)  # small evaluations share a wave
    assert len(groups) > 1
    assert waves(parts, 0) == [parts]  # never split: one eval_set call, as before
    assert waves([], 6) == []
