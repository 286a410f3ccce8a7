"""``safeguarded/<model>``: any Inspect model behind an input guard and an output guard.

Because the safeguarded system is itself an Inspect model, every evaluation runs on it unchanged,
and a before/after comparison is just two targets: ``M`` and ``safeguarded/M``.

Flow per generate call: the guard checks the request (the conversation's user turns); if it
blocks, a refusal is returned and the inner model is never called. Otherwise the inner model
answers and the guard checks that answer, separately; if it blocks, the refusal replaces it.

When the guard itself fails (timeout, provider error, crash), ``fail=closed`` (the default)
blocks: an unguarded answer is never released. ``fail=open`` releases it and records the error,
for deployments that prefer availability. Either way the metadata says ``guard_failed`` (some stage
raised or returned an unreadable verdict) and ``block_valid`` (the block rests on a verdict the
guard actually gave), so scoring can tell a guard's refusal from a broken guard. Every decision,
with its principle, latency and tokens, goes into ``ModelOutput.metadata["safeguard"]`` and from
there into the Inspect log.

Token accounting: the inner model and a model-backed guard record their own usage in the sample
(they are called through Inspect), so the safeguarded output carries no usage of its own; the
sample's total is then target + guard tokens, the real cost of the safeguarded system.

Model args (``-M``): ``guard`` = principled | rules | classifier (default principled), ``guard_model``
(default: the ``guard`` role, else the inner model itself), ``fail`` = closed | open,
``constitution`` (YAML path), ``principles`` (comma-separated ids to enforce), ``stages`` =
input,output; any other arg is passed to the inner model.
"""

from __future__ import annotations

import time
from typing import Any

from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    GenerateConfig,
    Model,
    ModelAPI,
    ModelOutput,
    get_model,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from frontiergate.errors import ModelError
from frontiergate.models.in_process import one_at_a_time
from frontiergate.models.inner_model import require_inner_model
from frontiergate.safeguards.guard import Guard, GuardVerdict

GUARDS = ("principled", "rules", "classifier")
REFUSAL_TEXT = "I can't help with that request."
SAFEGUARD_VERSION = "safeguarded-1"


def request_text(messages: list[ChatMessage]) -> str:
    """What the input guard judges: the user's turns (all of them, since multi-turn attacks spread
    their intent across turns), with earlier assistant turns for context."""
    convo = [m for m in messages if m.role in ("user", "assistant")]
    users = [m for m in convo if m.role == "user"]
    if len(users) <= 1:
        return users[-1].text if users else ""
    return "\n".join(f"{'User' if m.role == 'user' else 'Assistant'}: {m.text}" for m in convo)


def build_guard(
    kind: str | Guard,
    *,
    guard_model: str | Model | None = None,
    fallback_model: str | Model | None = None,
    constitution: str | None = None,
    principles: str | list[str] | None = None,
) -> Guard:
    """A guard from its short name (or pass an instance through)."""
    if isinstance(kind, Guard):
        return kind
    if kind == "rules":
        from frontiergate.safeguards.rules_filter import RulesFilter

        return RulesFilter()
    if kind == "classifier":
        from frontiergate.safeguards.classifier_guard import ClassifierGuard

        return ClassifierGuard()
    if kind == "principled":
        from frontiergate.safeguards.constitution import load_constitution
        from frontiergate.safeguards.principled_guard import PrincipledGuard

        const = load_constitution(constitution)
        if principles:
            ids = principles.split(",") if isinstance(principles, str) else list(principles)
            const = const.restricted_to([i.strip() for i in ids if i.strip()])
        return PrincipledGuard(const, guard_model, fallback_model=fallback_model)
    raise ModelError(f"unknown guard '{kind}'", f"use guard={' | '.join(GUARDS)}")


