"""Render ``report.json`` to Markdown for people who read reports in a terminal or a PR."""

from __future__ import annotations

from typing import Any

from frontiergate.report.decision_text import level_text, seeds_of, unknown_of
from frontiergate.report.sections.registry import section_modules

ACTION_TEXT = {
    "deploy": "DEPLOY",
    "deploy_with_safeguards": "DEPLOY WITH SAFEGUARDS",
    "do_not_deploy": "DO NOT DEPLOY",
    "stop_scaling": "STOP SCALING",
}


def _f(x: Any, digits: int = 3) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def _cell(x: Any) -> str:
    """Markdown table cells cannot contain a raw pipe."""
    return str(x).replace("|", "\\|").replace("\n", " ")


def _ci(f: dict[str, Any]) -> str:
    if f.get("ci_low") is None:
        return "not estimable"
    return f"[{_f(f['ci_low'])}, {_f(f['ci_high'])}]"


def _target_md(t: dict[str, Any]) -> list[str]:
    dec = t["decision"]
    ov = dec.get("overall", {})
    lines = [f"## Target `{t['model']}`", ""]
    lines.append(
        f"**Decision: {ACTION_TEXT.get(ov.get('action', ''), ov.get('action', 'n/a'))}** "
        f"(risk level: {ov.get('level') or 'n/a'}, status: {ov.get('status')}, "
        f"confidence: {ov.get('confidence')})"
    )
    lines += ["", f"Rationale: {ov.get('rationale', '')}", ""]
    if t.get("model_card"):
        mc = t["model_card"]
        lines += [f"> Model card: {mc['weights']}; {mc['runtime']}. **{mc['caveat']}**", ""]
    lines += [
        "| domain | required | status | level | action | confidence | rationale |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, d in dec.get("domains", {}).items():
        lines.append(
            f"| {name} | {'yes' if d['required'] else 'no'} | {d['status']} | {level_text(d)} | "
            f"{d['action']} | {d['confidence']} | {_cell(d['rationale'])} |"
        )
    lines += [
        "",
        "### Findings",
        "",
        "| domain | metric | slice | n | seeds | k | unknown | estimate | 95% CI | test | p | evidence |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for f in t["findings"]:
        ev = ", ".join(f"`{_cell(e)}`" for e in f.get("evidence", [])[:3])
        lines.append(
            f"| {f['domain']} | {f['metric']} | {_cell(f['slice'])} | {f['n']} | {_f(seeds_of(f))} | {_f(f['k'])} "
            f"| {_f(unknown_of(f))} | {_f(f['estimate'])} "
            f"| {_ci(f)} | {f.get('test') or ''} | {_f(f.get('p_value'))} | {ev} |"
        )
    lines += [
        "",
        "### Evaluations",
        "",
        "| task | domains | status | samples | errors | log |",
        "|---|---|---|---|---|---|",
    ]
    for e in t["evaluations"]:
        lines.append(
            f"| {e['task']} | {', '.join(e['domains'])} | {e['status']} | {e['n_samples']} | "
            f"{e['n_errors']} | `logs/{e['log']}` |"
        )
    lines.append("")
    return lines


def render_markdown(report: dict[str, Any]) -> str:
    run = report["run"]
    lines = [
        "# Safety & Preparedness Report",
        "",
        f"Run `{run['id']}` · policy **{run['policy']['name']}** v{run['policy']['version']} "
        f"(sha256 `{run['policy']['sha256'][:16]}…`) · code `{run['code_version']}` · "
        f"scenario set `{(run['scenario_set_sha256'] or 'n/a')[:16]}`",
        "",
    ]
    lines += ["## Summary", ""]
    for t in report["targets"]:
        ov = t["decision"].get("overall", {})
        lines.append(
            f"- `{t['model']}`: **{ACTION_TEXT.get(ov.get('action', ''), 'n/a')}** "
            f"(level {ov.get('level') or 'n/a'}; {ov.get('rationale', '')})"
        )
    lines.append("")
    for t in report["targets"]:
        lines += _target_md(t)
    mods = {m.NAME: m for m in section_modules()}
    for name, sec in report.get("sections", {}).items():
        mod = mods.get(name)
        title = getattr(mod, "TITLE", name)
        lines += [f"## {title}", ""]
        if mod is not None and "error" not in sec:
            lines.append(mod.markdown(sec).rstrip())
        else:
            lines.append(f"_{sec.get('error', 'no renderer for this section')}_")
        lines.append("")
    lines += ["## Limitations", ""]
    lines += [f"- {x}" for x in report["limitations"]] or ["- none derived from the data"]
    lines += [
        "",
        "## Appendix",
        "",
        f"- scenario set sha256: `{report['appendix']['scenario_set_sha256']}`",
        f"- code version: `{report['appendix']['code_version']}`",
    ]
    for k, v in sorted(report["appendix"].get("versions", {}).items()):
        lines.append(f"- {k}: `{v}`")
    lines.append("")
    return "\n".join(lines)
