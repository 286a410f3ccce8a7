"""Thinking budget: one setting, mapped to whatever each provider offers.

A budget is a number of thinking tokens (or None for "answer directly"). Hosted reasoning models
take it through their own knobs (Anthropic/Google ``reasoning_tokens``, OpenAI-style
``reasoning_effort``). Models without a knob (local models, the embedded Gemma, plain chat
endpoints) get a *forced stop*: they think for at most ``budget`` tokens, are cut off, and are
asked for the final answer in a short continuation ("...\\nFinal answer:"). Either way a budget
means the same thing to the curves, so budgets can be compared across providers.

The length-penalised score ``accuracy - lambda * tokens`` measures a thinking-time penalty without
training: it is the objective a model trained with such a penalty would maximise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageUser,
    GenerateConfig,
    Model,
    ModelOutput,
    ModelUsage,
    get_model,
)
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.tool import Tool, ToolChoice, ToolInfo

from frontiergate.elicitation.answers import final_answer_span
from frontiergate.elicitation.records import CallRecord, now, record_call
from frontiergate.errors import FrontiergateError

BudgetMode = Literal["auto", "provider", "forced_stop"]

#: Providers whose reasoning is bounded by a token budget.
TOKEN_BUDGET_PROVIDERS = frozenset({"anthropic", "google", "vertex", "bedrock"})
#: Providers whose reasoning is bounded by an effort level.
EFFORT_PROVIDERS = frozenset({"openai", "azureai", "grok", "openrouter", "groq", "perplexity"})
#: Anthropic refuses thinking budgets below this.
MIN_PROVIDER_TOKENS = 1024

FINAL_ANSWER_PROMPT = "Time is up. Stop thinking and reply with only your final answer.\nFinal answer:"


@dataclass(frozen=True)
class BudgetPlan:
    """How one budget is applied to one model."""

    budget: int | None
    mode: Literal["none", "provider", "forced_stop"]
    overrides: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"budget": self.budget, "mode": self.mode, "overrides": dict(self.overrides)}


def effort_for(budget: int) -> Literal["minimal", "low", "medium", "high"]:
    """OpenAI-style effort for a token budget (boundaries follow typical reasoning lengths)."""
    if budget <= 256:
        return "minimal"
    if budget <= 2048:
        return "low"
    if budget <= 8192:
        return "medium"
    return "high"


def parse_budget(value: int | str | None) -> int | None:
    """Accept 256, "256", "none" or None (CLI and task args arrive as strings)."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "0")):
        return None
    try:
        b = int(value)
    except (TypeError, ValueError):
        raise FrontiergateError(
            f"thinking budget '{value}' is not a number of tokens",
            "use a positive integer such as 256, or 'none'",
        ) from None
    if b <= 0:
        return None
    return b


def plan_budget(model_name: str, budget: int | None, mode: BudgetMode = "auto") -> BudgetPlan:
    """Map one budget to the knobs of the provider that serves ``model_name``."""
    if budget is None:
        return BudgetPlan(None, "none")
    provider = model_name.split("/", 1)[0]
    use_provider = mode == "provider" or (
        mode == "auto" and (provider in TOKEN_BUDGET_PROVIDERS or provider in EFFORT_PROVIDERS)
    )
    if not use_provider:
        return BudgetPlan(budget, "forced_stop", {"max_tokens": budget})
    if provider in EFFORT_PROVIDERS:
        return BudgetPlan(budget, "provider", {"reasoning_effort": effort_for(budget)})
    return BudgetPlan(budget, "provider", {"reasoning_tokens": max(MIN_PROVIDER_TOKENS, budget)})


@dataclass
class BudgetRecord:
    """What a budgeted answer cost, call by call."""

    plan: BudgetPlan
    calls: list[CallRecord]
    continued: bool

    @property
    def thinking_tokens(self) -> int:
        return sum(c.reasoning_tokens for c in self.calls)

    @property
    def total_tokens(self) -> int:
        return sum(c.output_tokens for c in self.calls)

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.plan.as_dict(),
            "continued": self.continued,
            "thinking_tokens": self.thinking_tokens,
            "output_tokens": self.total_tokens,
            "calls": [c.as_dict() for c in self.calls],
        }


