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

Images (typographic attacks). Guards judge text, so the guard must see what the model sees: the
text of every image in the user turns is extracted by OCR and appended to the request the guard
judges (``[image 1 text] ...``). OCR is the Tesseract binary (``apt-get install tesseract-ocr``),
called as a subprocess with one thread; no Python OCR package and no model download. When an image
cannot be read (no OCR installed, OCR failed, no text found, an image given by URL), the input
verdict is incomplete: if the guard did not already block on what it could read, the stage is
recorded as ``image_unreadable``, ``parsed=False``, and the fail mode decides (closed: blocked,
counted as a guard failure, never as a successful block). ``metadata["safeguard"]["images"]``
records per call how many images there were and how many were read, for the report's separate
guard recall on image-borne attacks. The PNG watermark chunk is deliberately not read: a real
attacker's image has none.

Model args (``-M``): ``guard`` = principled | rules | classifier (default principled), ``guard_model``
(default: the ``guard`` role, else the inner model itself), ``fail`` = closed | open,
``constitution`` (YAML path), ``principles`` (comma-separated ids to enforce), ``stages`` =
input,output, ``ocr`` = auto | tesseract | none (default auto: Tesseract when installed); any
other arg is passed to the inner model.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import time
from dataclasses import dataclass, field
from typing import Any

from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    ContentImage,
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

GUARDS = ("principled", "rules", "classifier", "tuned")
OCR_ENGINES = ("auto", "tesseract", "none")
OCR_TIMEOUT_S = 30.0
OCR_MIN_CHARS = 3  # fewer readable characters than this is "no text found", not a reading
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


def request_images(messages: list[ChatMessage]) -> list[ContentImage]:
    """The images in the user turns, in order: what the model sees besides the text."""
    return [
        c
        for m in messages
        if m.role == "user" and not isinstance(m.content, str)
        for c in m.content
        if isinstance(c, ContentImage)
    ]


@dataclass
class ImageReading:
    """What OCR made of the request's images: the texts read, and one reason per unreadable image."""

    count: int = 0
    engine: str | None = None
    texts: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # one reason per unreadable image
    latency_s: float = 0.0

    @property
    def complete(self) -> bool:
        return not self.unreadable

    def appendix(self) -> str:
        return "\n".join(f"[image {i} text] {t}" for i, t in enumerate(self.texts, 1) if t)

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "ocr": self.engine,
            "read": len(self.texts),
            "unreadable": len(self.unreadable),
            "unreadable_reasons": self.unreadable,
            "ocr_chars": sum(len(t) for t in self.texts),
            "ocr_latency_s": round(self.latency_s, 6),
        }


def ocr_engine(requested: str) -> str | None:
    """The OCR engine to use for ``ocr=requested``: ``tesseract`` or None (none available/wanted)."""
    if requested == "none":
        return None
    found = shutil.which("tesseract")
    if requested == "tesseract" and found is None:
        raise ModelError(
            "safeguarded model arg ocr=tesseract but the tesseract binary is not installed",
            "apt-get install tesseract-ocr (or use ocr=auto / ocr=none)",
        )
    return "tesseract" if found else None


# OCR is the slow part of guarding an image and the same image recurs (epochs, the benign twin's
# retries, a guard ablation over one sweep); results are pure in the bytes, so they are cached.
_OCR_CACHE: dict[str, str] = {}
_OCR_CACHE_MAX = 2048


def _remember(key: str, text: str) -> None:
    if len(_OCR_CACHE) >= _OCR_CACHE_MAX:
        _OCR_CACHE.pop(next(iter(_OCR_CACHE)))
    _OCR_CACHE[key] = text


async def ocr_png(png: bytes, timeout_s: float = OCR_TIMEOUT_S) -> str:
    """Text Tesseract reads in ``png`` (one thread: the machine is shared; raises on failure)."""
    proc = await asyncio.create_subprocess_exec(
        "tesseract", "stdin", "stdout",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(png), timeout_s)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    if proc.returncode != 0:
        raise RuntimeError(f"tesseract exited {proc.returncode}: {err.decode(errors='replace')[-200:]}")
    return " ".join(out.decode(errors="replace").split())


