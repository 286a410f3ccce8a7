"""``frontiergate models``: what can be a target, and how to point a run at it."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from frontiergate.models.card import EMBEDDED_CARDS, EMBEDDED_MODEL, GEMMA_MODEL

PROVIDERS = [
    (
        EMBEDDED_MODEL,
        "embedded default: Qwen2.5-Coder-0.5B-Instruct (safety-tuned, native tool calls), in-process llama.cpp, "
        "no key, no network",
        "-",
    ),
    (GEMMA_MODEL, "embedded base model, no safety tuning: a pipeline check, in-process llama.cpp", "-"),
    (
        "openai-api/<name>/<model>",
        "any OpenAI-compatible server (vLLM, llama.cpp server, ...)",
        "<NAME>_API_KEY, <NAME>_BASE_URL or --model-base-url",
    ),
    ("vllm/<model>", "vLLM server or local vLLM", "VLLM_BASE_URL"),
    ("openai/<model>", "OpenAI API", "OPENAI_API_KEY"),
    ("anthropic/<model>", "Anthropic API (pip install anthropic)", "ANTHROPIC_API_KEY"),
    ("hf/<model>", "Hugging Face transformers, local weights (python scripts/install.py ml: CPU torch)", "-"),
    ("mockllm/model", "Inspect's mock model: for tests only, never a real result", "-"),
    ("safeguarded/<model>", "wraps <model> with input/output guards (-M guard=rules|principled)", "as <model>"),
    ("contemplate/<model>", "N parallel agents + aggregator over <model> (-M agents=4)", "as <model>"),
]


def register(app: typer.Typer) -> None:
    @app.command("models")
    def models() -> None:
        """List supported target kinds and the embedded models' cards."""
        console = Console()
        table = Table(title="Targets (any Inspect model string works)")
        for col in ("model string", "what", "configuration"):
            table.add_column(col)
        for row in PROVIDERS:
            table.add_row(*row)
        console.print(table)
        for name, card in EMBEDDED_CARDS.items():
            console.print(f"[bold]Model card: {name}[/bold]")
            for k, v in card.items():
                console.print(f"  {k}: {v}")
