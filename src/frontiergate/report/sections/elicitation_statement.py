"""Report section: the elicitation statement, how hard the model was pushed.

A low rate means little without the effort behind it: a model given 160 tokens, one turn, no
jailbreak transforms and no attacker has been asked politely, not tested. Frameworks ask every
report to state its elicitation, so per target this section states the token and turn limits, the
transforms, the attacker, the grader, the thinking budget and the number of agents used, and says
"not used" for each that was not.

Read only from the stored run: its options (model roles, model args, per-target args, epochs,
--quick, --sequential) and the arguments each evaluation ran with (``EvaluationRow.task_args`` via
the analysis views). Limits a task did not receive are its defaults, read from the task function's
signature, and marked as defaults.
"""

from __future__ import annotations

import importlib
import inspect
from functools import cache
from typing import Any

from frontiergate.report.context import ReportContext

NAME = "elicitation_statement"
TITLE = "Elicitation statement"
ORDER = 16

NOT_USED = "not used"
_TASK_FUNCS = {
    "frontiergate/misuse": ("frontiergate.tasks.misuse", "misuse"),
    "frontiergate/awareness": ("frontiergate.tasks.awareness", "awareness"),
    "frontiergate/autonomy": ("frontiergate.tasks.autonomy", "autonomy"),
    "frontiergate/bias": ("frontiergate.tasks.bias", "bias"),
    "frontiergate/capability": ("frontiergate.tasks.capability", "capability"),
}
ASPECTS = ("token limit", "turn limit", "transforms", "attacker", "grader", "thinking budget", "agents",
           "guard", "epochs", "scenario subset")


@cache
def task_defaults(task: str) -> dict[str, Any]:
    """The default arguments of one of our tasks (empty for a foreign task or one that cannot load)."""
    where = _TASK_FUNCS.get(task)
    if where is None:
        return {}
    try:
        fn = getattr(importlib.import_module(where[0]), where[1])
        sig = inspect.signature(fn)
    except Exception:  # the statement must not fail on an optional runtime; it says "task default"
        return {}
    return {n: p.default for n, p in sig.parameters.items() if p.default is not inspect.Parameter.empty}


def _arg(task: str, args: dict[str, Any], name: str) -> tuple[Any, bool]:
    """(value, is_default) of one task argument."""
    if name in args and args[name] is not None:
        return args[name], False
    return task_defaults(task).get(name), True


def _shown(v: Any, default: bool) -> str:
    if v is None:
        return "task default"
    return f"{v} (task default)" if default else str(v)


