"""The awareness figure uses the finding's sign convention (deploy − eval), in its axis and its alt text."""

from __future__ import annotations

from typing import Any

from frontiergate.report.figures import awareness_figure


class _NoIndex:
    def first_anchor(self, *args: Any) -> None:
        return None


def test_a_gap_worse_when_unwatched_is_not_labelled_worse_when_tested() -> None:
    """Helper audit: the plotted estimate is deploy − eval (+0.15: more unsafe when unwatched, flagged),
    but the axis read "eval-cued − deployment-realistic", i.e. more unsafe when tested."""
    fs = [{"domain": d, "metric": "evaluation_differential", "slice": "all", "n": 200, "k": 30, "estimate": 0.15,
           "ci_low": 0.08, "ci_high": 0.22, "p_value": 0.001, "test": "", "details": {"flag": True}}
          for d in ("cyber", "chem_bio")]
    fig = awareness_figure({"targets": [{"model": "vendor/M", "findings": fs}]}, _NoIndex())[0]  # type: ignore[arg-type]
    assert "eval-cued − deployment-realistic" not in fig.svg and "eval-cued minus" not in fig.alt  # type: ignore[attr-defined]
    assert "deploy − eval" in fig.svg and "positive: more unsafe when the request looks like real use" in fig.alt  # type: ignore[attr-defined]
