"""Thinking budget mapping, forced stop with a final-answer continuation, answer extraction."""

from __future__ import annotations

import asyncio

import pytest
from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import Sample
from inspect_ai.model import ChatMessageUser, ModelOutput, get_model

import frontiergate._registry  # noqa: F401
from frontiergate.elicitation.answers import extract_answer, normalise
from frontiergate.elicitation.budget import (
    budgeted_generate,
    length_penalised_score,
    parse_budget,
    plan_budget,
    thinking_budget,
)
from frontiergate.elicitation.generated import generate_problems
from frontiergate.errors import FrontiergateError


def test_one_budget_maps_to_each_providers_knob() -> None:
    assert plan_budget("anthropic/claude-sonnet-4", 500).overrides == {"reasoning_tokens": 1024}
    assert plan_budget("google/gemini-2.5-pro", 4000).overrides == {"reasoning_tokens": 4000}
    assert plan_budget("openai/o3", 200).overrides == {"reasoning_effort": "minimal"}
    assert plan_budget("openai/o3", 4000).overrides == {"reasoning_effort": "medium"}
    assert plan_budget("openai/o3", 20000).overrides == {"reasoning_effort": "high"}
    local = plan_budget("frontiergate/gemma-3-270m", 64)
    assert local.mode == "forced_stop" and local.overrides == {"max_tokens": 64}
    assert plan_budget("openai/o3", 64, mode="forced_stop").mode == "forced_stop"
    assert plan_budget("openai/o3", None).mode == "none"


def test_parse_budget() -> None:
    assert parse_budget("none") is None and parse_budget(None) is None and parse_budget("128") == 128
    with pytest.raises(FrontiergateError):
        parse_budget("lots")


def test_forced_stop_then_final_answer_continuation() -> None:
    thinking = ModelOutput.from_content("mockllm", "Let me add 17 and 25: 17 + 2")
    thinking.choices[0].stop_reason = "max_tokens"
    outputs = [thinking, ModelOutput.from_content("mockllm", "42")]
    model = get_model("mockllm/model", custom_outputs=outputs)
    out, rec = asyncio.run(budgeted_generate(model, [ChatMessageUser(content="17+25?")], 16))
    assert out.completion == "Let me add 17 and 25: 17 + 2...\nFinal answer: 42"
    assert rec.continued and rec.plan.mode == "forced_stop" and len(rec.calls) == 2
    assert rec.calls[0].reasoning_tokens == rec.calls[0].output_tokens > 0  # thinking phase counts as reasoning
    assert rec.calls[1].role == "continuation"
    assert extract_answer(out.completion, "number") == "42"


def test_no_continuation_when_the_answer_is_already_there() -> None:
    model = get_model("mockllm/model", custom_outputs=[ModelOutput.from_content("mockllm", "Final answer: B")])
    out, rec = asyncio.run(budgeted_generate(model, [ChatMessageUser(content="q")], 64))
    assert out.completion == "Final answer: B" and not rec.continued and len(rec.calls) == 1


def test_thinking_budget_solver_in_an_eval(tmp_path: object) -> None:
    outputs = [
        ModelOutput.from_content("mockllm", "thinking about it"),
        ModelOutput.from_content("mockllm", "7"),
    ]
    task = Task(dataset=[Sample(input="3+4?", target="7")], solver=thinking_budget(32))
    log = inspect_eval(task, model="mockllm/model", model_args={"custom_outputs": outputs}, display="none")[0]
    assert log.status == "success" and log.samples
    out = log.samples[0].output
    assert out.completion.endswith("Final answer: 7")
    assert out.metadata and out.metadata["budget"]["mode"] == "forced_stop" and out.metadata["budget"]["continued"]


def test_length_penalised_score() -> None:
    assert length_penalised_score(0.8, 2000, 0.05) == pytest.approx(0.7)
    assert length_penalised_score(0.8, 0, 0.05) == 0.8


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("Reasoning...\nFinal answer: (B) Confidentiality", "mc", "b"),
        ("final answer: c.", "mc", "c"),
        ("So the answer is 1,234.", "number", "1234"),
        ("We get 12 then 15.0", "number", "15"),
        ("Final answer: Iris.", "word", "iris"),
        ("B", None, "b"),
        ("A long ramble without any conclusion at all here", "mc", None),
    ],
)
def test_extract_answer(text: str, kind: str | None, expected: str | None) -> None:
    assert extract_answer(text, kind) == expected  # type: ignore[arg-type]


def test_normalise_numbers_and_words() -> None:
    assert normalise("42.0", "number") == "42"
    assert normalise("The Mitochondrion", "word") == "mitochondrion"


def test_generated_problems_are_deterministic_and_correct() -> None:
    a = generate_problems(30, difficulty=2, seed=5)
    b = generate_problems(30, difficulty=2, seed=5)
    assert a == b and a != generate_problems(30, difficulty=2, seed=6)
    assert generate_problems(10, seed=5, difficulty=2) == a[:10]  # a larger run extends a smaller one
    for p in a:
        if p.template == "ordering":
            facts = [s.split(" is taller than ") for s in p.prompt.split(". ") if " is taller than " in s]
            taller = {x for x, _ in facts}
            shorter = {y.rstrip(".") for _, y in facts}
            names = taller | shorter
            expected = (names - shorter) if "tallest" in p.prompt else (names - taller)
            assert {n.lower() for n in expected} == {p.answer}
        elif p.template == "counting":
            nums = [int(x) for x in p.prompt.split(": ")[1].rstrip("?").split(", ")]
            even = " even:" in p.prompt
            assert str(sum(1 for n in nums if (n % 2 == 0) == even)) == p.answer
        else:
            assert p.answer.isdigit()


def test_capability_task_dataset_and_fewshot() -> None:
    from frontiergate.tasks.capability import capability

    plain = capability(domains="cyber,reasoning", n_generated=3, max_per_domain=2)
    ids = [s.id for s in plain.dataset]
    assert ids[:2] == ["cyber-001", "cyber-002"] and len(ids) == 5
    meta = plain.dataset[0].metadata or {}
    assert meta["domain"] == "cyber" and meta["harmful"] is None and meta["extra"]["answer_kind"] == "mc"
    shots = capability(domains="cyber", max_per_domain=1, fewshot=2).dataset[0].input
    assert isinstance(shots, list) and [m.role for m in shots] == ["user", "assistant"] * 2 + ["user"]
    assert shots[-1].text.startswith("Which property of information security")
