"""Report section: how the safeguard of each ``safeguarded/...`` target behaved in this run.

Read from the guard decisions recorded in the Inspect logs: how often it blocked harmful items
(recall) and benign look-alikes (false positives), at which stage, on which principles, how often
the guard failed or answered unreadably, and what it cost in latency and tokens.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from frontiergate.report.context import ReportContext
from frontiergate.safeguards.telemetry import GuardRecord, read_guard_records, summarise

NAME = "safeguards"
TITLE = "Safeguards: guard quality and cost"
ORDER = 45


def _resolve(log_path: str, out_dir: str) -> Path | None:
    p = Path(log_path)
    for cand in (p, Path(out_dir) / p, Path(out_dir) / "logs" / p.name):
        if log_path and cand.is_file():
            return cand
    return None


def build(rc: ReportContext) -> dict[str, Any] | None:
    guarded = [t for t in rc.targets if t.startswith("safeguarded/") and t in rc.analysis]
    if not guarded:
        return None
    targets: dict[str, Any] = {}
    limitations: list[str] = []
    for t in guarded:
        records: list[GuardRecord] = []
        missing = 0
        for ev in rc.analysis[t].evaluations:
            path = _resolve(ev.log_path, rc.run.out_dir)
            if path is None:
                missing += 1
                continue
            records.extend(read_guard_records(path))
        records.sort(key=lambda r: (r.item_id, r.epoch))
        summary = summarise(records)
        summary["logs_missing"] = missing
        targets[t] = summary
        if missing:
            limitations.append(
                f"safeguards [{t}]: {missing} log file(s) not found; their guard decisions are not counted"
            )
        unrec = summary.get("unrecorded") or {}
        if any(unrec.values()):
            limitations.append(
                f"safeguards [{t}]: {unrec.get('harmful', 0)} harmful and {unrec.get('benign', 0)} benign sample(s) "
                "ended with an error and no guard decision recorded; recall counts them as misses and the "
                "false-positive rate as blocks"
            )
        if summary["guard_errors"]:
            limitations.append(
                f"safeguards [{t}]: the guard failed {summary['guard_errors']} time(s); fail mode decided those samples"
            )
        if summary["unparsed_verdicts"]:
            limitations.append(
                f"safeguards [{t}]: {summary['unparsed_verdicts']} guard repl(ies) could not be read and were "
                "treated as block"
            )
    return {"targets": targets, "limitations": limitations}


def _pct(r: dict[str, Any]) -> str:
    if r["n"] == 0 or r["estimate"] is None:
        return "n/a (n=0)"
    return f"{r['estimate'] * 100:.1f}% [{r['ci_low'] * 100:.1f}, {r['ci_high'] * 100:.1f}] (k={r['k']}, n={r['n']})"


def markdown(section: dict[str, Any]) -> str:
    lines = [
        "| target | samples | harmful blocked (recall) | benign blocked (false positives) | blocked at input / "
        "output | guard errors | unreadable | guard latency mean / p95 (s) | guard tokens / sample |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for t, s in section["targets"].items():
        lat = (
            "n/a"
            if s["guard_latency_mean_s"] is None
            else f"{s['guard_latency_mean_s']:.3g} / {s['guard_latency_p95_s']:.3g}"
        )
        lines.append(
            f"| {t} | {s['n']} | {_pct(s['recall_harmful'])} | {_pct(s['false_positive_benign'])} | "
            f"{s['blocked_input']} / {s['blocked_output']} | {s['guard_errors']} | {s['unparsed_verdicts']} | {lat} | "
            f"{s['guard_tokens_mean'] if s['guard_tokens_mean'] is not None else 'n/a'} |"
        )
    for t, s in section["targets"].items():
        if s["by_principle"]:
            lines.append("")
            lines.append(f"Blocks by principle for {t}: " + ", ".join(f"{k} {v}" for k, v in s["by_principle"].items()))
    return "\n".join(lines) + "\n"
