"""Contemplating mode on a scripted model of known accuracy and latency.

Theory: with per-call correctness p, one shared wrong answer and n (odd) independent agents, a
majority vote is correct with probability sum_{k > n/2} C(n, k) p^k (1-p)^(n-k).
"""

from __future__ import annotations

import asyncio
import math
import time

import pytest
from inspect_ai.model import Model, get_model

import frontiergate._registry  # noqa: F401
from frontiergate.elicitation.curves import expected_at, outcome_from_meta
from frontiergate.errors import ModelError
from frontiergate.stats.intervals import wilson_interval


def majority_theory(p: float, n: int) -> float:
    return sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n // 2 + 1, n + 1))


def _model(**args: object) -> Model:
    return get_model("contemplate/fgscripted/m", memoize=False, **args)


async def _answers(model: Model, n_questions: int) -> list[bool]:
    outs = await asyncio.gather(*(model.generate(f"Question {i}? [answer={i}]") for i in range(n_questions)))
    return [o.completion.endswith(f"Final answer: {i}") for i, o in enumerate(outs)]


@pytest.mark.parametrize("agents", [1, 3, 5])
def test_majority_vote_lifts_accuracy_as_theory_predicts(agents: int) -> None:
    p, n_q = 0.7, 150
    correct = asyncio.run(_answers(_model(agents=agents, p=p, delay=0.0), n_q))
    est = wilson_interval(sum(correct), n_q)
    theory = majority_theory(p, agents)
    assert est.low is not None and est.high is not None
    assert est.low <= theory <= est.high, (agents, est, theory)
    if agents == 5:
        assert est.estimate is not None and est.estimate > 0.76  # clearly above one agent's 0.7


def test_resampled_curve_from_one_run_matches_theory() -> None:
    """Seven agents once; the vote at 1, 3, 5 agents by subset resampling agrees with the formula."""
    p, n_q = 0.6, 120

    async def run() -> list[dict[str, object]]:
        m = _model(agents=7, p=p, delay=0.0)
        outs = await asyncio.gather(*(m.generate(f"Q {i} [answer={i}]") for i in range(n_q)))
        return [o.metadata["contemplate"] for o in outs if o.metadata]

    metas = asyncio.run(run())
    outcomes = []
    for i, c in enumerate(metas):
        answers = list(c["agent_answers"])  # type: ignore[call-overload]
        meta = {"elicitation": {**c, "agent_correct": [a == str(i) for a in answers]}}
        o = outcome_from_meta(f"q{i}", "reasoning", 1.0, meta)
        assert o is not None
        outcomes.append(o)
    for n in (1, 3, 5):
        accs = [expected_at(o, n)[0] for o in outcomes]
        est = wilson_interval(round(sum(accs)), len(accs))
        assert est.low is not None and est.high is not None
        assert est.low <= majority_theory(p, n) <= est.high, (n, est)


async def _timed(model: Model) -> tuple[float, dict[str, float]]:
    await model.generate("warm-up [answer=0]")
    start = time.perf_counter()
    out = await model.generate("Timed question [answer=7]")
    wall = time.perf_counter() - start
    assert out.metadata is not None
    return wall, out.metadata["contemplate"]


# Slack for a loaded CI machine; the alternative hypotheses (serial agents) are several delays away.
SLACK = 0.35


def test_parallel_agents_cost_one_delay_not_n() -> None:
    delay = 0.5
    wall1, c1 = asyncio.run(_timed(_model(agents=1, p=1.0, delay=delay)))
    wall8, c8 = asyncio.run(_timed(_model(agents=8, p=1.0, delay=delay)))
    # one agent: one delay; eight parallel agents with a vote: still about one delay, far from 8x
    assert delay <= c1["critical_path_s"] < delay + SLACK
    assert delay <= c8["critical_path_s"] < delay + SLACK
    assert wall8 < 2 * delay
    assert delay <= c8["ideal_critical_path_s"] < delay + SLACK
    assert c8["aggregator_latency_s"] == 0.0
    assert len(c8["agent_latency_s"]) == 8  # type: ignore[arg-type]
    assert c8["total_output_tokens"] == 8 * 6 and c8["total_input_tokens"] == 8 * 20


