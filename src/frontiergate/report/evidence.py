"""Every list of samples the report links to, with stable anchors.

A decisive number is only as good as the samples behind it, so each one links to them: the events
(samples counted in k), the passes (samples that were not), and the unknown outcomes (errors,
unreadable answers) — a pass is evidence too, and an unknown is never silently a pass. Each listed
sample names the Inspect ``.eval`` file and the zip member that holds its transcript, and in the
dashboard links to the sample page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from frontiergate.report.blocks import EvidenceList, Ref, Span

SampleUrl = Callable[[str], str]

GROUPS = (
    ("events", "evidence", "event(s)"),
    ("passes", "evidence_safe", "pass(es)"),
    ("unknown", "evidence_unknown", "unknown outcome(s)"),
)
"""(group, where the references are, label): ``evidence`` is a finding key, the others are in details."""

DIRECT_LINKS = 5
"""In the dashboard, this many samples of each group are linked straight from a decisive number."""


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def evidence_anchor(target_index: int, finding: dict[str, Any], group: str = "events") -> str:
    """Stable anchor of one sample list of a finding in the evidence appendix (events keep the
    historical anchor without a suffix, so older links into reports still resolve)."""
    base = f"ev-{target_index}-{slug(finding['domain'])}-{slug(finding['metric'])}-{slug(finding['slice'])}"
    return base if group == "events" else f"{base}-{group}"


def refs_of(finding: dict[str, Any], key: str) -> list[str]:
    src = finding if key == "evidence" else (finding.get("details") or {})
    value = src.get(key) or []
    return [str(r) for r in value] if isinstance(value, list) else []


def member_of(ref: str) -> tuple[str, str]:
    """('<file>.eval', 'samples/<id>_epoch_<n>.json') of a transcript reference '<file>.eval#<id>/<n>'."""
    log, _, rest = ref.partition("#")
    sid, _, epoch = rest.rpartition("/")
    if not sid:
        return log, ""
    return log, f"samples/{sid}_epoch_{epoch}.json"


class EvidenceIndex:
    """Registers sample lists as they are linked; the appendix then lists exactly those."""

    def __init__(self, report: dict[str, Any], sample_url: SampleUrl | None) -> None:
        self.sample_url = sample_url
        self.lists: list[EvidenceList] = []
        self._anchors: dict[str, EvidenceList] = {}
        self._logs = {
            e["log"].rsplit("/", 1)[-1]: f"logs/{e['log']}" for t in report["targets"] for e in t["evaluations"]
        }
        for ti, t in enumerate(report["targets"]):
            for f in t["findings"]:
                self.register(ti, t["model"], f)

    def _ref(self, ref: str) -> Ref:
        log, member = member_of(ref)
        href = self.sample_url(ref) if self.sample_url is not None else None
        return Ref(ref=ref, log=self._logs.get(log, f"logs/{log}"), member=member, href=href)

    def register(self, ti: int, model: str, f: dict[str, Any]) -> dict[str, EvidenceList]:
        """The sample lists of finding ``f`` of target ``ti`` by group (only non-empty ones). A finding
        registered twice (a criterion quoting a finding of the same target) keeps its first lists."""
        out: dict[str, EvidenceList] = {}
        for group, key, label in GROUPS:
            refs = refs_of(f, key)
            if not refs:
                continue
            anchor = evidence_anchor(ti, f, group)
            if anchor not in self._anchors:
                shown = f"showing {len(refs)}"
                if group == "events" and isinstance(f.get("k"), int) and f["k"] > len(refs):
                    shown = f"showing {len(refs)} of k={f['k']}"
                ev = EvidenceList(
                    anchor=anchor,
                    title=f"{model} · {f['domain']} · {f['metric']} · {f['slice']} — {label}",
                    note=f"n={f.get('n')}, {shown}",
                    refs=tuple(self._ref(r) for r in refs),
                )
                self._anchors[anchor] = ev
                self.lists.append(ev)
            out[group] = self._anchors[anchor]
        return out

    def links(self, ti: int, model: str, f: dict[str, Any]) -> list[Span]:
        """Links to every sample list of ``f`` ('3 event(s)', '17 pass(es)', ...), and in the dashboard
        the first samples of each list straight to their transcript pages."""
        spans: list[Span] = []
        for group, _key, label in GROUPS:
            ev = self.register(ti, model, f).get(group)
            if ev is None:
                continue
            spans.append(Span(f"{len(ev.refs)} {label}", href=f"#{ev.anchor}"))
            if self.sample_url is not None:
                spans += [
                    Span(f"[{i + 1}]", href=r.href) for i, r in enumerate(ev.refs[:DIRECT_LINKS]) if r.href
                ]
        return spans

    def first_anchor(self, ti: int, model: str, f: dict[str, Any]) -> str | None:
        lists = self.register(ti, model, f)
        for group, _key, _label in GROUPS:
            if group in lists:
                return f"#{lists[group].anchor}"
        return None
