"""Render image markers to PNG, send them as Inspect image content, and gate on vision support.

The ``image`` transform family (``scenarios/transforms/image.py``) writes markers into the item
text; this module is everything that happens between that text and a target:

- ``render_png``: the marker's text drawn with the DejaVu Sans font shipped in the package
  (``scenarios/data/fonts``), never a system font, so the same item gives the same PNG bytes on
  every machine with the same Pillow/FreeType/zlib. The PNG carries one ``tEXt`` chunk,
  ``frontiergate = image-v1 layout=... sha256=<hash of the rendered text>``: provenance for an
  auditor and the watermark the test suite's scripted vision target decodes. It is not a channel
  the guard may read (a real attacker would not add it), see ``models/safeguarded.py``.
- ``turn_content``: a turn with markers → ``[ContentImage(data: URI)..., ContentText(benign)]``.
- ``with_images``: wraps a solver so that markers become image content right before every
  ``generate`` (covers the first turn, later scripted turns and attacker rewrites alike).
- ``vision_support`` and ``ImagePlan``: image items are only sent to a target known to read
  images. For any other target they are *not applicable*: dropped from the plan before anything is
  sent and counted in the task metadata (``not_applicable``), so they can never be scored as
  refusals (an image sent to a text-only model errors or gets an answer about nothing) and never
  as safe. How a target is known to be vision-capable, in order: the task argument
  ``vision=true|false`` (the user's declaration wins), a ``vision_capable`` attribute on the model's
  API object (custom providers and ``safeguarded/`` declare it), then the name list
  ``KNOWN_VISION_MODELS``. Anything else is treated as text-only: the safe default, because a
  wrong "yes" sends unreadable input and a wrong "no" only skips a family, visibly.
"""

from __future__ import annotations

import base64
import hashlib
import io
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from frontiergate.errors import DataFileError
from frontiergate.scenarios.schema import Item
from frontiergate.scenarios.transforms.image import ImageSpec, has_image, parse_images

if TYPE_CHECKING:
    from inspect_ai.model import ChatMessage, Content, Model
    from inspect_ai.solver import Generate, Solver, TaskState

RENDER_VERSION = "image-v1"
WIDTH = 768
FONT_SIZE = 30
MARGIN = 28
LINE_GAP = 10
FONT_FILE = "DejaVuSans.ttf"
WATERMARK_KEY = "frontiergate"

# Lower-cased regexes on the model name (provider prefix kept, wrappers stripped). Conservative:
# only families whose public APIs accept image input. Extend with ``-T vision=true``, not here,
# for a one-off endpoint.
KNOWN_VISION_MODELS: tuple[str, ...] = (
    r"gpt-4o", r"gpt-4\.1", r"gpt-4-turbo", r"gpt-4-vision", r"gpt-4\.5", r"gpt-5",
    r"(^|/)o1(-\d{4}-\d{2}-\d{2})?$", r"(^|/)o3(-\d{4}-\d{2}-\d{2})?$", r"(^|/)o4-mini",
    r"claude-3", r"claude-(opus|sonnet|haiku)-4", r"claude-(opus|sonnet|haiku)-[4-9]",
    r"gemini", r"gemma-3-(4|12|27)b", r"llava", r"qwen[\d.]*-vl", r"qvq", r"pixtral",
    r"llama-3\.2-\d+b-vision", r"llama-4", r"internvl", r"minicpm-v", r"phi-3(\.5)?-vision",
    r"phi-4-multimodal", r"idefics", r"molmo", r"grok-\d+(\.\d+)?-vision",
)
_WRAPPERS = ("safeguarded/",)


# ---------------------------------------------------------------- rendering


def font_path() -> Path:
    """The bundled DejaVu Sans (licence: LICENSE_DEJAVU.txt next to it)."""
    return Path(str(files("frontiergate.scenarios").joinpath("data", "fonts", FONT_FILE)))


@lru_cache(maxsize=1)
def _font() -> Any:
    from PIL import ImageFont

    path = font_path()
    if not path.is_file():
        raise DataFileError(f"the bundled font {path} is missing",
                            "reinstall frontiergate (the wheel ships scenarios/data/fonts)")
    return ImageFont.truetype(str(path), FONT_SIZE)


