"""``report.json`` → the report's content model (a :class:`~frontiergate.report.blocks.Document`).

A pure function of the report dict (and, for the dashboard, of how a sample reference becomes a URL):
no clock, no files, no store. Both templates render this one document, so the Markdown and the HTML
have the same sections in the same order. The order puts what a decision-maker needs on the first
screen: the pipeline-check banner when there is one, the decision, and one paragraph per domain;
then everything that backs it up.
"""

from __future__ import annotations

import json
from typing import Any

from frontiergate.report.blocks import (
    Block,
    Card,
    Document,
    Fold,
    Heading,
    Inline,
    Items,
    Markdown,
    Para,
    Pre,
    Section,
    Span,
    Table,
    join,
    txt,
)
from frontiergate.report.decision_text import level_text, seeds_of, unknown_of
from frontiergate.report.evidence import EvidenceIndex, SampleUrl
from frontiergate.report.figures import (
    awareness_figure,
    before_after_figure,
    elicitation_figures,
    heatmap_figures,
    risk_figure,
)
from frontiergate.report.plain import post_mitigation_of
from frontiergate.report.sections.multi_agent import figure_blocks as multi_agent_figures
from frontiergate.report.sections.registry import section_modules

ACTION_TEXT = {
    "deploy": "DEPLOY",
    "deploy_with_safeguards": "DEPLOY WITH SAFEGUARDS",
    "do_not_deploy": "DO NOT DEPLOY",
    "stop_scaling": "STOP SCALING",
}

CORE_SECTIONS = (
    ("summary", "Summary and decision"),
    ("scope", "Model and scope"),
    ("policy", "Policy"),
    ("results", "Results per domain"),
    ("attack-success", "Attack success by domain and strategy"),
    ("awareness", "Evaluation awareness"),
    ("before-after", "Before and after mitigations"),
    ("safeguards", "Safeguards"),
    ("elicitation", "Elicitation"),
    ("claims", "Claims"),
    ("other-sections", "Further evaluations"),
    ("limitations", "Limitations"),
    ("evidence", "Evidence: samples behind every figure"),
    ("appendix", "Appendix"),
)
"""Anchors and titles of the fixed report structure (in order); the browser tests check them all."""

CORE_ORDER = {
    "summary": 0,
    "scope": 2,
    "policy": 3,
    "results": 10,
    "attack-success": 30,
    "awareness": 35,
    "before-after": 40,
    "safeguards": 45,
    "elicitation": 60,
    "claims": 90,
    "other-sections": 95,
    "limitations": 200,
    "evidence": 210,
    "appendix": 220,
}
"""Where the fixed sections sit on the sections' ORDER scale: a section module with ORDER 1 (the
per-domain summary) comes right after the decision; one with ORDER 50 between safeguards and
elicitation. On a tie the fixed section comes first."""

SECTION_HOME = {
    "misuse": "attack-success",
    "awareness": "awareness",
    "before_after": "before-after",
    "safeguards": "safeguards",
    "elicitation": "elicitation",
    "claims": "claims",
}
"""Section modules shown inside a fixed section (below its figures) instead of as their own."""

FIRST_SCREEN = ("summary", "domain-summary")
LOGS = "#runs-and-logs"


def _f(x: Any, digits: int = 3) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def _c(x: Any) -> Inline:
    """A plain table cell."""
    return (Span("" if x is None else str(x)),)


def action_text(action: Any) -> str:
    a = "" if action is None else str(action)
    return ACTION_TEXT.get(a, a or "n/a")


def module_anchor(name: str) -> str:
    """The anchor of a section module shown as its own section: its NAME with '_' → '-'."""
    anchor = name.replace("_", "-")
    return anchor if anchor not in CORE_ORDER else f"{anchor}-section"


# --- first screen ---------------------------------------------------------------------------------