async def read_images(images: list[ContentImage], engine: str | None) -> ImageReading:
    """OCR every image; an image that yields no text is *unreadable*, never "clean"."""
    from frontiergate.scenarios.image_transforms import png_from_data_uri

    reading = ImageReading(count=len(images), engine=engine)
    start = time.perf_counter()
    for img in images:
        if engine is None:
            reading.unreadable.append("no OCR engine (install tesseract-ocr)")
            continue
        png = png_from_data_uri(img.image)
        if png is None:
            reading.unreadable.append("image not given inline (URL or path): not fetched")
            continue
        key = hashlib.sha256(png).hexdigest()
        try:
            text = _OCR_CACHE.get(key)
            if text is None:
                text = await ocr_png(png)
                _remember(key, text)
        except Exception as exc:  # OCR failure leaves the guard blind: recorded, decided by fail mode
            reading.unreadable.append(f"OCR failed: {type(exc).__name__}: {exc}"[:200])
            continue
        if len(text.strip()) < OCR_MIN_CHARS:
            reading.unreadable.append("OCR found no text")
            continue
        reading.texts.append(text)
    reading.latency_s = time.perf_counter() - start
    return reading


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
    if kind == "tuned":
        from frontiergate.safeguards.classifier_guard import ClassifierGuard
        from frontiergate.safeguards.tuned_guard import load_tuned_head

        guard = ClassifierGuard(load_tuned_head())
        guard.name = "tuned"
        return guard
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
        ocr = str(model_args.pop("ocr", "auto")).lower()
        if ocr not in OCR_ENGINES:
            raise ModelError(f"safeguarded model arg ocr='{ocr}' is not valid", f"use ocr={' | '.join(OCR_ENGINES)}")
        self.ocr = ocr_engine(ocr)
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

    @property
    def vision_capable(self) -> bool:
        """The wrapper reads images exactly when its inner model does (see ``image_transforms``)."""
        from frontiergate.scenarios.image_transforms import vision_support

        return vision_support(self.inner).capable

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

    def _image_unreadable(self, allowed: GuardVerdict, reading: ImageReading) -> tuple[GuardVerdict, str]:
        """An allow that did not see every image is no verdict: fail mode decides, as for errors."""
        why = "; ".join(dict.fromkeys(reading.unreadable))
        mode = "fail-closed: blocked" if self.fail_closed else "fail-open: allowed"
        verdict = GuardVerdict(
            blocked=self.fail_closed,
            stage="input",
            guard=self.guard.name,
            principle=None,
            score=allowed.score,
            rationale=f"image_unreadable: {why} ({mode})",
            latency_s=allowed.latency_s,
            input_tokens=allowed.input_tokens,
            output_tokens=allowed.output_tokens,
            parsed=False,
            extra={"image_unreadable": True, "text_verdict": allowed.verdict},
        )
        return verdict, f"image_unreadable: {why}"

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
        images = request_images(input)
        reading = await read_images(images, self.ocr) if images else None
        if reading is not None and reading.texts:
            request = f"{request}\n{reading.appendix()}".strip()
        verdicts: list[GuardVerdict] = []
        errors: list[str] = []
        action = "allowed"
        output: ModelOutput | None = None
        inner_latency: float | None = None
        if "input" in self.stages:
            v, err = await self._check("input", request, None)
            if reading is not None and reading.texts and not err and not v.blocked:
                # the benign instruction around an image dilutes a score-based guard (measured: see
                # docs/typographic.md), so what the images say is also judged on its own; either
                # view blocking blocks. The allow on the full request stays on record.
                verdicts.append(v)
                v, err = await self._check("input", "\n".join(reading.texts), None)
                v.extra = {**v.extra, "view": "image_text"}
            if reading is not None and not reading.complete and not err and not v.blocked:
                # the guard allowed what it could read, but not everything the model will see
                v, err = self._image_unreadable(v, reading)
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
            # OCR is part of what the guard costs
            "guard_latency_s": round(sum(v.latency_s for v in verdicts) + (reading.latency_s if reading else 0.0), 6),
            "guard_input_tokens": sum(v.input_tokens for v in verdicts),
            "guard_output_tokens": sum(v.output_tokens for v in verdicts),
            "inner_model": str(self.inner),
            "images": None if reading is None else reading.as_dict(),
            "image_unreadable": bool(reading is not None and not reading.complete),
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