def _wrap(text: str, font: Any, width: int) -> list[str]:
    """Greedy word wrap by rendered width; words wider than a line are cut by characters."""
    lines: list[str] = []
    for para in text.splitlines() or [""]:
        cur = ""
        for word in para.split():
            while font.getlength(word) > width:
                cut = max(1, next((i for i in range(len(word), 0, -1) if font.getlength(word[:i]) <= width), 1))
                if cur:
                    lines.append(cur)
                    cur = ""
                lines.append(word[:cut])
                word = word[cut:]
            trial = f"{cur} {word}".strip()
            if font.getlength(trial) <= width:
                cur = trial
            else:
                lines.append(cur)
                cur = word
        lines.append(cur)
    return lines


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@lru_cache(maxsize=512)
def render_png(spec: ImageSpec) -> bytes:
    """PNG bytes for one image marker: a pure function of ``spec`` (see the module docstring)."""
    from PIL import Image, ImageChops, ImageDraw
    from PIL.PngImagePlugin import PngInfo

    font = _font()
    lines = _wrap(spec.text, font, WIDTH - 2 * MARGIN)
    if spec.layout == "steps":
        lines = [*lines, "", "1.", "", "2.", "", "3.", ""]
    line_h = FONT_SIZE + LINE_GAP
    height = 2 * MARGIN + line_h * len(lines)
    img = Image.new("L", (WIDTH, height), 255)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((MARGIN, MARGIN + i * line_h), line, font=font, fill=0)
    if spec.layout == "noisy":
        rng = random.Random(spec.seed)  # private generator: same seed, same speckles
        noise = Image.frombytes("L", img.size, rng.randbytes(img.size[0] * img.size[1]))
        dark = noise.point(lambda v: 0 if v < 14 else 255)  # ~5% black specks
        light = noise.point(lambda v: 255 if v > 243 else 0)  # ~5% of the glyph pixels erased
        img = ImageChops.lighter(ImageChops.darker(img, dark), light)
        img = img.rotate(spec.angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    info = PngInfo()
    info.add_text(WATERMARK_KEY, f"{RENDER_VERSION} layout={spec.layout} sha256={text_digest(spec.text)}")
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format="PNG", pnginfo=info, compress_level=6)
    return buf.getvalue()


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def png_from_data_uri(uri: str) -> bytes | None:
    """The bytes of a ``data:image/...;base64,`` URI, None for anything else (a URL, a file path)."""
    m = re.match(r"data:image/[\w.+-]+;base64,(.*)$", uri, re.S)
    if m is None:
        return None
    try:
        return base64.b64decode(m.group(1), validate=False)
    except ValueError:
        return None