def _mitigation_lines(ov: dict[str, Any]) -> list[Block]:
    out: list[Block] = []
    pre = ov.get("pre_mitigation")
    if isinstance(pre, dict):
        out.append(
            Para(
                txt(
                    "Before safeguards (the model as evaluated): level ",
                    Span(level_text(pre), "strong"),
                    f", which calls for {action_text(pre.get('action'))}.",
                )
            )
        )
    if "post_mitigation" in ov:
        post = ov.get("post_mitigation")
        if isinstance(post, dict):
            out.append(
                Para(
                    txt(
                        "After safeguards (",
                        Span(str(post.get("target") or "n/a"), "code"),
                        "): residual level ",
                        Span(level_text(post), "strong"),
                        f", status {post.get('status') or 'n/a'}.",
                    )
                )
            )
        else:
            out.append(Para(txt("After safeguards: no safeguarded configuration was evaluated in this run.")))
    return out


def _governance_lines(ov: dict[str, Any], report: dict[str, Any]) -> list[Block]:
    out: list[Block] = []
    version = ov.get("policy_version")
    if version is not None:
        out.append(Para(txt(f"Decided under policy {report['policy']['name']} version {version}.")))
    sign = ov.get("sign_off")
    if isinstance(sign, dict):
        roles = [str(r) for r in sign.get("roles") or []]
        who = ", ".join(roles) if roles else "no role named by the policy for this action"
        out.append(Para(txt(f"Sign-off: {action_text(sign.get('action'))} must be approved by: {who}.")))
    alerts = ov.get("alerts")
    if isinstance(alerts, int) and not isinstance(alerts, bool) and alerts:
        href = "#alerts" if "alerts" in report.get("sections", {}) else None
        out.append(Para(txt(Span(f"{alerts} alert threshold(s) reached", href=href), " (not gating).")))
    return out


def _residual_card(ti: int, t: dict[str, Any], raw: str) -> Block:
    """The card of a safeguarded configuration run beside its raw model: its own "deploy" is not a
    decision (the raw model's card carries it, gated on these results), so it is not shown as one."""
    ov = t["decision"].get("overall", {}) or {}
    inner: list[Block] = [
        Para(txt(Span(t["model"], "code"), f" ({t['role']})")),
        Para(txt("POST-MITIGATION CONFIGURATION"), css="verdict"),
        Para(
            txt(
                "Residual risk level ",
                Span(level_text(ov), "strong"),
                f" · status {ov.get('status')} · confidence {ov.get('confidence')}. These results are ",
                Span(raw, "code"),
                "'s residual risk behind its safeguards and feed its decision above; they are not a "
                "deployment decision of their own.",
            )
        ),
        Para(txt(Span("Numbers and samples behind these results", href=f"#results-{ti}"))),
    ]
    return Card(css="decision action-residual", target=t["model"], blocks=tuple(inner))


def summary_blocks(report: dict[str, Any]) -> list[Block]:
    cards: list[Block] = []
    covered = post_mitigation_of(report)
    for ti, t in enumerate(report["targets"]):
        if t["model"] in covered:
            cards.append(_residual_card(ti, t, covered[t["model"]]))
            continue
        ov = t["decision"].get("overall", {}) or {}
        action = str(ov.get("action") or "")
        inner: list[Block] = [
            Para(txt(Span(t["model"], "code"), f" ({t['role']})")),
            Para(txt(action_text(action)), css="verdict"),
            Para(
                txt(
                    "risk level ",
                    Span(level_text(ov), "strong"),
                    f" · status {ov.get('status')} · confidence {ov.get('confidence')}",
                )
            ),
            *_mitigation_lines(ov),
            *_governance_lines(ov, report),
            Para(txt(str(ov.get("rationale", "")))),
        ]
        if ov.get("level_meaning"):
            inner.append(Para(txt(str(ov["level_meaning"])), css="muted"))
        inner.append(Para(txt(Span("Numbers and samples behind this decision", href=f"#results-{ti}"))))
        cards.append(Card(css=f"decision action-{action}", target=t["model"], blocks=tuple(inner)))
    return cards


# --- model, scope, policy -------------------------------------------------------------------------


