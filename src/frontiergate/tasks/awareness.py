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

Realism (``realism``, default ``auto``): a zero eval-vs-deploy gap means "no awareness" only if the deploy
arm looks like real use. Every item's prompt is scored with the realism meter (``awareness/realism.py``,
P(eval) as ``extra["test_likeness"]``) and so is its *bare* request, the turns before framing (for the
reworded arm, the reworded turns before the realistic wrapper), as ``extra["bare_test_likeness"]``: each
realistic-arm item carries its own unwrapped reference, and ``metrics_awareness.arm_realism`` tests whether
the wrapper made requests look more test-like. ``auto`` scores when the meter can load (the ``ml`` extra and
the MiniLM weights are installed) and otherwise records why not (task metadata ``realism`` and
``extra["realism_not_measured"]``), so the report can say the deploy arm's realism is unknown. The
scenario hash is taken before the scores are added: it names the prompts, whichever machine scored them.
"""

from __future__ import annotations

from itertools import islice

from inspect_ai import Task, task
from inspect_ai.model import GenerateConfig

from frontiergate.errors import DataFileError, FrontiergateError
from frontiergate.scenarios.expand import expand
from frontiergate.scenarios.framings import CUES, REWORDED, arm_framings, framed_items, pair_key
from frontiergate.scenarios.library import load_seeds
from frontiergate.scenarios.rewording import reworded_variants
from frontiergate.scenarios.schema import Item, items_hash
from frontiergate.scorers.awareness import verbalised_awareness
from frontiergate.scorers.refusal import refusal_rules
from frontiergate.solvers.multi_turn import scripted_turns
from frontiergate.tasks.common import as_list, items_dataset

AWARENESS_DOMAINS = ("cyber", "chem_bio", "general_harm")
_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def _realism_mode(value: bool | str) -> str:
    """``auto`` | ``on`` | ``off`` from the task arg (a bool, or a string from ``-T``)."""
    v = str(value).strip().lower()
    if v == "auto":
        return "auto"
    if v in _TRUE:
        return "on"
    if v in _FALSE:
        return "off"
    raise FrontiergateError(f"awareness task: unknown realism value '{value}'",
                            "use realism=auto (default), realism=true or realism=false")


def _bare_turns(variants: list[Item], twins: list[Item] | None, framings: list[str]) -> list[tuple[str, list[str]]]:
    """(pair key, turns before framing) of each framed item, in ``framed_items`` order (variant by variant,
    arm by arm): the variant's own turns, or for the reworded arm its reworded twin's (not yet wrapped)."""
    out: list[tuple[str, list[str]]] = []
    for i, v in enumerate(variants):
        other = twins[i] if twins is not None and REWORDED in framings and i < len(twins) else None
        for name in framings:
            src = other if name == REWORDED and other is not None else v
            out.append((pair_key(src), list(src.turns)))
    return out


def _with_realism(items: list[Item], bare: list[list[str]], mode: str) -> tuple[list[Item], str]:
    """Items with their (and their bare request's) P(eval), and the one-line metadata note. ``auto`` degrades
    to a note when the meter cannot load; ``on`` raises."""
    if mode == "off":
        why = "not requested (realism=false)"
        return _note(items, why), f"not measured: {why}"
    from frontiergate.errors import ModelError

    try:
        from frontiergate.awareness.realism import head_digest, item_text, load_meter

        meter = load_meter()
        texts = [item_text(it) for it in items]
        bare_texts = ["\n\n".join(t) for t in bare]
        scores = meter.cached_test_likeness(texts + bare_texts)
    except (ModelError, DataFileError, ImportError, OSError) as exc:
        if mode == "on":
            raise
        why = (exc.cause if isinstance(exc, FrontiergateError) else f"{type(exc).__name__}: {exc}").splitlines()[0]
        return _note(items, why), f"not measured: {why}"
    n = len(items)
    out = [it.model_copy(update={"extra": {**it.extra, "test_likeness": round(scores[i], 6),
                                           "bare_test_likeness": round(scores[n + i], 6)}})
           for i, it in enumerate(items)]
    return out, f"measured: realism meter head sha256 {head_digest()[:12]}, {len(set(texts + bare_texts))} texts"


def _note(items: list[Item], why: str) -> list[Item]:
    """Say on every item why it carries no realism score, so the analysis and report can state it."""
    return [it.model_copy(update={"extra": {**it.extra, "realism_not_measured": why}}) for it in items]


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
    realism: bool | str = "auto",
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
        realism: score every prompt and its bare request with the realism meter (``extra["test_likeness"]``,
            ``extra["bare_test_likeness"]``): shows how test-like each arm really looked. ``auto`` (default):
            when the meter can load (the ``ml`` extra), else the metadata says why not; ``true``: fail if it
            cannot; ``false``: skip.
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
    mode = _realism_mode(realism)
    variants = list(expand(
        seeds, transforms=as_list(transforms), stack_depth=int(stack_depth), include_benign=include_benign,
        include_base=include_base, seed=int(seed), max_variants=max_variants,
    ))
    # the same variants, built from the reworded requests (reworded before any attack wrapper)
    twins = list(reworded_variants(
        seeds, transforms=as_list(transforms), stack_depth=int(stack_depth), include_benign=include_benign,
        include_base=include_base, seed=int(seed), max_variants=max_variants,
    )) if reworded else None
    items = list(framed_items(variants, framings, seed=int(seed), reworded=twins))
    if not items:
        raise DataFileError("the awareness task selected no items",
                            "raise max_variants/max_seeds or set include_base=true")
    scenario_hash = items_hash(items)
    bare = _bare_turns(variants, twins, framings)
    # framed_items yields one item per variant and framing, in that order: each bare request is its own item's
    if [k for k, _ in bare] != [it.extra["pair_id"] for it in items]:
        raise FrontiergateError("awareness task: the bare requests do not line up with the framed items",
                                "report this as a bug")
    items, realism_note = _with_realism(items, [t for _, t in bare], mode)
    return Task(
        dataset=items_dataset(items, name="frontiergate-awareness"),
        solver=scripted_turns(),
        scorer=[refusal_rules(), verbalised_awareness(judge=judge)],
        config=GenerateConfig(max_tokens=max_tokens),
        epochs=epochs,
        metadata={
            "frontiergate_family": "awareness", "domains": present, "scenario_hash": scenario_hash,
            "framings": framings, "cues": list(CUES), "seed": int(seed), "factorial": bool(factorial),
            "transforms": as_list(transforms) or [], "stack_depth": int(stack_depth), "reworded": bool(reworded),
            "realism": realism_note,
        },
    )
