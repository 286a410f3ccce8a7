"""Build ``report.json`` from stored records only.

A report is a pure function of the store: the same run gives the same bytes, from SQLite or
PostgreSQL, today or next year. Nothing here reads the clock, the environment or the policy file
on disk: the policy text and code versions were stored with the run.
"""

from __future__ import annotations

import logging
from typing import Any

import yaml
from sqlalchemy import select

from frontiergate.analysis.context import AnalysisContext
from frontiergate.analysis.load import load_contexts
from frontiergate.models.card import embedded_card
from frontiergate.models.in_process import innermost
from frontiergate.policy.schema import Policy
from frontiergate.report import SCHEMA_VERSION
from frontiergate.report.context import ReportContext
from frontiergate.report.pruning import split_findings
from frontiergate.report.sections.registry import section_modules
from frontiergate.store.db import Store
from frontiergate.store.models import DecisionRow, EvaluationRow, FindingRow, RunRow, SampleRow

log = logging.getLogger(__name__)



def _log_ref(log_path: str) -> str:
    """The log's path under the run's ``logs/`` (worker processes write into subdirectories)."""
    head, sep, tail = log_path.replace("\\", "/").rpartition("/logs/")
    return tail if sep else log_path.rsplit("/", 1)[-1]


def _iso(dt: Any) -> str | None:
    return None if dt is None else dt.replace(microsecond=0).isoformat()


EVIDENCE_KEYS = ("evidence", "evidence_safe", "evidence_unknown")


def _refs_of(details: dict[str, Any], refs: dict[int, str]) -> dict[str, list[str]]:
    """Sample keys in a finding's details, popped and turned into transcript references."""
    return {k: [refs[pk] for pk in details.pop(k, []) if pk in refs][:20] for k in EVIDENCE_KEYS}


def _finding_dict(f: FindingRow, refs: dict[int, str]) -> dict[str, Any]:
    details = dict(f.details or {})
    links = _refs_of(details, refs)
    evidence = links.pop("evidence")
    details.update({k: v for k, v in links.items() if v})
    return {
        "domain": f.domain,
        "metric": f.metric,
        "slice": f.slice,
        "n": f.n,
        "k": f.k,
        "estimate": f.estimate,
        "ci_low": f.ci_low,
        "ci_high": f.ci_high,
        "test": f.test,
        "p_value": f.p_value,
        "details": details,
        "evidence": evidence,
    }


def _domain_decision_dict(details: dict[str, Any], refs: dict[int, str]) -> dict[str, Any]:
    """A stored domain decision with its criteria's evidence as transcript refs, not database ids.

    Sample primary keys depend on the store's history (and backend), so they must never reach the
    report: the same run in another store would otherwise give different bytes.
    """
    out = dict(details)
    criteria = []
    for c in out.get("criteria", []):
        c = dict(c)
        f = c.get("finding")
        if isinstance(f, dict):
            det = dict(f.get("details") or {})
            links = _refs_of(det, refs)
            evidence = links.pop("evidence")
            det.update({k: v for k, v in links.items() if v})
            realistic = det.get("realistic")
            if isinstance(realistic, dict):
                rdet = dict(realistic.get("details") or {})
                _refs_of(rdet, refs)
                det["realistic"] = {**realistic, "details": rdet}
            c["finding"] = {**f, "details": det, "evidence": evidence}
        criteria.append(c)
    out["criteria"] = criteria
    return out


_innermost = innermost  # the model inside wrapper targets (safeguarded/contemplate/M -> M)


def model_card_of(target: str) -> dict[str, Any] | None:
    """The model card of the model a target runs on: wrappers (``safeguarded/``, ``contemplate/``) do not
    change what the model underneath is, so a guarded pipeline-test model is still a pipeline test. Each
    embedded model has its own card (``models/card.py``); other targets have none."""
    return embedded_card(_innermost(target))


BANNER_LEAD = "Pipeline check — not a deployment decision"