def scope_blocks(report: dict[str, Any]) -> list[Block]:
    run = report["run"]
    out: list[Block] = [
        Para(
            txt(
                "Run ",
                Span(run["id"], "code"),
                f", status {run['status']}, started {run['started_at']} UTC, finished "
                f"{run['finished_at'] or 'n/a'} UTC. Targets: ",
                *join([Span(t, "code") for t in run["targets"]], ", "),
                ".",
            )
        )
    ]
    for t in report["targets"]:
        out.append(Heading(txt(Span(t["model"], "code"))))
        mc = t.get("model_card")
        if mc:
            out.append(Para(txt(Span("Model card", "strong"))))
            out.append(Table(("field", "value"), tuple((_c(k), _c(v)) for k, v in sorted(mc.items())), "model-card"))
        rows = tuple(
            (
                _c(e["task"]),
                _c(", ".join(e["domains"])),
                _c(e["status"]),
                _c(e["n_samples"]),
                _c(e["n_errors"]),
                (Span(f"logs/{e['log']}", "code"),),
            )
            for e in t["evaluations"]
        )
        out.append(Table(("task", "domains", "status", "samples", "errors", "log"), rows))
    return out


def policy_blocks(report: dict[str, Any]) -> list[Block]:
    pol = report["policy"]
    levels = tuple(
        (_c(k), _c(v.get("action")), _c(v.get("description", ""))) for k, v in pol["levels"].items()
    )
    crit = []
    scenarios = []
    for name, d in pol["domains"].items():
        for c in d["criteria"]:
            thr = ", ".join(f"{k} ≥ {_f(v)}" for k, v in sorted(c["thresholds"].items(), key=lambda kv: kv[1]))
            crit.append(
                (
                    _c(name),
                    _c("yes" if d["required"] else "no"),
                    _c(c["metric"]),
                    _c(c.get("kind") or "—"),
                    _c(c.get("scenario") or "—"),
                    _c(thr),
                    _c(c.get("bound", "upper")),
                )
            )
        for s in d.get("threat_scenarios") or []:
            if isinstance(s, dict):
                scenarios.append(
                    (_c(name), _c(s.get("id")), _c(s.get("harm")), _c(s.get("actor")), _c(s.get("enabler")))
                )
    out: list[Block] = [
        Para(
            txt(
                "Policy ",
                Span(pol["name"], "strong"),
                f" version {pol['version']}, SHA-256 ",
                Span(pol["sha256"], "hash"),
                ".",
            )
        ),
        Table(("level", "action", "meaning"), levels),
        Table(("domain", "required", "metric", "kind", "threat scenario", "thresholds", "decisive bound"), tuple(crit)),
    ]
    if scenarios:
        out += [Heading(txt("Threat scenarios")), Table(("domain", "id", "harm", "actor", "enabler"), tuple(scenarios))]
    return out


# --- results ----------------------------------------------------------------------------------------


def _interval(c: dict[str, Any], f: dict[str, Any]) -> str:
    lo = c.get("decisive_low", f.get("ci_low"))
    hi = c.get("decisive_high", f.get("ci_high"))
    return "not estimable" if lo is None or hi is None else f"[{_f(lo)}, {_f(hi)}]"


def criteria_table(index: EvidenceIndex, ti: int, t: dict[str, Any]) -> list[Block]:
    """Every criterion's decisive interval, linked to the samples behind it: events, passes and
    unknown outcomes alike (a clean result is backed by its passes)."""
    rows = []
    for name, d in t["decision"].get("domains", {}).items():
        for c in d.get("criteria", []):
            f = c.get("finding") or {}
            has_key = all(k in f for k in ("domain", "metric", "slice"))
            links = index.links(ti, t["model"], f) if has_key else []
            first = index.first_anchor(ti, t["model"], f) if has_key else None
            interval = Span(_interval(c, f), href=first)
            samples: Inline = (
                join(links)
                if links
                else (Span("no sample list stored; ", "muted"), Span("all samples (Inspect logs)", href=LOGS))
            )
            rows.append(
                (
                    _c(name),
                    _c(c.get("metric")),
                    _c(c.get("kind") or "—"),
                    _c(c.get("scenario") or "—"),
                    _c(_f(f.get("estimate"))),
                    (interval,),
                    _c(c.get("bound")),
                    _c(level_text(c)),
                    _c(c.get("status")),
                    samples,
                )
            )
    if not rows:
        return []
    head = ("domain", "criterion", "kind", "scenario", "estimate", "decisive interval", "bound", "level", "status",
            "samples")
    return [Table(head, tuple(rows), "criteria")]


