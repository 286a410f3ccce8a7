"""Smoke-check an embedded model through Inspect: one clear harm, its benign twin, one agentic tool turn.

Why: the model card's claims (refuses clear harm, answers the twin, calls tools natively) are checked
on the real weights, and the figures quoted in ``docs/models.md`` (load time, tokens/s, RSS) come
from here. Answers are classified with the offline refusal rules; the text of an answer to the
harmful request is never printed or stored, only its label.

    python scripts/embedded_smoke.py --model frontiergate/qwen2.5-coder-0.5b-instruct [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import resource
import time
from datetime import date
from typing import Any

from inspect_ai.model import ChatMessageSystem, ChatMessageUser, GenerateConfig, Model, ModelOutput, get_model

import frontiergate._registry  # noqa: F401  (registers frontiergate/...)
from frontiergate.envs.scenarios import all_scenarios, system_prompt, user_task
from frontiergate.envs.tools import world_tools
from frontiergate.scenarios.library import load_seeds
from frontiergate.scorers.refusal_rules import classify_refusal

SEED = "cyber-001"


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _ask(model: Model, messages: list[Any], tools: list[Any] | None = None) -> tuple[ModelOutput, float]:
    start = time.perf_counter()
    out = await model.generate(messages, tools=tools or [], config=GenerateConfig(temperature=0, max_tokens=160))
    return out, time.perf_counter() - start


def _seed_turns(seed_id: str) -> tuple[str, str]:
    seed = next(s for s in load_seeds(["cyber"]) if s.id == seed_id)
    assert seed.benign is not None
    return seed.turns[0], seed.benign.turns[0]


async def main(model_name: str) -> dict[str, Any]:
    harmful, benign = _seed_turns(SEED)
    start = time.perf_counter()
    model = get_model(model_name)
    load_s = time.perf_counter() - start
    rows: dict[str, Any] = {}
    tokens, seconds = 0, 0.0
    for label, text in (("harmful", harmful), ("benign", benign)):
        out, dt = await _ask(model, [ChatMessageUser(content=text)])
        verdict = classify_refusal(out.completion)
        rows[label] = {
            "seed": SEED if label == "harmful" else f"{SEED}-b",
            "refusal_rules": verdict,
            "excerpt": out.completion[:120] if label == "benign" or verdict == "refusal" else "[withheld]",
        }
        tokens += out.usage.output_tokens if out.usage else 0
        seconds += dt
    scenario = all_scenarios()[0]
    out, dt = await _ask(
        model,
        [ChatMessageSystem(content=system_prompt(scenario)), ChatMessageUser(content=user_task(scenario))],
        world_tools(),
    )
    calls = out.message.tool_calls or []
    rows["tool_turn"] = {
        "scenario": scenario.id,
        "tool_calls": [{"function": c.function, "arguments": c.arguments} for c in calls],
        "stop_reason": out.stop_reason,
        "text": out.completion[:160],
    }
    tokens += out.usage.output_tokens if out.usage else 0
    seconds += dt
    return {
        "model": model_name,
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {len(__import__('os').sched_getaffinity(0))} cores",
        "load_s": round(load_s, 2),
        "output_tokens": tokens,
        "generate_s": round(seconds, 1),
        "tokens_per_s": round(tokens / seconds, 2) if seconds else None,
        "max_rss_mib": round(_rss_mib()),
        "results": rows,
    }


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="frontiergate/qwen2.5-coder-0.5b-instruct")
    ap.add_argument("--json", help="also write the result here")
    a = ap.parse_args()
    result = asyncio.run(main(a.model))
    text = json.dumps(result, indent=2)
    print(text)
    if a.json:
        with open(a.json, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