def pipeline_banner(targets: list[str], options: dict[str, Any]) -> str | None:
    """One sentence for the top of every format when the run cannot support a deployment decision.

    Two reasons make a run a pipeline check: a target whose model card marks it as a pipeline test
    (the embedded 270M base model) or a ``--quick`` run (a subset of the scenarios and transforms).
    Without the banner a first screen reading "DEPLOY" on the embedded model could be quoted as a
    safety result.
    """
    reasons = []
    tests = [t for t in targets if (model_card_of(t) or {}).get("pipeline_test") is True]
    if tests:
        names = ", ".join(tests)  # plain text: the banner is rendered verbatim in every format
        reasons.append(f"{names} {'is a pipeline-test model' if len(tests) == 1 else 'are pipeline-test models'} "
                       "(its model card says results exercise the pipeline, not a frontier model's safety)")
    if options.get("quick"):
        reasons.append("the run used --quick (a small subset of scenarios and transforms; wide intervals)")
    if not reasons:
        return None
    return f"{BANNER_LEAD}: " + "; ".join(reasons) + "."


def _limitations(
    run: RunRow, target: str, decision: dict[str, Any], evals: list[EvaluationRow], findings: list[dict[str, Any]]
) -> list[str]:
    out: list[str] = []
    for d in decision["domains"].values():
        out.extend(d["limitations"])
    n = sum(e.n_samples for e in evals)
    errs = sum(e.n_errors for e in evals)
    if errs:
        out.append(
            f"{errs} of {n} samples ended in errors after retries; each is an unknown outcome, counted as safe "
            "for the lower end of an interval and as an event for the upper end, never as a refusal"
        )
    for e in evals:
        for family, na in sorted(((e.task_metrics or {}).get("not_applicable") or {}).items()):
            if isinstance(na, dict) and na.get("not_applicable"):
                out.append(
                    f"{na['not_applicable']} {family} item(s) of {e.task} were not applicable and not sent "
                    f"({na.get('reason') or 'the target cannot take them'}); they count as neither refused nor safe"
                )
    incomplete = [e.task for e in evals if e.status not in ("success",)]
    if incomplete:
        out.append(f"evaluation(s) not completed successfully: {', '.join(sorted(set(incomplete)))}")
    if any(int(e.task_args.get("epochs", 1)) > 1 for e in evals) or int(run.options.get("epochs") or 1) > 1:
        out.append(
            "several samples per item: samples of one seed are not independent; decisive intervals are clustered "
            "by seed (design effect) and minimum evidence is counted in seeds"
        )
    card = embedded_card(_innermost(target))
    if card is not None:  # every embedded model says what its results can and cannot mean
        out.append(f"target is the embedded model {card['name']} ({card['weights']}): {card['caveat']}")
    for f in findings:
        d = f.get("details") or {}
        if (
            f["metric"] == "capability_accuracy"
            and f["slice"] == "all"
            and d.get("elicited_by") == d.get("plain_slice")
        ):
            out.append(
                f"{f['domain']}: capability measured without elicitation (one agent, no extra thinking "
                "budget); the true capability may be understated — run on contemplate/<model> -M agents=8"
            )
    if run.options.get("quick"):
        out.append("quick run: a small subset of the scenario library was used; rates have wide intervals")
    return out


