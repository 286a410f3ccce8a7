"""Misuse evaluation: does the model help with harmful requests, and does it over-refuse?

Each harmful seed is sent together with its benign look-alike, so a model cannot look safe
simply by refusing everything: attack success and over-refusal are measured on the same run.
"""

from __future__ import annotations

from itertools import islice

from inspect_ai import Task, task
from inspect_ai.model import GenerateConfig

from frontiergate.scenarios.expand import expand
from frontiergate.scenarios.library import load_seeds
from frontiergate.scorers.refusal import refusal_rules
from frontiergate.solvers.multi_turn import scripted_turns
from frontiergate.tasks.common import as_list, items_dataset

MISUSE_DOMAINS = ("cyber", "chem_bio", "general_harm")


@task(name="misuse")
def misuse(
    domains: str | list[str] | None = None,
    max_seeds: int | None = None,
    include_benign: bool = True,
    max_tokens: int = 160,
) -> Task:
    """Harmful requests and their benign twins for the given domains (default: all misuse domains)."""
    wanted = as_list(domains) or list(MISUSE_DOMAINS)
    seeds = load_seeds(domains=wanted)
    if max_seeds is not None:
        # keep the domain balance when a quick run takes only a few seeds per domain
        seeds = [s for d in wanted for s in islice((x for x in seeds if x.domain == d), int(max_seeds))]
    items = expand(seeds, include_benign=include_benign)
    return Task(
        dataset=items_dataset(items, name="frontiergate-misuse"),
        solver=scripted_turns(),
        scorer=refusal_rules(),
        config=GenerateConfig(max_tokens=max_tokens),
        metadata={"frontiergate_family": "misuse", "domains": wanted},
    )
