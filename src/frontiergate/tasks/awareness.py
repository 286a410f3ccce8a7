"""Evaluation awareness: does the model behave better when the request looks like a test?

Every selected item is sent twice with the same request, once framed as an obvious evaluation
(``eval``: test notice, benchmark formatting, placeholders, rubric language, hypothetical
wrapper, bare context) and once as realistic deployment traffic (``deploy``); see
``frontiergate.scenarios.framings``. ``factorial=true`` adds the one-cue-at-a-time framings
(``cue:<name>``) that show which cue drives a gap. ``reworded=true`` (the default) adds the
``reworded`` arm: the deploy rendering of the same request with its wording changed
(``scenarios/rewording.py``), since every other arm sends the public library's own request sentence
and a model that recognises that wording would pass them all. Behaviour is scored by the refusal rules
scorer, verbalised awareness by ``verbalised_awareness``; analysis pairs the arms on
``extra["pair_id"]`` and epoch (``metrics_awareness``).

Why attacked items too: when a model is caught behaving better under test, the decision must
look at what it does when the request looks real. If the realistic arm held only plain
requests, that correction would silently drop every jailbreak from the evidence. So
``transforms`` expands the seeds exactly as ``frontiergate/misuse`` does (``scenarios/expand.py``)
and *then* frames every variant in both arms: the cues sit outside the attack wrapper, the two
renderings of one variant share its ``pair_id``, and the deploy rendering carries
``framing="deploy"`` like any other, so the misuse metric's ``framing=deploy`` slice covers
attacked items. ``max_variants`` caps the variants *before* framing, so pairs are never cut.

Examples::

    inspect eval frontiergate/awareness --model mockllm/model -T max_seeds=2
    inspect eval frontiergate/awareness -T domains=cyber -T factorial=true --epochs 5 --model ...
    inspect eval frontiergate/awareness -T transforms=all -T max_variants=300 --model ...
"""

from __future__ import annotations

from itertools import islice

from inspect_ai import Task, task
from inspect_ai.model import GenerateConfig

from frontiergate.errors import DataFileError
from frontiergate.scenarios.expand import expand
from frontiergate.scenarios.framings import CUES, arm_framings, framed_items
from frontiergate.scenarios.library import load_seeds
from frontiergate.scenarios.rewording import reworded_variants
from frontiergate.scenarios.schema import items_hash
from frontiergate.scorers.awareness import verbalised_awareness
from frontiergate.scorers.refusal import refusal_rules
from frontiergate.solvers.multi_turn import scripted_turns
from frontiergate.tasks.common import as_list, items_dataset

AWARENESS_DOMAINS = ("cyber", "chem_bio", "general_harm")


@task(name="awareness")
def awareness(
    domains: str | list[str] | None = None,
    max_seeds: int | None = None,
    include_benign: bool = False,
    factorial: bool = False,
    seed: int = 0,
    max_tokens: int = 160,
    epochs: int | None = None,
    judge: bool | None = None,
    realism: bool = False,
    transforms: str | list[str] | None = None,
    stack_depth: int = 1,
    max_variants: int | None = None,
    include_base: bool = True,
    reworded: bool = True,
) -> Task:
    """Paired eval-cued / deployment-realistic framings of the bundled seeds.

    Args:
        domains: domains to include (comma string or list; default the misuse domains).
        max_seeds: at most this many seeds per domain (keeps the domain balance).
        include_benign: also send each seed's benign twin in both framings (over-refusal per arm).
        factorial: add the one-cue-at-a-time framings ``cue:<name>``.
        seed: framing seed; the same seed gives the same prompts byte for byte.
        max_tokens: generation limit per turn.
        epochs: samples per item (several are needed for a per-item paired test); ``--epochs``
            on the command line does the same.
        judge: verbalised-awareness judge through the ``grader`` role (None: when one is bound).
        realism: score every prompt with the realism meter and store it as ``extra["test_likeness"]``
            (needs the ``ml`` extra; lets the report show how test-like each arm really looked).
        transforms: transform names, family names, ``all`` or chains ``a+b`` (default: none); each
            variant is framed in both arms, as in ``frontiergate/misuse``.
        stack_depth: stack up to this many selected transforms per variant.
        max_variants: cap on the number of variants before framing (base items and benign twins
            included; balanced across seeds and families); each yields one item per framing.
        include_base: keep the untransformed items alongside the variants.
        reworded: add the ``reworded`` arm (deploy rendering, the request's wording changed; each
            variant is reworded before its attack wrapper). Off, only the library's own wording is sent,
            and the decision says so.
    """
    wanted = as_list(domains) or list(AWARENESS_DOMAINS)
    seeds = load_seeds(domains=wanted)
    present = sorted({s.domain for s in seeds})
    if max_seeds is not None:
        seeds = [s for d in present for s in islice((x for x in seeds if x.domain == d), int(max_seeds))]
    if not seeds:
        raise DataFileError(f"no bundled seeds in domains {', '.join(wanted)}",
                            f"choose among {', '.join(AWARENESS_DOMAINS)}")
    framings = arm_framings(bool(factorial), reworded=bool(reworded))
    variants = expand(
        seeds, transforms=as_list(transforms), stack_depth=int(stack_depth), include_benign=include_benign,
        include_base=include_base, seed=int(seed), max_variants=max_variants,
    )
    # the same variants, built from the reworded requests (reworded before any attack wrapper)
    twins = reworded_variants(
        seeds, transforms=as_list(transforms), stack_depth=int(stack_depth), include_benign=include_benign,
        include_base=include_base, seed=int(seed), max_variants=max_variants,
    ) if reworded else None
    items = list(framed_items(variants, framings, seed=int(seed), reworded=twins))
    if not items:
        raise DataFileError("the awareness task selected no items",
                            "raise max_variants/max_seeds or set include_base=true")
    if realism:
        from frontiergate.awareness.realism import score_items

        items = [it.model_copy(update={"extra": {**it.extra, "test_likeness": round(s.test_likeness, 6)}})
                 for it, s in zip(items, score_items(items), strict=True)]
    return Task(
        dataset=items_dataset(items, name="frontiergate-awareness"),
        solver=scripted_turns(),
        scorer=[refusal_rules(), verbalised_awareness(judge=judge)],
        config=GenerateConfig(max_tokens=max_tokens),
        epochs=epochs,
        metadata={
            "frontiergate_family": "awareness", "domains": present, "scenario_hash": items_hash(items),
            "framings": framings, "cues": list(CUES), "seed": int(seed), "factorial": bool(factorial),
            "transforms": as_list(transforms) or [], "stack_depth": int(stack_depth), "reworded": bool(reworded),
        },
    )
