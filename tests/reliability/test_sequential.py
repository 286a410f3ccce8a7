"""Sequential testing: anytime-valid coverage, the settled rule, and early stopping inside a run."""

from __future__ import annotations

import random
from pathlib import Path

from frontiergate.pipeline.run import RunOptions, start_run
from frontiergate.stats.sequential import confidence_sequence, sequential_state

THR = {"medium": 0.05, "high": 0.15, "critical": 0.40}


def test_confidence_sequence_covers_at_every_n() -> None:
    rng = random.Random(1)
    p, misses, reps = 0.3, 0, 200
    for _ in range(reps):
        k = 0
        for n in range(1, 201):
            k += rng.random() < p
            if n % 10 == 0:
                lo, hi = confidence_sequence(k, n, 0.05)
                if not lo <= p <= hi:
                    misses += 1
                    break
    assert misses / reps <= 0.05  # uniform over time, not per look


def test_settled_only_when_both_ends_share_a_level() -> None:
    assert sequential_state(40, 50, THR).settled and sequential_state(40, 50, THR).level == "critical"
    assert not sequential_state(5, 50, THR).settled  # 10%: straddles medium/high
    st = sequential_state(0, 150, THR)
    assert st.settled and st.level == "low" and st.high < 0.05


def test_sequential_run_stops_early_and_decides(tmp_path: Path, misuse_policy: Path) -> None:
    pol = tmp_path / "p.yaml"
    pol.write_text(misuse_policy.read_text().replace(", max_seeds: 6", ""))
    res = start_run(
        RunOptions(
            targets=["scripted/comply"], policy_path=str(pol), sequential=True, display="none", domains=["cyber"]
        )
    )
    t = res.report["targets"][0]
    ev = t["evaluations"][0]
    es = ev["task_metrics"]["early_stopping"]
    assert es["metadata"]["settled"] is True and es["metadata"]["level"] == "critical"
    assert ev["n_samples"] < 124 and len(es["early_stops"]) > 0  # the library has 62 cyber seeds x 2
    assert t["decision"]["domains"]["cyber"]["level"] == "critical"
