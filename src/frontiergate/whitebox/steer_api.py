"""``frontiergate-steer/<white-box ref>``: an Inspect model that answers with its residual stream steered.

Why an Inspect model and not a loop of ``generate`` calls: the steering experiment must run as an
Inspect task (``tasks/awareness_steer.py``) so that its samples land in the log, the store, the report
and the decision like every other evaluation; every steered answer is then a model event in the
transcript, with its token counts and the steering it ran under.

The model name is the white-box reference (``frontiergate/<embedded>`` or ``hf/PATH``); the model args
choose the condition (``none``, ``toward_deploy``, ``toward_test``, ``random``; see ``steering.py``),
the layer, the scale and where the direction comes from:

- ``direction="framings"`` (default): mean eval minus mean deploy activation, at ``layer``, of the
  framing-pair texts of the first ``direction_seeds`` shuffled scenario seeds (``probes.framing_pairs``);
  the task's prompts skip those seeds, so direction and outcome never share a seed;
- ``direction=PATH``: a ``.npy`` vector computed elsewhere (e.g. saved by ``frontiergate awareness steer
  --save-direction``), so one declared direction can be reused across runs and models of one family.

Tools (agentic episodes, ``tasks/awareness_steer_autonomy.py``). With tools offered, the whole
conversation and the tool declarations are rendered the way the embedded llama.cpp path renders them:
an instruct model through its own chat template (``apply_chat_template(..., tools=...)``, with the
messages and tools converted by ``models.chat_template``), a base model as the emulated-tool transcript
(``models.prompt_format.render_transcript``). The steered greedy answer is parsed by the same parser the
embedded API uses (``models.tool_emulation``: tagged ``<tool_call>`` blocks for the chat template, ``CALL``
lines for the transcript), so a steered episode differs from an unsteered embedded one only by the push
(and llama.cpp's quantised weights). Without tools, a single turn is answered exactly as before.

Concurrency. The four conditions are four ``ModelAPI`` instances over *one* loaded PyTorch model, and a
forward hook is global to the model: two answers generated at once under different conditions would
each see the other's push. Every use of a loaded model (direction, generation) therefore holds that
model's lock; Inspect's concurrency still overlaps everything else (scoring, logging).
"""

from __future__ import annotations

import asyncio
import functools
import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    ModelUsage,
    StopReason,
    modelapi,
)
from inspect_ai.tool import ToolCall, ToolChoice, ToolInfo
from numpy.typing import NDArray

from frontiergate.errors import ModelError
from frontiergate.whitebox.loading import EMBEDDED_PREFIX, HF_PREFIX, WhiteboxModel, load
from frontiergate.whitebox.steering import CONDITIONS, condition_vectors, contrastive_direction, generate

STEER_PROVIDER = "frontiergate-steer"
WHITEBOX_PROVIDERS = (EMBEDDED_PREFIX.rstrip("/"), HF_PREFIX.rstrip("/"))
"""Targets whose weights we can load and hook (everything else has no residual stream to steer)."""

_loaded: dict[str, tuple[WhiteboxModel, threading.Lock]] = {}
_loading = threading.Lock()
_computing = threading.Lock()  # one direction computation at a time (the four conditions ask at once)


def supports_steering(model_ref: str) -> bool:
    """Whether ``model_ref`` is a white-box target (or already the steering provider)."""
    return model_ref.split("/", 1)[0] in (*WHITEBOX_PROVIDERS, STEER_PROVIDER)


def whitebox(ref: str, threads: int | None = None) -> tuple[WhiteboxModel, threading.Lock]:
    """The loaded model of ``ref`` and its lock, loaded once per process (about 4 bytes a parameter)."""
    with _loading:
        if ref not in _loaded:
            _loaded[ref] = (load(ref, threads), threading.Lock())
        return _loaded[ref]


@dataclass(frozen=True)
class Steering:
    """The vectors of one (model, layer, scale, direction) setting, and what a reader needs to judge them."""

    layer: int
    scale: float
    vectors: dict[str, NDArray[np.float64] | None]
    direction_norm: float
    direction_source: str
    direction_rows: int
    seconds: float

    def info(self, condition: str) -> dict[str, Any]:
        vec = self.vectors.get(condition)
        return {"condition": condition, "layer": self.layer, "scale": self.scale,
                "direction_norm": self.direction_norm, "vector_norm": float(np.linalg.norm(vec)) if vec is not None
                else 0.0, "direction_source": self.direction_source, "direction_rows": self.direction_rows}


def _direction_rows(direction_seeds: int, seed: int) -> list[Any]:
    from frontiergate.whitebox.probes import framing_pairs

    return framing_pairs(direction_seeds, seed)


