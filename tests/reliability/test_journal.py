"""The sample journal records every finished sample of a frontiergate run, and only those."""

from __future__ import annotations

from pathlib import Path

from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import Sample
from inspect_ai.scorer import match
from inspect_ai.solver import generate

from frontiergate.pipeline.journal import journaling, read_journal


def _task(n: int) -> Task:
    samples = [Sample(input=f"q{i}", target="Default", id=i) for i in range(n)]
    return Task(dataset=samples, solver=generate(), scorer=match())


def test_journal_holds_every_finished_sample_and_tolerates_a_cut_line(tmp_path: Path) -> None:
    jdir = tmp_path / "journal"
    with journaling(jdir):
        log = inspect_eval(_task(7), model="mockllm/model", log_dir=str(tmp_path / "logs"), display="none")[0]
    files = list(jdir.glob("*.jsonl"))
    assert [f.stem for f in files] == [log.eval.eval_id]
    samples = read_journal(files[0])
    assert sorted(int(s.id) for s in samples) == list(range(7))
    assert all(s.scores and s.output.completion for s in samples)
    # a kill can cut the last line short: it is skipped, the others survive
    with open(files[0], "a", encoding="utf-8") as fh:
        fh.write('{"id": 99, "epoch": 1, "inp')
    assert len(read_journal(files[0])) == 7


def test_journal_is_inert_outside_a_frontiergate_run(tmp_path: Path) -> None:
    jdir = tmp_path / "journal"
    with journaling(jdir):
        pass
    inspect_eval(_task(3), model="mockllm/model", log_dir=str(tmp_path / "logs"), display="none")
    assert list(jdir.glob("*.jsonl")) == []