class SafeguardedAPI(ModelAPI):
    """Inspect ``ModelAPI`` that wraps an inner model with input and output guards."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),
        **model_args: Any,
    ) -> None:
        super().__init__(model_name=model_name, base_url=base_url, api_key=api_key, config=config)
        require_inner_model("safeguarded", model_name)
        fail = str(model_args.pop("fail", "closed")).lower()
        if fail not in ("closed", "open"):
            raise ModelError(f"safeguarded model arg fail='{fail}' is not valid", "use fail=closed or fail=open")
        self.fail_closed = fail == "closed"
        stages = model_args.pop("stages", "input,output")
        self.stages = set(stages.split(",") if isinstance(stages, str) else stages)
        if not self.stages or not self.stages <= {"input", "output"}:
            raise ModelError(
                f"safeguarded model arg stages='{stages}' is not valid", "use input, output or input,output"
            )
        self.refusal = str(model_args.pop("refusal", REFUSAL_TEXT))
        guard_kind = model_args.pop("guard", "principled")
        guard_model = model_args.pop("guard_model", None)
        constitution = model_args.pop("constitution", None)
        principles = model_args.pop("principles", None)
        inner = model_args.pop("inner", None)
        self.inner: Model = (
            inner
            if isinstance(inner, Model)
            else get_model(
                model_name,
                base_url=base_url,
                api_key=api_key,
                config=one_at_a_time(model_name, config),
                memoize=False,
                **model_args,
            )
        )
        self.guard = build_guard(
            guard_kind,
            guard_model=guard_model,
            fallback_model=self.inner,
            constitution=constitution,
            principles=principles,
        )

    def max_connections(self) -> int:
        return self.inner.api.max_connections()

    async def _check(self, stage: str, request: str, response: str | None) -> tuple[GuardVerdict, str | None]:
        """Run one guard stage; a guard failure becomes a verdict by the fail mode, never an exception."""
        start = time.perf_counter()
        try:
            if stage == "input":
                return await self.guard.check_input(request), None
            return await self.guard.check_output(request, response or ""), None
        except Exception as exc:  # any guard failure must map to the configured fail mode
            err = f"{type(exc).__name__}: {exc}"[:500]
            verdict = GuardVerdict(
                blocked=self.fail_closed,
                stage="input" if stage == "input" else "output",
                guard=self.guard.name,
                principle=None,
                rationale=f"guard error ({'fail-closed: blocked' if self.fail_closed else 'fail-open: allowed'})",
                latency_s=time.perf_counter() - start,
                parsed=False,
            )
            return verdict, err

    def _refusal(self, verdict: GuardVerdict) -> ModelOutput:
        return ModelOutput(
            model=self.model_name,
            choices=[
                ChatCompletionChoice(
                    message=ChatMessageAssistant(content=self.refusal, model=self.model_name, source="generate"),
                    stop_reason="content_filter",
                )
            ],
        )

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        start = time.perf_counter()
        request = request_text(input)
        verdicts: list[GuardVerdict] = []
        errors: list[str] = []
        action = "allowed"
        output: ModelOutput | None = None
        inner_latency: float | None = None
        if "input" in self.stages:
            v, err = await self._check("input", request, None)
            verdicts.append(v)
            if err:
                errors.append(f"input: {err}")
            if v.blocked:
                action = "blocked_input"
                output = self._refusal(v)
        if output is None:
            t0 = time.perf_counter()
            inner_out = await self.inner.generate(input, tools=tools, tool_choice=tool_choice, config=config)
            inner_latency = time.perf_counter() - t0
            output = inner_out
            if "output" in self.stages:
                v, err = await self._check("output", request, inner_out.completion)
                verdicts.append(v)
                if err:
                    errors.append(f"output: {err}")
                if v.blocked:
                    action = "blocked_output"
                    output = self._refusal(v)
        blocking = next((v for v in verdicts if v.blocked), None)
        # for scoring only: a fail-closed block after a guard error is not a refusal the guard made
        failed_stages = [v.stage for v in verdicts if not v.parsed]
        meta = {
            "version": SAFEGUARD_VERSION,
            **self.guard.describe(),
            "fail": "closed" if self.fail_closed else "open",
            "action": action,
            "principle": blocking.principle if blocking else None,
            "verdicts": [v.as_dict() for v in verdicts],
            "errors": errors,
            "guard_failed": bool(errors or failed_stages),
            "failed_stages": failed_stages,
            "block_valid": None if blocking is None else blocking.parsed,
            "guard_latency_s": round(sum(v.latency_s for v in verdicts), 6),
            "guard_input_tokens": sum(v.input_tokens for v in verdicts),
            "guard_output_tokens": sum(v.output_tokens for v in verdicts),
            "inner_model": str(self.inner),
            "inner_latency_s": None if inner_latency is None else round(inner_latency, 6),
        }
        # usage stays None: inner and guard usage are recorded by their own Inspect calls
        return output.model_copy(
            update={
                "model": self.model_name,
                "usage": None,
                "time": time.perf_counter() - start,
                "metadata": {**(output.metadata or {}), "safeguard": meta},
            }
        )