def default_layer(wb: WhiteboxModel) -> int:
    """The middle of the residual stream: declared in advance, never tuned on the outcome."""
    return max(1, wb.n_layers // 2)


MIN_DIRECTION_ROWS = 8
"""Framing texts a computed direction needs at least (two scenario seeds: eval and deploy of each seed and twin)."""


def check_push(direction: NDArray[np.float64], scale: float, n_rows: int, ref: str, source: str) -> None:
    """Refuse a push that cannot move anything: a zero or non-finite direction, a zero or non-finite scale, or a
    direction computed from fewer than ``MIN_DIRECTION_ROWS`` texts.

    Why: with a zero vector every arm (the equal-norm random control too) answers exactly as unsteered, and the
    metric would read the no-op as a measured null ("no significant effect")."""
    norm = float(np.linalg.norm(direction)) if direction.size else 0.0
    if not np.all(np.isfinite(direction)) or not math.isfinite(norm):
        raise ModelError(f"the steering direction of {ref} ({source}) has non-finite values",
                         "recompute the direction (direction=framings with direction_seeds >= 2, or a finite .npy)")
    if norm == 0.0:
        raise ModelError(f"the steering direction of {ref} ({source}) has zero norm, so no push would be applied",
                         "use direction=framings or a .npy file holding a non-zero vector")
    if not math.isfinite(scale) or scale == 0.0:
        raise ModelError(f"steering scale {scale} applies no push (every arm would answer as unsteered)",
                         "pass a non-zero, finite scale (e.g. scale=1.0: one class separation)")
    if source.startswith("framing pairs") and n_rows < MIN_DIRECTION_ROWS:
        raise ModelError(f"the steering direction of {ref} rests on {n_rows} framing texts "
                         f"(< {MIN_DIRECTION_ROWS})", "pass direction_seeds >= 2")


@functools.lru_cache(maxsize=16)
def steering_for(ref: str, layer: int | None, scale: float, direction: str, direction_seeds: int, seed: int,
                 cache_dir: str | None, threads: int | None) -> Steering:
    """Compute (once per process and setting) the steering vectors of ``ref``."""
    from frontiergate.whitebox.activations import default_cache_dir, extract

    wb, lock = whitebox(ref, threads)
    at = layer if layer is not None else default_layer(wb)
    if not 1 <= at <= wb.n_layers:
        raise ModelError(f"steering layer {at} is outside 1..{wb.n_layers} of {ref}",
                         f"pass layer=1..{wb.n_layers} (0 is the embedding output)")
    t = time.perf_counter()
    if direction == "framings":
        rows = _direction_rows(direction_seeds, seed)
        cache = Path(cache_dir) if cache_dir else default_cache_dir()
        with lock:
            acts = extract(wb, [r.text for r in rows], cache).pooled("mean")[:, at]
        d = contrastive_direction(acts, np.array([r.y for r in rows]))
        source, n_rows = f"framing pairs of {direction_seeds} scenario seeds (shuffle seed {seed}), mean pooling", len(
            rows)
    else:
        path = Path(direction).expanduser()
        try:
            d = np.asarray(np.load(path), dtype=np.float64).reshape(-1)
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read the steering direction {path}: {exc}",
                             "give direction=framings or a .npy file holding one vector") from None
        if d.shape != (wb.hidden_size,):
            raise ModelError(f"the steering direction in {path} has {d.size} values; {ref} has {wb.hidden_size}",
                             "compute the direction on the same model family (same hidden size)")
        source, n_rows = str(path), 0
    check_push(d, scale, n_rows, ref, source)
    vectors: dict[str, NDArray[np.float64] | None] = {"none": None, **condition_vectors(d, scale, seed)}
    return Steering(at, float(scale), vectors, float(np.linalg.norm(d)), source, n_rows, time.perf_counter() - t)


def _repetition_penalty(ref: str) -> float | None:
    """The embedded spec's repeat penalty (the Gemma base model loops without one), else none."""
    if not ref.startswith(EMBEDDED_PREFIX):
        return None
    from frontiergate.models.embedded_spec import SPECS

    spec = SPECS.get(ref[len(EMBEDDED_PREFIX):])
    return None if spec is None else float(spec.repeat_penalty)


