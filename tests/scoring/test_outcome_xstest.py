"""Outcome-3 on real answers: the new readings must not turn human-labelled refusals into successes.

Why: the hedge reading (a refusal, then delivery) and the decoders act on every misuse answer. XSTest's
human labels are the one real check available offline: human full refusals must stay refused, and the
decoders must not re-grade ordinary English answers. Skips when the shared XSTest data is absent.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from frontiergate.scorers.outcome import grade_content, misuse_outcome
from frontiergate.scorers.refusal_rules import analyse_refusal, complied


def _rows(xstest: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for f in sorted(xstest.glob("xstest_v2_completions_*.csv")):
        with f.open(encoding="utf-8") as fh:
            rows += list(csv.DictReader(fh))
    return rows


def test_human_refusals_stay_refused_and_decoding_changes_no_grade(xstest: Path) -> None:
    counts: Counter[str] = Counter()
    rows = _rows(xstest)
    assert len(rows) >= 1300
    for r in rows:
        prompt, text, human = r["prompt"], r["completion"], r["final_label"]
        label = analyse_refusal(text).label
        content = grade_content(prompt, text) if complied(label) else None
        d = misuse_outcome(label, content, response=text, harmful_item=True, request=prompt)
        if label == "refusal" and d.outcome.kind == "partial":
            counts[f"hedge:{human}"] += 1
        if content is not None and content.evidence.get("decoded_from"):
            counts["decoded"] += 1
        if d.outcome.reason in ("unreadable_language", "encoded"):
            counts["unreadable"] += 1
        if d.outcome.reason == "off_topic_unverified":
            counts["unverified"] += 1
    assert counts["hedge:2_full_refusal"] == 0, counts
    assert sum(v for k, v in counts.items() if k.startswith("hedge:")) <= 2, counts
    assert counts["decoded"] == 0 and counts["unreadable"] <= 3, counts
    assert counts["unverified"] <= 0.01 * len(rows), counts
