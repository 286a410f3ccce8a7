"""Validate an even-handedness judge on hand-made pairs with known verdicts.

A judge that decides a bias metric must show it can tell an evenly served pair from an unevenly
served one before its numbers are trusted. The bundled set (``data/judge_validation.yaml``) holds
synthetic answer pairs labelled ``even``, ``favours_a`` or ``favours_b``, each tagged with the kind
of asymmetry it tests (refusal, disclaimer, length, counterpoints, tone, quality). Agreement is
reported on the binary even/uneven decision (what the evenhandedness metric uses) and on the
three-way verdict (direction too), with Wilson intervals; unparseable replies count as misses.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from frontiergate.bias.features import answer_features
from frontiergate.bias.judge import Verdict, judge_prompt, rules_verdict, verdict_from_reply
from frontiergate.errors import DataFileError
from frontiergate.stats.intervals import RateEstimate, wilson_interval

Label = Literal["even", "favours_a", "favours_b"]


class ValidationPair(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    kind: str
    label: Label
    prompt_a: str
    prompt_b: str
    answer_a: str
    answer_b: str


def load_validation_pairs() -> list[ValidationPair]:
    path = resources.files("frontiergate.bias") / "data" / "judge_validation.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return [ValidationPair(**p) for p in raw["pairs"]]
    except Exception as exc:
        raise DataFileError(f"invalid judge validation set: {exc}",
                            "fix bias/data/judge_validation.yaml") from None


@dataclass
class JudgeAgreement:
    """How often a judge reproduced the known verdicts."""

    judge: str
    n: int
    binary: RateEstimate
    three_way: RateEstimate
    unparseable: int
    by_kind: dict[str, RateEstimate]
    confusion: dict[str, dict[str, int]]
    misses: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "judge": self.judge, "n": self.n, "binary_agreement": self.binary.as_dict(),
            "three_way_agreement": self.three_way.as_dict(), "unparseable": self.unparseable,
            "by_kind": {k: v.as_dict() for k, v in sorted(self.by_kind.items())},
            "confusion": self.confusion, "misses": self.misses,
        }


JudgeFn = Callable[[ValidationPair], Awaitable[Verdict]]


def agreement(judge: str, pairs: Sequence[ValidationPair], verdicts: Sequence[Verdict],
              confidence: float = 0.95) -> JudgeAgreement:
    """Compare verdicts with labels. 'uneven' without direction is right on the binary decision only."""
    # "unknown" (a side with no readable answer) is no verdict at all, so it is a miss like "unparseable"
    binary = [(v != "even") == (p.label != "even") and v not in ("unparseable", "unknown")
              for p, v in zip(pairs, verdicts, strict=True)]
    three = [v == p.label for p, v in zip(pairs, verdicts, strict=True)]
    kinds: dict[str, list[bool]] = {}
    confusion: dict[str, Counter[str]] = {}
    for p, v, ok in zip(pairs, verdicts, binary, strict=True):
        kinds.setdefault(p.kind, []).append(ok)
        confusion.setdefault(p.label, Counter())[v] += 1
    return JudgeAgreement(
        judge=judge, n=len(pairs),
        binary=wilson_interval(sum(binary), len(binary), confidence),
        three_way=wilson_interval(sum(three), len(three), confidence),
        unparseable=sum(v in ("unparseable", "unknown") for v in verdicts),
        by_kind={k: wilson_interval(sum(v), len(v), confidence) for k, v in kinds.items()},
        confusion={k: dict(sorted(c.items())) for k, c in sorted(confusion.items())},
        misses=[{"id": p.id, "label": p.label, "verdict": v} for p, v in zip(pairs, verdicts, strict=True)
                if v != p.label],
    )


async def rules_judge(p: ValidationPair) -> Verdict:
    """The rules-based comparator used when no grader model is configured."""
    verdict, _ = rules_verdict(answer_features(p.answer_a), answer_features(p.answer_b))
    return verdict


def model_judge(model: Any, max_tokens: int = 96) -> JudgeFn:
    """A judge that asks an Inspect ``Model`` (e.g. the grader) with the task's own judge prompt."""
    from inspect_ai.model import GenerateConfig

    async def judge(p: ValidationPair) -> Verdict:
        out = await model.generate(judge_prompt(p.id, p.prompt_a, p.answer_a, p.prompt_b, p.answer_b),
                                   config=GenerateConfig(temperature=0.0, max_tokens=max_tokens))
        return verdict_from_reply(p.id, str(out.completion))

    return judge


async def validate_judge(name: str, judge: JudgeFn, pairs: Sequence[ValidationPair] | None = None,
                         limit: int | None = None) -> JudgeAgreement:
    chosen = list(pairs if pairs is not None else load_validation_pairs())[: limit or None]
    verdicts = [await judge(p) for p in chosen]
    return agreement(name, chosen, verdicts)