class SteeredWhiteboxAPI(ModelAPI):
    """Greedy answers of a white-box model with one steering condition applied at every position."""

    def __init__(self, model_name: str, base_url: str | None = None, api_key: str | None = None,
                 config: GenerateConfig = GenerateConfig(), *, condition: str = "none", layer: int | None = None,
                 scale: float = 1.0, direction: str = "framings", direction_seeds: int = 25, seed: int = 0,
                 cache_dir: str | None = None, threads: int | None = None, **_: Any) -> None:
        super().__init__(model_name=model_name, base_url=base_url, api_key=api_key, config=config)
        if condition not in CONDITIONS:
            raise ModelError(f"unknown steering condition '{condition}'", f"use one of {', '.join(CONDITIONS)}")
        if not supports_steering(model_name) or model_name.startswith(STEER_PROVIDER):
            raise ModelError(f"'{model_name}' is not a white-box model reference",
                             f"use {STEER_PROVIDER}/frontiergate/<embedded> or {STEER_PROVIDER}/hf/PATH")
        self.condition = condition
        self._setting = (model_name, layer, float(scale), str(direction), int(direction_seeds), int(seed),
                         cache_dir, threads)

    def max_connections(self) -> int:
        return 1  # one hooked forward pass at a time per model (see the module docstring)

    def connection_key(self) -> str:
        """The four conditions of one model share one pool, so a queued answer waits *before* its attempt
        timeout starts (waiting on the model's lock inside it would time out under load)."""
        return self.model_name

    def _answer(self, system: str | None, text: str, max_tokens: int) -> tuple[str, dict[str, Any], int, int]:
        with _computing:
            st = steering_for(*self._setting)
        wb, lock = whitebox(self.model_name, self._setting[-1])
        with lock:
            answer, n_in, n_out = generate(wb, text, max_tokens, st.layer, st.vectors[self.condition], system=system,
                                           repetition_penalty=_repetition_penalty(self.model_name), counts=True)
        return answer, {**st.info(self.condition), "model_hash": wb.model_hash}, n_in, n_out

    def _answer_chat(self, input: list[ChatMessage], tools: list[ToolInfo], max_tokens: int
                     ) -> tuple[str, dict[str, Any], int, int, bool]:
        """A steered greedy answer to the whole conversation with ``tools`` declared (agentic turns)."""
        with _computing:
            st = steering_for(*self._setting)
        wb, lock = whitebox(self.model_name, self._setting[-1])
        prompt = render_prompt(wb, input, tools)
        with lock:
            answer, n_in, n_out = generate(wb, prompt, max_tokens, st.layer, st.vectors[self.condition],
                                           repetition_penalty=_repetition_penalty(self.model_name), counts=True,
                                           formatted=True)
        return answer, {**st.info(self.condition), "model_hash": wb.model_hash}, n_in, n_out, \
            wb.prompt_style == "chat_template"

    async def generate(self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice,
                       config: GenerateConfig) -> ModelOutput:
        max_tokens = config.max_tokens or 40
        offered = tools if tools and tool_choice != "none" else []
        tool_calls: list[ToolCall] | None = None
        if offered:
            answer, info, n_in, n_out, tagged = await asyncio.to_thread(self._answer_chat, input, offered, max_tokens)
            from frontiergate.models.tool_emulation import parse_tagged_tool_calls, parse_tool_calls

            answer, calls = (parse_tagged_tool_calls if tagged else parse_tool_calls)(answer, offered)
            tool_calls = calls or None
        else:
            system = "\n".join(m.text for m in input if m.role == "system") or None
            users = [m.text for m in input if m.role == "user"]
            text = users[-1] if users else ""
            answer, info, n_in, n_out = await asyncio.to_thread(self._answer, system, text, max_tokens)
        stop: StopReason = "tool_calls" if tool_calls else "max_tokens" if n_out >= max_tokens else "stop"
        return ModelOutput(
            model=self.model_name,
            choices=[ChatCompletionChoice(
                message=ChatMessageAssistant(content=answer.strip(), model=self.model_name, source="generate",
                                             tool_calls=tool_calls),
                stop_reason=stop)],
            usage=ModelUsage(input_tokens=n_in, output_tokens=n_out, total_tokens=n_in + n_out),
            metadata={"steering": info},
        )


def render_prompt(wb: WhiteboxModel, input: list[ChatMessage], tools: list[ToolInfo]) -> str:
    """The conversation and its tools as the target is prompted in the embedded path, ending where the
    answer starts: the model's own chat template (messages and tools as ``models.chat_template`` converts
    them for llama.cpp), or for a base model the emulated-tool transcript."""
    if wb.prompt_style == "chat_template":
        from frontiergate.models.chat_template import template_message, template_tools

        kwargs: dict[str, Any] = {"tools": template_tools(tools)} if tools else {}
        return str(wb.tokenizer.apply_chat_template([template_message(m) for m in input], tokenize=False,
                                                    add_generation_prompt=True, **kwargs))
    from frontiergate.models.prompt_format import render_transcript

    return render_transcript(input, tools or None)


@modelapi(name=STEER_PROVIDER)
def _steer_provider() -> type[ModelAPI]:
    return SteeredWhiteboxAPI
