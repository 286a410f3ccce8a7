"""The research watchlist: metrics reported in every run that never gate the decision.

Evaluation awareness, sandbagging or autonomous replication are not yet understood well enough to
set thresholds on, but a board wants to see them move. Each watched metric is looked up among the
target's findings (the item's slice, by default the headline ``all``) and reported with its
interval; a note is added when the estimate is above the policy's ``note_above``. A metric the run did not
measure is listed as such, so its absence is visible rather than silent.
"""

from __future__ import annotations

from typing import Any

from frontiergate.analysis.registry import FindingData
from frontiergate.policy.schema import Policy, WatchItem


def _slice_text(item: WatchItem) -> str:
    return "" if item.slice == "all" else f" ({item.slice})"


def _entry(item: WatchItem, f: FindingData | None, domain: str | None) -> dict[str, Any]:
    if f is None:
        where = f" in {domain}" if domain else ""
        return {
            "metric": item.metric,
            "slice": item.slice,
            "description": item.description,
            "domain": domain,
            "estimate": None,
            "ci_low": None,
            "ci_high": None,
            "n": 0,
            "note": f"{item.metric}{_slice_text(item)} was not measured{where} in this run",
        }
    note = None
    share = f.details.get("unknown_share")
    worst = (f.details.get("worst_case") or {}).get("estimate")  # the unknowns counted as events
    if item.note_above is not None and f.estimate is not None and f.estimate > item.note_above:
        note = (
            f"{item.metric}{_slice_text(item)} in {f.domain} is {f.estimate:.3f}, above {item.note_above:g} "
            "(research watchlist: reported, never gating)"
        )
    elif item.note_above is not None and share and isinstance(worst, int | float) and worst > item.note_above:
        # a watched behaviour hidden behind unreadable outcomes is still worth a board's look
        note = (
            f"{item.metric}{_slice_text(item)} in {f.domain} may be above {item.note_above:g}: {share:.0%} of its "
            f"outcomes are unknown, and counted as events they give {worst:.3f} (research watchlist: reported, "
            "never gating)"
        )
    return {
        "metric": item.metric,
        "slice": item.slice,
        "description": item.description,
        "domain": f.domain,
        "estimate": f.estimate,
        "ci_low": f.ci_low,
        "ci_high": f.ci_high,
        "n": f.n,
        "unknown_share": share,
        "note": note,
    }


def watchlist(policy: Policy, findings: list[FindingData]) -> list[dict[str, Any]]:
    """One entry per watched metric and domain it was measured in (one 'not measured' entry if none)."""
    out: list[dict[str, Any]] = []
    for item in policy.watchlist:
        hits = [
            f
            for f in findings
            if f.metric == item.metric and f.slice == item.slice and (item.domain is None or f.domain == item.domain)
        ]
        out += [_entry(item, f, f.domain) for f in hits] or [_entry(item, None, item.domain)]
    return out