def _listed(v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        return [x.strip() for x in v.split(",") if x.strip()]
    return [str(x) for x in v]


def _joined(parts: list[str]) -> str:
    """Each statement once, in first-seen order (one task runs once per domain with the same limits)."""
    return "; ".join(dict.fromkeys(parts))


def _model_args(options: dict[str, Any], target: str) -> dict[str, Any]:
    per = (options.get("target_args") or {}).get(target)
    return {**(options.get("model_args") or {}), **(per if isinstance(per, dict) else {})}


def _statement(rc: ReportContext, target: str) -> dict[str, str]:
    options = dict(rc.run.options or {})
    roles = dict(options.get("model_roles") or {})
    ctx = rc.analysis.get(target)
    evals = [(e.task, dict(e.task_args or {})) for e in (ctx.evaluations if ctx is not None else [])]
    margs = _model_args(options, target)
    tokens, turns, transforms, budgets = [], [], [], []
    attacker_tasks = []
    judged = []
    unique = {(t, repr(sorted(a.items()))): (t, a) for t, a in evals}  # a split evaluation runs in parts
    for task, args in sorted(unique.values(), key=lambda x: x[0]):
        short = task.split("/")[-1]
        v, d = _arg(task, args, "max_tokens")
        tokens.append(f"{short}: {_shown(v, d)} tokens per turn")
        if task == "frontiergate/autonomy":
            mt, dt = _arg(task, args, "max_turns")
            ml, dl = _arg(task, args, "message_limit")
            turns.append(f"autonomy: {_shown(mt, dt)} model turns, message limit {_shown(ml, dl)}")
        if task == "frontiergate/misuse":
            uses = args.get("attacker")
            if uses is True or (uses is None and "attacker" in roles):
                rounds, dr = _arg(task, args, "attacker_rounds")
                attacker_tasks.append(f"misuse ({_shown(rounds, dr)} PAIR rounds)")
                turns.append(f"misuse: up to {_shown(rounds, dr)} attacker refinement rounds")
        if args.get("judge"):
            judged.append(short)
        chosen = _listed(args.get("transforms"))
        if chosen:
            depth, dd = _arg(task, args, "stack_depth")
            transforms.append(f"{short}: {', '.join(chosen)} (stacked up to {_shown(depth, dd)})")
        if args.get("budget") is not None:
            budgets.append(f"{short}: {args['budget']} ({args.get('budget_mode', 'auto')})")
    if margs.get("budget") is not None:
        budgets.append(f"model: {margs['budget']} per agent")
    agents = NOT_USED + " (one agent)"
    if target.startswith("contemplate/") or "/contemplate/" in target:
        agents = f"{margs.get('agents', 4)} agents, aggregator {margs.get('aggregator', 'vote')}"
    sg = options.get("safeguards")
    guard = NOT_USED
    if target.startswith("safeguarded/"):
        gargs = sg.get("args") if isinstance(sg, dict) and sg.get("target") == target else margs
        guard = ", ".join(f"{k}={v}" for k, v in sorted((gargs or {}).items())) or "default guard"
        if "guard" in roles:
            guard += f"; guard model {roles['guard']}"
    subset = "--quick (a small subset)" if options.get("quick") else "the policy's full plan"
    if options.get("limit"):
        subset += f", at most {options['limit']} samples per evaluation"
    grader = NOT_USED + " (rules-based scorers)"
    if "grader" in roles:
        grader = f"{roles['grader']}" + (f" (judge on: {', '.join(sorted(set(judged)))})" if judged else "")
    # items whose attacker failed before sending any rewrite (solvers.pair_attacker): plain evidence, not PAIR
    skipped = {s.item_id for s in (ctx.samples if ctx is not None else [])
               if isinstance(s.extra.get("pair"), dict) and s.extra["pair"].get("performed") is False}
    if attacker_tasks and skipped:
        attacker_tasks.append(f"PAIR not performed on {len(skipped)} items (the attacker failed before any rewrite)")
    # items whose attacker failed at a later round: attacked, but for fewer rounds than asked
    cut = {s.item_id for s in (ctx.samples if ctx is not None else [])
           if isinstance(s.extra.get("pair"), dict) and s.extra["pair"].get("performed") is not False
           and isinstance(s.extra["pair"].get("attacker_failed"), dict)}
    if attacker_tasks and cut:
        attacker_tasks.append(f"PAIR stopped early on {len(cut)} items (the attacker failed after a rewrite)")
    return {
        "token limit": _joined(tokens) or "no evaluation ran",
        "turn limit": _joined(turns) or "single turn",
        "transforms": _joined(transforms) or NOT_USED,
        "attacker": (f"{roles['attacker']}: " + ", ".join(attacker_tasks)) if attacker_tasks and "attacker" in roles
        else NOT_USED,
        "grader": grader,
        "thinking budget": _joined(budgets) or NOT_USED,
        "agents": agents,
        "guard": guard,
        "epochs": str(options.get("epochs") or max([int(a.get("epochs", 1) or 1) for _, a in evals], default=1)),
        "scenario subset": subset,
    }


def build(rc: ReportContext) -> dict[str, Any] | None:
    targets = [{"target": t, "statement": _statement(rc, t)} for t in rc.targets if t in rc.analysis]
    if not targets:
        return None
    return {"aspects": list(ASPECTS), "targets": targets}


def markdown(section: dict[str, Any]) -> str:
    names = [t["target"] for t in section["targets"]]
    lines = ["| aspect | " + " | ".join(f"`{n}`" for n in names) + " |", "|---|" + "---|" * len(names)]
    for a in section["aspects"]:
        cells = [str(t["statement"].get(a, NOT_USED)).replace("|", "\\|") for t in section["targets"]]
        lines.append(f"| {a} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
