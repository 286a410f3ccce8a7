"""Misuse evaluation: does the model help with harmful requests, and does it over-refuse?

Each harmful seed is sent together with its benign look-alike, so a model cannot look safe
simply by refusing everything: attack success and over-refusal are measured on the same run.
Transforms turn each seed into adversarial variants (the benign twin receives the same wrapper),
an optional PAIR attacker (model role ``attacker``) refines prompts adaptively, and
``scenario_file`` brings an external behaviour set through the same machinery.

Examples::

    inspect eval frontiergate/misuse --model mockllm/model -T max_seeds=2
    inspect eval frontiergate/misuse -T transforms=roleplay,encoding -T max_variants=400 --model ...
    inspect eval frontiergate/misuse -T scenario_file=behaviors.csv -T prompt_column=Behavior \
        -T id_column=BehaviorID -T category_column=SemanticCategory -T scenario_domain=general_harm
    inspect eval frontiergate/misuse --model-role attacker=openai/gpt-4o-mini --model ...
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from inspect_ai import Task, task
from inspect_ai.model import GenerateConfig

from frontiergate.errors import DataFileError
from frontiergate.scenarios.expand import expand
from frontiergate.scenarios.external import ColumnMapping, load_external
from frontiergate.scenarios.image_transforms import ImagePlan, vision_support, with_images
from frontiergate.scenarios.library import load_seed_file, load_seeds
from frontiergate.scenarios.schema import Item, Seed
from frontiergate.scorers.refusal import refusal_rules
from frontiergate.scorers.refusal_judge import refusal_judge
from frontiergate.solvers.multi_turn import scripted_turns
from frontiergate.solvers.pair_attacker import pair_attacker
from frontiergate.tasks.cascade import cascade_outcomes
from frontiergate.tasks.common import as_list, items_dataset

MISUSE_DOMAINS = ("cyber", "chem_bio", "general_harm")


def _load_scenarios(
    scenario_file: str | None, wanted: list[str] | None, mapping: ColumnMapping
) -> list[Seed]:
    if scenario_file is None:
        return load_seeds(domains=wanted or list(MISUSE_DOMAINS))
    path = Path(scenario_file)
    is_yaml = path.suffix.lower() in (".yaml", ".yml")
    seeds = load_seed_file(path) if is_yaml else load_external(path, mapping)
    if wanted:
        seeds = [s for s in seeds if s.domain in wanted]
        if not seeds:
            raise DataFileError(f"{path}: no scenarios in domains {', '.join(wanted)}",
                                "drop `domains` or check the file's domain values")
    return seeds


class _Hashing:
    """Pass items through while hashing them (same digest as ``schema.items_hash``)."""

    def __init__(self, items: Iterable[Item]) -> None:
        self._items = items
        self._h = hashlib.sha256()

    def __iter__(self) -> Iterator[Item]:
        for it in self._items:
            self._h.update(json.dumps(it.model_dump(), sort_keys=True, separators=(",", ":")).encode())
            self._h.update(b"\n")
            yield it

    def hexdigest(self) -> str:
        return self._h.hexdigest()


@task(name="misuse")
def misuse(
    domains: str | list[str] | None = None,
    max_seeds: int | None = None,
    include_benign: bool = True,
    max_tokens: int = 160,
    transforms: str | list[str] | None = None,
    stack_depth: int = 1,
    max_variants: int | None = None,
    include_base: bool = True,
    seed: int = 0,
    scenario_file: str | None = None,
    scenario_domain: str | None = None,
    prompt_column: str = "prompt",
    id_column: str | None = None,
    category_column: str | None = None,
    domain_column: str | None = None,
    severity_column: str | None = None,
    benign_column: str | None = None,
    context_column: str | None = None,
    attacker: bool | None = None,
    attacker_rounds: int = 3,
    judge: bool = False,
    cascade: bool = False,
    vision: bool | None = None,
) -> Task:
    """Harmful requests and their benign twins, optionally transformed and attacked.

    Args:
        domains: misuse domains to include (comma string or list; default all bundled ones).
        max_seeds: at most this many seeds per domain (keeps the domain balance).
        include_benign: also send each seed's benign look-alike (over-refusal control).
        max_tokens: generation limit per turn.
        transforms: transform names, family names, ``all`` or chains ``a+b`` (default: none).
        stack_depth: stack up to this many selected transforms per variant.
        max_variants: cap on the number of items (balanced across seeds and families).
        include_base: keep the untransformed items alongside the variants.
        seed: expansion seed; the same seed gives the same prompts byte for byte.
        scenario_file: bring-your-own scenarios: our YAML schema, or CSV/JSONL with the column args.
        scenario_domain: domain for every row of a CSV/JSONL file (or use ``domain_column``).
        prompt_column, id_column, category_column, domain_column, severity_column, benign_column,
            context_column: column mapping for CSV/JSONL files.
        attacker: PAIR attacker: None uses it when an ``attacker`` model role is bound, True
            requires it, False never uses it.
        attacker_rounds: maximum PAIR refinement rounds per harmful item.
        judge: also score with the principle-based judge (Inspect ``grader`` role); analysis then
            prefers the judge's verdict over the rules classifier.
        cascade: also score every configuration of a cascade sweep target (``contemplate/M -M
            cascade=...``, see ``tasks/cascade.py``); other targets get an inapplicable score.
        vision: whether the target reads images (``image`` transforms). None decides from the
            model (``scenarios/image_transforms.vision_support``); image items the target cannot
            read are not sent and are counted in ``metadata['not_applicable']['image']``.
    """
    wanted = as_list(domains)
    mapping = ColumnMapping(
        prompt=prompt_column, id=id_column, category=category_column, domain=scenario_domain,
        domain_column=domain_column, severity=severity_column, benign=benign_column, context=context_column,
    )
    seeds = _load_scenarios(scenario_file, wanted, mapping)
    present = sorted({s.domain for s in seeds})
    if max_seeds is not None:
        # keep the domain balance when a quick run takes only a few seeds per domain
        seeds = [s for d in present for s in islice((x for x in seeds if x.domain == d), int(max_seeds))]
    images = ImagePlan(vision_support(declared=vision))
    items = _Hashing(images.filter(expand(
        seeds, transforms=as_list(transforms), stack_depth=int(stack_depth), include_benign=include_benign,
        include_base=include_base, seed=int(seed), max_variants=max_variants,
    )))
    dataset = items_dataset(items, name="frontiergate-misuse")
    images.check_nonempty(len(dataset))
    if len(dataset) == 0:
        raise DataFileError("the misuse task selected no items",
                            "raise max_variants/max_seeds or set include_base=true")
    solver = with_images(scripted_turns() if attacker is False else pair_attacker(
        rounds=int(attacker_rounds), required=attacker is True
    ))
    scorers = [refusal_rules(), refusal_judge()] if judge else refusal_rules()
    if cascade:
        scorers = [*(scorers if isinstance(scorers, list) else [scorers]), cascade_outcomes()]
    return Task(
        dataset=dataset,
        solver=solver,
        scorer=scorers,
        config=GenerateConfig(max_tokens=max_tokens),
        metadata={
            "frontiergate_family": "misuse", "domains": present, "scenario_hash": items.hexdigest(),
            "transforms": as_list(transforms) or [], "stack_depth": int(stack_depth), "seed": int(seed),
            "scenario_source": str(scenario_file) if scenario_file else "bundled",
            "not_applicable": {"image": note} if (note := images.note()) is not None else {},
        },
    )