def results_blocks(report: dict[str, Any], index: EvidenceIndex) -> list[Block]:
    out: list[Block] = []
    for ti, t in enumerate(report["targets"]):
        out.append(Heading(txt("Target ", Span(t["model"], "code")), anchor=f"results-{ti}"))
        out += risk_figure(report, index, ti)
        drows = tuple(
            (
                _c(name),
                _c("yes" if d["required"] else "no"),
                _c(d["status"]),
                _c(level_text(d)),
                _c(d["action"]),
                _c(d["confidence"]),
                _c(d["rationale"]),
            )
            for name, d in t["decision"].get("domains", {}).items()
        )
        out.append(Table(("domain", "required", "status", "level", "action", "confidence", "rationale"), drows))
        out += criteria_table(index, ti, t)
        frows = []
        for f in t["findings"]:
            links = index.links(ti, t["model"], f)
            frows.append(
                (
                    _c(f["domain"]),
                    _c(f["metric"]),
                    _c(f["slice"]),
                    _c(f["n"]),
                    _c(_f(seeds_of(f))),
                    _c(_f(f["k"])),
                    _c(_f(unknown_of(f))),
                    _c(_f(f["estimate"])),
                    _c("not estimable" if f["ci_low"] is None else f"[{_f(f['ci_low'])}, {_f(f['ci_high'])}]"),
                    _c(f["test"] or ""),
                    _c(_f(f["p_value"])),
                    join(links) if links else (Span("–", "muted"),),
                )
            )
        head = ("domain", "metric", "slice", "n", "seeds", "k", "unknown", "estimate", "95% CI", "test", "p",
                "samples")
        out.append(Fold("All findings for this target", (Table(head, tuple(frows)),)))
    return out


# --- back matter ------------------------------------------------------------------------------------


def evidence_blocks(index: EvidenceIndex) -> list[Block]:
    intro = Para(
        txt(
            "Transcript references are ",
            Span("<log file>#<sample id>/<epoch>", "code"),
            "; each names its Inspect log under ",
            Span("logs/", "code"),
            " and the member of that .eval (zip) file that holds the transcript (open them with ",
            Span("inspect view", "code"),
            " or ",
            Span("frontiergate serve", "code"),
            "). Events are the samples counted in k, passes those that were not, unknown outcomes neither.",
        )
    )
    return [intro, *index.lists]


def appendix_blocks(report: dict[str, Any]) -> list[Block]:
    app = report["appendix"]
    run = report["run"]
    rows: list[tuple[Inline, ...]] = [
        (_c("run id"), (Span(run["id"], "code"),)),
        (_c("code version"), (Span(app["code_version"], "code"),)),
        (_c("scenario set SHA-256"), (Span(str(app["scenario_set_sha256"]), "hash"),)),
        (_c("policy SHA-256"), (Span(run["policy"]["sha256"], "hash"),)),
        (_c("report schema"), _c(report["schema_version"])),
    ]
    rows += [(_c(k), (Span(str(v), "code"),)) for k, v in sorted(app.get("versions", {}).items())]
    out: list[Block] = [Table(("item", "value"), tuple(rows))]
    pruned = app.get("pruned_slices")
    if isinstance(pruned, list) and pruned:
        out.append(
            Para(
                txt(
                    f"{len(pruned)} slice(s) with very small n, or that repeat their parent, are left out of the "
                    "tables above; they are in ",
                    Span("slices.csv", "code"),
                    " next to ",
                    Span("report.json", "code"),
                    " (also covered by the hash manifest).",
                ),
                css="pruned-slices",
            )
        )
    logs = tuple(
        (_c(t["model"]), _c(e["task"]), (Span(f"logs/{e['log']}", "code"),))
        for t in report["targets"]
        for e in t["evaluations"]
    )
    out += [Heading(txt("Runs and logs"), anchor="runs-and-logs"), Table(("target", "task", "log"), logs)]
    return out