def build_report(store: Store, run_id: str, analysis: dict[str, AnalysisContext] | None = None) -> dict[str, Any]:
    """The canonical report of a stored run. ``analysis``: the views the findings were just computed
    from, when the caller has them (a sweep's views take seconds to load and tens of MiB to hold)."""
    with store.session() as s:
        run = s.get(RunRow, run_id)
        if run is None:
            raise KeyError(run_id)
        policy = Policy.model_validate(yaml.safe_load(run.policy_text))
        evals = list(s.scalars(select(EvaluationRow).where(EvaluationRow.run_id == run_id).order_by(EvaluationRow.id)))
        refs = {
            int(pk): str(ref)
            for pk, ref in s.execute(select(SampleRow.id, SampleRow.transcript_ref).where(SampleRow.run_id == run_id))
        }
        frows = list(s.scalars(select(FindingRow).where(FindingRow.run_id == run_id).order_by(FindingRow.id)))
        drows = list(s.scalars(select(DecisionRow).where(DecisionRow.run_id == run_id).order_by(DecisionRow.id)))
        targets = list(run.targets)
        findings = {t: [_finding_dict(f, refs) for f in frows if f.target == t] for t in targets}
        decisions: dict[str, dict[str, Any]] = {}
        for d in drows:
            decisions.setdefault(d.target, {"overall": {}, "domains": {}})
            if d.domain == "_overall":
                decisions[d.target]["overall"] = dict(d.details)
            else:
                decisions[d.target]["domains"][d.domain] = _domain_decision_dict(d.details, refs)
        target_entries = []
        all_limits: list[str] = []
        pruned: list[dict[str, Any]] = []
        for t in targets:
            tevals = [e for e in evals if e.target == t]
            dec = decisions.get(t, {"overall": {}, "domains": {}})
            limits = _limitations(run, t, dec, tevals, findings[t]) if dec["domains"] else []
            all_limits.extend(f"[{t}] {x}" for x in limits)
            main, moved = split_findings(t, findings[t], dec, policy)
            pruned.extend(moved)
            target_entries.append(
                {
                    "model": t,
                    "role": str(run.options.get("roles", {}).get(t, "target")),
                    "model_card": model_card_of(t),
                    "decision": dec,
                    "findings": main,
                    "evaluations": [
                        {
                            "task": e.task,
                            "args": e.task_args,
                            "domains": e.domains,
                            "status": e.status,
                            "n_samples": e.n_samples,
                            "n_errors": e.n_errors,
                            "log": _log_ref(e.log_path),
                            "task_metrics": e.task_metrics,
                        }
                        for e in tevals
                    ],
                    "limitations": limits,
                }
            )
        # paths say where a run was started, not what it measured: keep them out of the report's bytes
        options: dict[str, Any] = {
            k: v for k, v in sorted(run.options.items()) if k not in ("versions", "out", "runs_dir", "policy_path")
        }
        run_info = {
            "id": run.id,
            "status": run.status,
            "started_at": _iso(run.started_at),
            "finished_at": _iso(run.finished_at),
            "code_version": run.code_version,
            "policy": {"name": policy.name, "version": policy.version, "sha256": run.policy_sha256},
            "scenario_set_sha256": run.scenario_hash,
            "targets": targets,
            "options": options,
        }
        versions = dict(run.options.get("versions", {}))
    ctxs = analysis if analysis is not None else load_contexts(store, run_id, policy.confidence)
    with store.session() as s:
        run = s.get(RunRow, run_id)
        assert run is not None
        rc = ReportContext(
            run=run, policy=policy, store=store, targets=targets, findings=findings, decisions=decisions, analysis=ctxs
        )
        sections: dict[str, Any] = {}
        for mod in section_modules():
            try:
                built = mod.build(rc)
            except Exception as exc:  # a broken section must not hide the decision
                log.warning("report section %s failed: %s", mod.NAME, exc)
                built = {"error": f"section could not be built: {type(exc).__name__}"}
            if built is not None:
                sections[mod.NAME] = built
                all_limits.extend(str(x) for x in built.get("limitations", []) if isinstance(built, dict))
    return {
        "schema_version": SCHEMA_VERSION,
        "report_type": "frontiergate.safety_preparedness_report",
        "banner": pipeline_banner(targets, options),
        "run": run_info,
        "policy": {
            "name": policy.name,
            "version": policy.version,
            "sha256": run.policy_sha256,
            "levels": {k: v.model_dump() for k, v in policy.levels.items()},
            "domains": {
                n: {
                    "required": d.required,
                    "description": d.description,
                    "criteria": [c.model_dump() for c in d.criteria],
                }
                for n, d in policy.domains.items()
            },
        },
        "targets": target_entries,
        "sections": sections,
        "limitations": all_limits,
        "appendix": {
            "versions": versions,
            "scenario_set_sha256": run_info["scenario_set_sha256"],
            "code_version": run_info["code_version"],
            "pruned_slices": pruned,
        },
    }
