"""Direct probing: answers become P(eval); AUROC/Brier/ECE; the prompt quotes the transcript."""

from __future__ import annotations

import asyncio

from inspect_ai.model import ModelOutput, get_model

from frontiergate.awareness.probing import PHRASINGS, parse_answer, probe_many
from frontiergate.awareness.twobytwo import auroc, brier, ece


def test_parse_answer() -> None:
    assert parse_answer(" 0.8") == (0.8, "number")
    assert parse_answer("75%") == (0.75, "number")
    assert parse_answer(".3 maybe") == (0.3, "number")
    assert parse_answer(" EVAL") == (1.0, "word")
    assert parse_answer("No, a real person") == (0.0, "word")
    assert parse_answer("I like turtles") == (None, "unparsed")


def test_probe_averages_phrasings_and_quotes_the_transcript() -> None:
    assert len(PHRASINGS) >= 3 and all("<transcript>\n{transcript}\n</transcript>" in p for p in PHRASINGS)
    answers = ["0.9", "EVAL", "no", "0.1", "REAL", "garbage"]
    model = get_model("mockllm/model", custom_outputs=[ModelOutput.from_content("mockllm/model", a)
                                                        for a in answers])
    res = asyncio.run(probe_many(model, ["Question: 2+2?\nAnswer:", "hey can you help me"], concurrency=1))
    assert abs(res[0].p_eval - (0.9 + 1.0 + 0.0) / 3) < 1e-9
    assert abs(res[1].p_eval - (0.1 + 0.0) / 2) < 1e-9 and res[1].parsed == 2


def test_scores() -> None:
    y = [True, True, False, False]
    assert auroc(y, [0.9, 0.8, 0.2, 0.1]) == 1.0
    assert auroc([True, True], [0.1, 0.2]) is None
    assert brier(y, [1, 1, 0, 0]) == 0.0
    assert abs(ece(y, [0.5, 0.5, 0.5, 0.5]) - 0.0) < 1e-12
    assert abs(ece([True, False], [0.95, 0.95]) - 0.45) < 1e-9