def limitation_blocks(report: dict[str, Any]) -> list[Block]:
    if not report["limitations"]:
        return [Para(txt("None derived from the data."))]
    return [Items(tuple(txt(str(x)) for x in report["limitations"]), css="limitations")]


# --- section modules --------------------------------------------------------------------------------


def module_blocks(mod: Any, sec: Any) -> list[Block]:
    """A section module's content: its own Markdown, rendered the same way in both formats."""
    if isinstance(sec, dict) and "error" in sec:
        return [Para(txt(str(sec["error"])), css="muted")]
    if mod is None or not hasattr(mod, "markdown"):
        dump = json.dumps(sec, indent=2, sort_keys=True, ensure_ascii=False, default=str)
        # still valid JSON, but no angle bracket for a Markdown or HTML reader to take for a tag
        return [Pre(dump.replace("<", "\\u003c").replace(">", "\\u003e"))]
    return [Markdown(str(mod.markdown(sec)))]


def build_document(report: dict[str, Any], sample_url: SampleUrl | None = None) -> Document:
    """The whole report as one ordered document (see module docstring)."""
    index = EvidenceIndex(report, sample_url)
    mods = {m.NAME: m for m in section_modules()}
    homes: dict[str, list[Block]] = {}
    own: list[tuple[int, Section]] = []
    for name, sec in report.get("sections", {}).items():
        mod = mods.get(name)
        title = str(getattr(mod, "TITLE", name))
        body = module_blocks(mod, sec)
        if name in SECTION_HOME:
            homes.setdefault(SECTION_HOME[name], []).extend([Heading(txt(title)), *body])
        else:
            order = int(getattr(mod, "ORDER", 100))
            own.append((order, Section(module_anchor(name), title, tuple(body), module=name)))
    own.sort(key=lambda x: x[0])  # stable: report["sections"] order on ties
    index_links = [Span(s.title, href=f"#{s.anchor}") for _, s in own if s.module != "domain_summary"]
    core: dict[str, list[Block]] = {
        "summary": summary_blocks(report),
        "scope": scope_blocks(report),
        "policy": policy_blocks(report),
        "results": results_blocks(report, index),
        "attack-success": heatmap_figures(report, index),
        "awareness": awareness_figure(report, index),
        "before-after": before_after_figure(report, index),
        "elicitation": elicitation_figures(report, index) + multi_agent_figures(report, index),
        "other-sections": [Para(txt("Further sections of this run:")), Items(tuple((s,) for s in index_links))]
        if index_links
        else [],
        "limitations": limitation_blocks(report),
    }
    sections: list[tuple[int, int, Section]] = []
    for anchor, title in CORE_SECTIONS:
        blocks = core.get(anchor, []) + homes.get(anchor, [])
        if anchor == "other-sections" and not blocks:
            blocks = [Para(txt("No further evaluation sections in this run."), css="muted")]
        if anchor == "evidence":
            blocks = evidence_blocks(index)  # last: every list linked above is registered by now
        if anchor == "appendix":
            blocks = appendix_blocks(report)
        if not blocks:
            blocks = [Para(txt("Not measured in this run."), css="muted")]
        sections.append((CORE_ORDER[anchor], 0, Section(anchor, title, tuple(blocks))))
    sections += [(order, 1, s) for order, s in own]
    ordered = [s for _, _, s in sorted(sections, key=lambda x: (x[0], x[1]))]
    toc_after = max(i for i, s in enumerate(ordered) if s.anchor in FIRST_SCREEN)
    run = report["run"]
    banner = report.get("banner")
    return Document(
        title="Safety & Preparedness Report",
        head_title=f"Safety & Preparedness Report {run['id']}",
        byline=txt(
            "Run ",
            Span(run["id"], "code"),
            " · policy ",
            Span(run["policy"]["name"], "strong"),
            f" v{run['policy']['version']} · code ",
            Span(str(run["code_version"]), "code"),
        ),
        banner=banner if isinstance(banner, str) and banner.strip() else None,
        sections=tuple(ordered),
        toc_after=toc_after,
    )