def test_llm_aggregator_adds_its_own_delay() -> None:
    delay, agg_delay = 0.4, 0.3
    _, c = asyncio.run(_timed(_model(agents=4, p=1.0, delay=delay, agg_delay=agg_delay, aggregator="judge")))
    # upper bounds against the serial cost measured in the same run, not against the clock: a
    # scheduling hiccup lengthens every concurrent agent alike (one CI run measured 1.55 s here)
    agents = c["agent_latency_s"]
    assert isinstance(agents, list) and len(agents) == 4
    assert delay + agg_delay <= c["critical_path_s"] < sum(agents) + c["aggregator_latency_s"]
    assert c["critical_path_s"] < max(agents) + c["aggregator_latency_s"] + SLACK
    assert agg_delay <= c["aggregator_latency_s"]
    _, c2 = asyncio.run(_timed(_model(agents=4, p=1.0, delay=delay, agg_delay=agg_delay, layers=2)))
    # two layers of parallel agents, vote aggregator: two delays
    assert 2 * delay <= c2["ideal_critical_path_s"] < 2 * delay + SLACK
    assert 2 * delay <= c2["critical_path_s"] < 2 * delay + SLACK


def test_synthesiser_answer_and_judge_choice() -> None:
    async def run() -> tuple[str, str]:
        s = await _model(agents=3, p=0.0, aggregator="synthesise").generate("Q [answer=42]")
        j = await _model(agents=3, p=1.0, aggregator="judge").generate("Q [answer=42]")
        return s.completion, j.completion

    synth, judged = asyncio.run(run())
    assert synth == "Final answer: 42"  # the scripted synthesiser reads the truth; agents were all wrong
    assert judged.endswith("Final answer: 42")


def test_serial_backend_service_times_exclude_queueing() -> None:
    from frontiergate.elicitation.records import CallRecord
    from frontiergate.models.contemplating import serial_service_times

    calls = [CallRecord("agent", i, 1, 0.0, 1.0 * (i + 1), 0.0, 0, 0, 0, "stop") for i in range(3)]
    serial_service_times(calls)
    assert [round(c.service_s, 6) for c in calls] == [1.0, 1.0, 1.0]


@pytest.mark.parametrize(
    "args",
    [
        {"agents": 0},
        {"agents": 17},
        {"agents": "many"},
        {"aggregator": "best"},
        {"layers": 3},
        {"personas": "pirate"},
        {"budget_mode": "sometimes"},
        {"temperatures": "hot"},
    ],
)
def test_bad_model_args_are_user_errors(args: dict[str, object]) -> None:
    with pytest.raises(ModelError):
        _model(**args)


def test_personas_are_applied_per_agent() -> None:
    from frontiergate.models.contemplating import PERSONAS, resolve_personas

    ps = resolve_personas("diverse", 8)
    assert ps[0] == PERSONAS["careful"] and ps[len(PERSONAS)] == PERSONAS["careful"]
    assert resolve_personas("none", 3) == [None, None, None]


def test_tool_calls_survive_and_are_voted_on() -> None:
    """Agents that act vote on the exact tool call; the chosen agent's call is returned intact."""
    from inspect_ai.model import ModelOutput
    from inspect_ai.tool import ToolInfo, ToolParams

    outputs = [
        ModelOutput.for_tool_call("mockllm", "add", {"x": 1, "y": 2}),
        ModelOutput.for_tool_call("mockllm", "add", {"x": 5, "y": 5}),
        ModelOutput.for_tool_call("mockllm", "add", {"x": 5, "y": 5}),
    ]
    model = get_model("contemplate/mockllm/model", memoize=False, agents=3, custom_outputs=outputs)
    add = ToolInfo(name="add", description="Add two numbers", parameters=ToolParams())
    out = asyncio.run(model.generate("What is 5 + 5?", tools=[add]))
    calls = out.message.tool_calls
    assert calls and calls[0].function == "add" and calls[0].arguments == {"x": 5, "y": 5}
    assert out.metadata and out.metadata["contemplate"]["chosen_agent"] == 1
