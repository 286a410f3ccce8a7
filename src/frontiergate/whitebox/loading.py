"""White-box access: an open-weight target as a PyTorch model whose residual stream we can read and edit.

Why transformers over the GGUF: the embedded targets ship as llama.cpp GGUF files, which expose no
activations. ``transformers`` reads GGUF (Qwen2, Gemma 3) by de-quantising every tensor to float32,
so the PyTorch model *is* the embedded target up to quantisation rounding (the llama.cpp runtime
computes with the quantised weights; the de-quantised model is what the quantised one approximates).
The Qwen file is the assembled, SHA-256-verified one from ``models/weights.py``: the white-box
results then belong to exactly the model a behavioural run tested.

References: ``frontiergate/<embedded name>``; ``hf/PATH`` with PATH a local transformers directory
(config.json + weights) or a local ``.gguf`` file. Nothing is downloaded: every load is
``local_files_only``.

CPU frugality: threads are capped (``torch.set_num_threads``) before any work, because the machines
this runs on are shared; memory is about 4 bytes per parameter (float32), e.g. ~2 GB for Qwen 0.5B.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from frontiergate.errors import ModelError

EMBEDDED_PREFIX = "frontiergate/"
HF_PREFIX = "hf/"


@dataclass
class WhiteboxModel:
    """A causal LM with its tokenizer, a stable identity (``model_hash``) and how prompts are formatted.

    ``prompt_style`` is ``chat_template`` (the tokenizer's own template, as the instruct target sees
    it) or ``transcript`` (the plain ``User:``/``Assistant:`` rendering the embedded base model gets).
    """

    name: str
    model: Any
    tokenizer: Any
    model_hash: str
    prompt_style: str = "chat_template"
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n_layers(self) -> int:
        return int(self.model.config.num_hidden_layers)

    @property
    def hidden_size(self) -> int:
        return int(self.model.config.hidden_size)

    def decoder_layers(self) -> Any:
        """The list of decoder blocks (whose outputs are the residual stream after each layer)."""
        inner = getattr(self.model, "model", None)
        for cand in (getattr(inner, "layers", None), getattr(getattr(inner, "language_model", None), "layers", None),
                     getattr(getattr(self.model, "transformer", None), "h", None)):
            if cand is not None:
                return cand
        raise ModelError(f"cannot find the decoder layers of {type(self.model).__name__}",
                         "use a decoder-only transformers model (Qwen2, Gemma 3, Llama, GPT-2 style)")


def set_threads(n: int | None = None) -> int:
    """Cap torch's intra-op threads (``FRONTIERGATE_TORCH_THREADS``, default 1): shared CPUs."""
    import torch

    k = n if n is not None else int(os.environ.get("FRONTIERGATE_TORCH_THREADS", "1"))
    torch.set_num_threads(max(1, k))
    return max(1, k)


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _dir_fingerprint(path: Path) -> str:
    """A cheap identity for a transformers directory: its config and every weight file's name and size."""
    h = hashlib.sha256()
    cfg = path / "config.json"
    if cfg.is_file():
        h.update(cfg.read_bytes())
    for f in sorted(path.iterdir()):
        if f.suffix in (".safetensors", ".bin", ".gguf") and f.is_file():
            h.update(f"{f.name}:{f.stat().st_size}".encode())
    return h.hexdigest()


@dataclass(frozen=True)
class ModelSource:
    """Where a reference's weights live: a directory plus (for GGUF) the file name inside it."""

    name: str
    directory: Path
    gguf_file: str | None
    model_hash: str
    prompt_style: str


def resolve(ref: str) -> ModelSource:
    """``frontiergate/<embedded>`` or ``hf/PATH`` → local files and a hash (no loading yet)."""
    if ref.startswith(EMBEDDED_PREFIX):
        from frontiergate.models.embedded_spec import SPECS
        from frontiergate.models.weights import QWEN_WEIGHTS

        name = ref[len(EMBEDDED_PREFIX):]
        if name not in SPECS:
            raise ModelError(f"unknown embedded model '{ref}'",
                             f"use one of {', '.join(EMBEDDED_PREFIX + n for n in SPECS)} or hf/PATH")
        spec = SPECS[name]
        path = spec.locate_weights()  # Qwen: assembled and SHA-256-verified here
        digest = QWEN_WEIGHTS.sha256 if path.name == QWEN_WEIGHTS.filename else _file_sha256(path)
        style = "chat_template" if spec.prompt == "chat_template" else "transcript"
        return ModelSource(ref, path.parent, path.name, digest, style)
    if ref.startswith(HF_PREFIX):
        path = Path(ref[len(HF_PREFIX):]).expanduser()
        if path.is_file() and path.suffix == ".gguf":
            return ModelSource(ref, path.parent, path.name, _file_sha256(path), "chat_template")
        if path.is_dir() and (path / "config.json").is_file():
            return ModelSource(ref, path, None, _dir_fingerprint(path), "chat_template")
        raise ModelError(f"'{ref}': {path} is neither a local .gguf file nor a directory with config.json",
                         "give hf/PATH to a local transformers model directory or .gguf file (no downloads)")
    raise ModelError(f"'{ref}' is not a white-box model reference",
                     "use frontiergate/<embedded name> or hf/PATH (a local directory or .gguf file)")


def load(ref: str, threads: int | None = None) -> WhiteboxModel:
    """Load ``ref`` as a float32 PyTorch causal LM on the CPU, in eval mode, from local files only."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    set_threads(threads)
    src = resolve(ref)
    kwargs: dict[str, Any] = {"local_files_only": True}
    if src.gguf_file is not None:
        kwargs["gguf_file"] = src.gguf_file
    try:
        tok = AutoTokenizer.from_pretrained(str(src.directory), **kwargs)
        model = AutoModelForCausalLM.from_pretrained(str(src.directory), dtype=torch.float32, **kwargs)
    except (OSError, ValueError, ImportError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelError(f"transformers cannot load {ref}: {first}",
                         "check the files (and that gguf, accelerate and transformers are installed: "
                         "python scripts/install.py ml)") from None
    model.train(False)  # inference mode (dropout off); same as .eval()
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    style = src.prompt_style if getattr(tok, "chat_template", None) else "transcript"
    info = {"source": str(src.directory / (src.gguf_file or "")), "dtype": "float32",
            "n_params": int(sum(p.numel() for p in model.parameters()))}
    return WhiteboxModel(src.name, model, tok, src.model_hash, style, info)


def format_prompt(wb: WhiteboxModel, text: str, system: str | None = None) -> str:
    """``text`` as one user turn, formatted the way the target sees it, ending where the answer starts."""
    if wb.prompt_style == "chat_template":
        msgs: list[dict[str, str]] = ([{"role": "system", "content": system}] if system else [])
        msgs.append({"role": "user", "content": text})
        out = wb.tokenizer.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
        return str(out)
    from inspect_ai.model import ChatMessageSystem, ChatMessageUser

    from frontiergate.models.prompt_format import render_transcript

    messages: list[Any] = [ChatMessageSystem(content=system)] if system else []
    messages.append(ChatMessageUser(content=text))
    return render_transcript(messages)


def describe(wb: WhiteboxModel) -> dict[str, Any]:
    """JSON-able identity of a loaded model (stored beside every artefact computed from it)."""
    return {"model": wb.name, "model_hash": wb.model_hash, "n_layers": wb.n_layers, "hidden_size": wb.hidden_size,
            "prompt_style": wb.prompt_style, **wb.info}
