"""``--cascade``: how far does a compromised agent spread in contemplating mode, in the same run.

``frontiergate run --model M --cascade n=3,aggregators=vote+judge,compromise=scripted`` adds one
derived target, ``contemplate/M``, whose own model args make it a *cascade sweep* (see
``models/contemplating.py``): per misuse item it assembles every configuration k = 0..n
compromised agents, aggregates each with every listed aggregator, and keeps the single honest
agent's answer as the paired baseline; the misuse task gets ``cascade=true`` so its ``cascade``
scorer records every configuration's outcome (``tasks/cascade.py``), and
``analysis/metrics_multi_agent.py`` turns them into findings.

Why one sweep target rather than one target per (k, aggregator): in layer 1 an agent's answer does
not depend on who else sits at the table, so the n honest and n compromised answers are drawn once
and every configuration is assembled from them. That is (n+1) x aggregators configurations for the
price of 2n agent calls plus the LLM aggregators', paired by construction on the same answers, and
the metrics see one target, as every registered metric does. Why a spec string rather than ``-M``:
``-M`` args go to every target, and the raw model must not become a sweep.
"""

from __future__ import annotations

from typing import Any

from frontiergate.errors import FrontiergateError
from frontiergate.pipeline.spec import split_spec

CONTEMPLATE_PREFIX = "contemplate/"
AGGREGATORS = ("vote", "synthesise", "judge")
"""As ``models.contemplating.AGGREGATORS`` (written out so that parsing the command line does not
import Inspect)."""
MODES = ("scripted", "system_prompt", "model")
EXAMPLE = "--cascade n=3,aggregators=vote+judge,compromise=scripted"
_KEYS = ("n", "aggregators", "compromise", "model", "prompt", "layers", "k")
CASCADE_TASK = "frontiergate/misuse"
CASCADE_TASKS = (CASCADE_TASK, "frontiergate/autonomy")
"""Tasks a cascade sweep scores: misuse items (one answer per configuration) and autonomy
scenarios (one episode per configuration, ``envs/cascade.py``)."""


def _usage(cause: str, fix: str) -> FrontiergateError:
    return FrontiergateError(f"--cascade: {cause}", fix)


def default_k(n: int) -> int:
    """The configuration the sweep target returns as its own answer: the largest minority of
    compromised agents (at least one), the case a vote is meant to survive."""
    return max(1, (n - 1) // 2)


def _int(key: str, value: str, low: int, high: int) -> int:
    try:
        v = int(value)
    except ValueError:
        raise _usage(f"{key}='{value}' is not an integer", f"write {key}={low}..{high}") from None
    if not low <= v <= high:
        raise _usage(f"{key}={v} is out of range", f"write {key}={low}..{high}")
    return v


def parse_cascade(spec: str) -> dict[str, Any]:
    """``n=3,aggregators=vote+judge,compromise=scripted[,model=M][,prompt=TEXT][,layers=2][,k=1]``
    → the sweep target's model args. Every problem is a usage error naming the key and the fix."""
    raw = split_spec(spec, _KEYS, EXAMPLE, _usage, " (a prompt may not hold commas)")
    n = _int("n", raw.get("n", "3"), 2, 16)
    aggs = [a.strip().lower() for a in raw.get("aggregators", "vote+judge").split("+") if a.strip()]
    bad = [a for a in aggs if a not in AGGREGATORS]
    if bad or not aggs:
        raise _usage(f"unknown aggregator '{bad[0] if bad else ''}'", f"use aggregators={'+'.join(AGGREGATORS)}")
    mode = raw.get("compromise", "scripted").lower()
    if mode not in MODES:
        raise _usage(f"unknown compromise '{mode}'", f"use compromise={' | '.join(MODES)}")
    args: dict[str, Any] = {
        "agents": n,
        "cascade": ",".join(dict.fromkeys(aggs)),
        "aggregator": aggs[0],
        "compromised": _int("k", raw["k"], 0, n) if "k" in raw else default_k(n),
        "compromise": mode,
        "vote_on": "stance",
        "layers": _int("layers", raw.get("layers", "1"), 1, 2),
    }
    if mode == "model":
        model = raw.get("model")
        if not model or "/" not in model:
            raise _usage(
                "compromise=model needs model=<inspect model string>",
                "write e.g. --cascade n=3,compromise=model,model=frontiergate/gemma-3-270m",
            )
        args["compromised_model"] = model
    elif "model" in raw:
        raise _usage("model= is only used with compromise=model", "drop model= or write compromise=model")
    if "prompt" in raw:
        if mode != "system_prompt":
            raise _usage("prompt= is only used with compromise=system_prompt", "drop prompt= or change compromise")
        args["compromise_prompt"] = raw["prompt"]
    return args


def calls_per_answer(args: dict[str, Any]) -> int:
    """Model calls inside one call of the sweep target, at most (on a serial backend they queue in it).

    A misuse answer: n honest seats, n compromised ones unless scripted, each LLM aggregator once
    per k, and with two layers a second layer per k. An autonomy turn: n seats and one aggregator.
    """
    n = int(args.get("agents", 3))
    llm_aggs = sum(1 for a in str(args.get("cascade", "")).split(",") if a in ("judge", "synthesise"))
    misuse = n + (0 if args.get("compromise") == "scripted" else n) + (n + 1) * llm_aggs
    if int(args.get("layers", 1)) == 2:
        misuse += (n + 1) * n
    return max(misuse, n + 1)


def sweep_timeouts(args: dict[str, Any], attempt_timeout: int, request_budget: int) -> tuple[int, int]:
    """``--attempt-timeout`` and ``--request-budget`` scaled so one sweep call may hold its inner calls.

    Why: Inspect times the sweep target's call as one attempt, and its inner calls queue inside it
    on a one-call-at-a-time backend (the embedded models): at the 60 s default a sweep answer on
    the embedded model timed out, and every retry redid all its calls. The bounds are run-wide (the
    inner calls and the raw target get the larger ones too: a hung call is abandoned later, nothing
    else changes); the budget covers one full attempt and a retry.
    """
    attempt = attempt_timeout * calls_per_answer(args)
    return max(attempt_timeout, attempt), max(request_budget, 2 * attempt)


def cascade_target(model: str) -> str:
    return CONTEMPLATE_PREFIX + model


def with_cascade(
    targets: list[str], target_args: dict[str, dict[str, Any]], spec: str
) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """The run's targets and per-target args with the sweep target of the (one) raw model added."""
    raw = [t for t in targets if not t.startswith(("safeguarded/", CONTEMPLATE_PREFIX))]
    if len(raw) != 1:
        raise _usage(
            f"a cascade sweeps one model, got {len(raw)} plain --model",
            "give one --model M (the sweep target is contemplate/M)",
        )
    sweep = cascade_target(raw[0])
    if sweep in targets:
        raise _usage(f"{sweep} is already a target", f"drop --model {sweep}: --cascade adds it")
    return [*targets, sweep], {**target_args, sweep: parse_cascade(spec)}


def cascade_task_args(task_args: dict[str, dict[str, Any]]) -> None:
    """Turn on the misuse and autonomy tasks' ``cascade`` scoring (in place). On the raw model it
    changes nothing but a ``cascade`` score that says it does not apply."""
    for task in CASCADE_TASKS:
        task_args.setdefault(task, {})["cascade"] = True
