"""Report section: published claims checked against this run's findings.

The claims come from the run's stored options (``options["claims"]``: the parsed claims file,
with ``options["claims_source"]`` naming it), so the section is a pure function of stored
records; without them the bundled example claims are checked, and the section is left out when
none of those could be measured. Bundled claims are labelled as examples (``examples: true`` and
per verdict ``example: true``): a reader must never take them for claims made about the model.
"""

from __future__ import annotations

from typing import Any

import yaml

from frontiergate.claims.check import check_claims, counts
from frontiergate.claims.schema import default_claims_path, parse_claims
from frontiergate.report.context import ReportContext

NAME = "claims"
TITLE = "Published claims"
ORDER = 90


def build(rc: ReportContext) -> dict[str, Any] | None:
    options = dict(rc.run.options or {})
    raw = options.get("claims")
    bundled = raw is None
    source = str(options.get("claims_source") or "run options")
    if bundled:
        path = default_claims_path()
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        source = f"bundled example claims ({path.name})"
    claims = parse_claims(raw, source)
    verdicts = check_claims(claims, {t: rc.findings.get(t, []) for t in rc.targets}, rc.policy)
    tally = counts(verdicts)
    if bundled and tally["not_measured"] == len(verdicts):
        return None
    rows = [{**v.as_dict(), "example": bundled} for v in verdicts]
    return {"source": source, "examples": bundled, "counts": tally, "verdicts": rows}


def markdown(section: dict[str, Any]) -> str:
    c = section["counts"]
    lines = []
    if section.get("examples"):
        lines += [
            "**Example claims.** No claims file was given for this run, so the bundled example claims are "
            "checked to show how a published claim is tested. They are examples, not claims anyone made about "
            "this model; pass `--claims FILE` to check real ones.",
            "",
        ]
    lines += [
        f"Claims from {section['source']}: {c['verified']} verified, {c['refuted']} refuted, "
        f"{c['inconclusive']} inconclusive, {c['not_measured']} not measured. A claim is verified only when "
        "the whole interval lies on the claimed side.",
        "",
        "| claim | target | verdict | estimate | deciding interval | n | reason |",
        "|---|---|---|---|---|---|---|",
    ]
    for v in section["verdicts"]:
        label = "(example) " if v.get("example") else ""
        est = "–" if v["estimate"] is None else f"{v['estimate']:.3f}"
        iv = "–" if v["ci_low"] is None else f"[{v['ci_low']:.3f}, {v['ci_high']:.3f}]"
        lines.append(
            f"| {label}{v['statement']} | {v['target'] or '–'} | **{v['verdict']}** | {est} | {iv} | {v['n']} "
            f"| {v['reason']} |"
        )
    return "\n".join(lines) + "\n"