def _sum_usage(outputs: list[ModelOutput]) -> ModelUsage | None:
    usage: ModelUsage | None = None
    for o in outputs:
        if o.usage is not None:
            usage = o.usage if usage is None else usage + o.usage
    return usage


async def budgeted_generate(
    model: Model,
    messages: list[ChatMessage],
    budget: int | None,
    config: GenerateConfig | None = None,
    *,
    mode: BudgetMode = "auto",
    answer_tokens: int = 32,
    role: str = "agent",
    agent: int | None = None,
    layer: int = 1,
    tools: Sequence[Tool | ToolInfo] = (),
    tool_choice: ToolChoice | None = None,
) -> tuple[ModelOutput, BudgetRecord]:
    """Generate one answer within ``budget`` thinking tokens; see the module docstring.

    With tools, a turn may be an action rather than a thought, so a forced stop would cut tool
    calls in half: such turns get the provider knobs only (or no cap on local models).
    """
    base = (config or GenerateConfig()).model_copy(update={"reasoning_tokens": None})
    plan = plan_budget(str(model), budget, mode)
    if plan.mode != "forced_stop" or tools:
        cfg = base.merge(GenerateConfig(**plan.overrides)) if plan.mode == "provider" else base
        start = now()
        out = await model.generate(messages, tools=list(tools), tool_choice=tool_choice, config=cfg)
        rec = record_call(out, role, agent, layer, start, now())
        return out, BudgetRecord(plan, [rec], continued=False)

    start = now()
    first = await model.generate(messages, config=base.merge(GenerateConfig(max_tokens=budget)))
    calls = [record_call(first, role, agent, layer, start, now(), thinking=True)]
    thought = first.completion
    if final_answer_span(thought) is not None:
        return first, BudgetRecord(plan, calls, continued=False)
    follow = [
        *messages,
        ChatMessageAssistant(content=thought.rstrip() + "..."),
        ChatMessageUser(content=FINAL_ANSWER_PROMPT),
    ]
    start = now()
    second = await model.generate(follow, config=base.merge(GenerateConfig(max_tokens=answer_tokens)))
    calls.append(record_call(second, "continuation", agent, layer, start, now()))
    answer = second.completion.strip()
    span = final_answer_span(answer)
    answer = span if span is not None else (answer.splitlines()[0].strip() if answer else "")
    text = f"{thought.rstrip()}...\nFinal answer: {answer}"
    out = ModelOutput.from_content(model=str(model), content=text, stop_reason="stop")
    out.usage = _sum_usage([first, second])
    out.time = (first.time or 0.0) + (second.time or 0.0)
    return out, BudgetRecord(plan, calls, continued=True)


def length_penalised_score(accuracy: float, tokens: float, lam: float, per: float = 1000.0) -> float:
    """``accuracy - lam * tokens / per``: ``lam`` is the accuracy a model must gain per ``per`` tokens.

    With ``lam = 0.05`` an extra 1,000 thinking tokens are worth it only if they add more than five
    accuracy points, which is how a thinking-time penalty trades accuracy against compute.
    """
    return accuracy - lam * tokens / per


def _is_contemplating(model: Model) -> bool:
    from frontiergate.models.contemplating import ContemplatingAPI

    return isinstance(model.api, ContemplatingAPI)


@solver
def thinking_budget(budget: int | str | None = None, mode: BudgetMode = "auto", answer_tokens: int = 32) -> Solver:
    """Generate under a thinking budget, with any model.

    A contemplating model receives the budget as ``reasoning_tokens`` and applies it to every one
    of its agents; any other model is budgeted here directly.
    """
    b = parse_budget(budget)

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        model = get_model()
        if _is_contemplating(model):
            return await generate(state, reasoning_tokens=b) if b is not None else await generate(state)
        output, record = await budgeted_generate(
            model,
            state.messages,
            b,
            mode=mode,
            answer_tokens=answer_tokens,
            tools=state.tools,
            tool_choice=state.tool_choice,
        )
        output.metadata = {**(output.metadata or {}), "budget": record.as_dict()}
        state.output = output
        state.messages.append(output.message)
        return state

    return solve