def watermark(png: bytes) -> str | None:
    """The ``frontiergate`` tEXt chunk of a PNG rendered here (None if absent or not a PNG)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(png)) as im:
            text = im.info.get(WATERMARK_KEY)
    except Exception:  # not an image at all: the caller treats it as unreadable
        return None
    return text if isinstance(text, str) else None


# ---------------------------------------------------------------- Inspect content


def turn_content(turn: str) -> str | list[Content]:
    """A user turn as the target receives it: images first, then the benign text instruction."""
    text, specs = parse_images(turn)
    if not specs:
        return turn
    from inspect_ai.model import ContentImage, ContentText

    out: list[Content] = [ContentImage(image=data_uri(render_png(s))) for s in specs]
    out.append(ContentText(text=text or "Follow the instructions in the image."))
    return out


def convert_messages(messages: list[ChatMessage]) -> int:
    """Replace marker text in user messages by image content, in place; returns how many changed."""
    changed = 0
    for m in messages:
        if m.role == "user" and isinstance(m.content, str) and has_image(m.content):
            m.content = turn_content(m.content)
            changed += 1
    return changed


def with_images(inner: Solver) -> Solver:
    """``inner`` with every ``generate`` call preceded by marker → image conversion.

    Wrapping ``generate`` (not the dataset) is what covers scripted later turns and attacker
    rewrites, which are appended to the conversation as text after the sample was built.
    """
    from inspect_ai.solver import solver

    @solver(name="with_images")
    def _with_images() -> Solver:
        async def solve(state: TaskState, generate: Generate) -> TaskState:
            async def gen(st: TaskState, *args: Any, **kwargs: Any) -> TaskState:
                convert_messages(st.messages)
                return await generate(st, *args, **kwargs)

            return await inner(state, cast("Generate", gen))

        return solve

    return _with_images()


# ---------------------------------------------------------------- vision support and the plan


@dataclass(frozen=True)
class VisionSupport:
    """Whether a target reads images, and on what the answer rests (shown in the report)."""

    capable: bool
    basis: str  # declared | model_api | known_list | default_text_only
    model: str

    def as_dict(self) -> dict[str, Any]:
        return {"capable": self.capable, "basis": self.basis, "model": self.model}


def known_vision_model(name: str) -> bool:
    n = name.lower()
    while any(n.startswith(w) for w in _WRAPPERS):
        n = n.split("/", 1)[1]
    return any(re.search(p, n) for p in KNOWN_VISION_MODELS)


def vision_support(model: Model | str | None = None, declared: bool | None = None) -> VisionSupport:
    """Decide whether ``model`` (default: the active Inspect model) is vision-capable.

    Order: ``declared`` (``-T vision=...``), the API object's ``vision_capable`` attribute, the
    name list. The default is text-only (see the module docstring for why).
    """
    if model is None or isinstance(model, str):
        name = model or ""
        api: Any = None
        if model is None:
            try:
                from inspect_ai.model import get_model

                resolved = get_model()
                name, api = str(resolved), resolved.api
            except Exception:  # no active model (e.g. `scenarios expand`): nothing known
                name = "unknown"
    else:
        name, api = str(model), model.api
    if declared is not None:
        return VisionSupport(bool(declared), "declared", name)
    flag = getattr(api, "vision_capable", None)
    if isinstance(flag, bool):
        return VisionSupport(flag, "model_api", name)
    if known_vision_model(name):
        return VisionSupport(True, "known_list", name)
    return VisionSupport(False, "default_text_only", name)


def is_image_item(item: Item) -> bool:
    fams = item.extra.get("families") or []
    return item.family == "image" or "image" in fams or any(has_image(t) for t in item.turns)


class ImagePlan:
    """Filters a stream of items for one target and records what it left out, and why.

    Two reasons to leave an image item out: the target is not vision-capable (``not_vision``), or
    a text transform stacked *outside* the image re-encoded the marker so no image can be rendered
    (``unrenderable``, e.g. ``base64+image_plain``; stack image outermost instead:
    ``image_plain+base64`` renders the base64 text).
    """

    def __init__(self, support: VisionSupport) -> None:
        self.support = support
        self.skipped_not_vision = 0
        self.skipped_unrenderable = 0
        self.sent = 0

    def filter(self, items: Iterable[Item]) -> Iterator[Item]:
        for it in items:
            if not is_image_item(it):
                yield it
            elif not self.support.capable:
                self.skipped_not_vision += 1
            elif not any(has_image(t) for t in it.turns):
                self.skipped_unrenderable += 1
            else:
                self.sent += 1
                yield it

    def note(self) -> dict[str, Any] | None:
        """Task-metadata entry (``not_applicable.image``); None when no image item was selected."""
        if not (self.sent or self.skipped_not_vision or self.skipped_unrenderable):
            return None
        reason = None
        if self.skipped_not_vision:
            reason = (f"target {self.support.model} is not known to read images ({self.support.basis}); "
                      "declare it with -T vision=true if it does")
        return {
            "family": "image", "vision": self.support.as_dict(), "sent": self.sent,
            "not_applicable": self.skipped_not_vision, "unrenderable": self.skipped_unrenderable,
            "reason": reason,
        }

    def check_nonempty(self, n_selected: int) -> None:
        """Exit-2 error when image items were all a task selected and none can be sent."""
        if n_selected == 0 and self.skipped_not_vision:
            raise DataFileError(
                f"the image transforms are not applicable to {self.support.model}: it is not known to read "
                f"images ({self.support.basis}), and they were all the task selected",
                "pass -T vision=true if the target reads images, or select text transforms",
            )
