"""Ideological bias evaluation: mirrored prompt pairs that differ only in political stance.

Design choice: ONE Inspect sample per pair (topic × template), not per stance. Its solver asks the
target model twice, each time with a fresh, single-message conversation (stance a, then stance b),
so neither answer can see the other; the scorers then grade the pair together. This is what lets
the pairwise judge see both answers: Inspect scores samples independently and concurrently, so a
scorer on a stance-b sample could never read its stance-a twin. The stored sample output holds both
answers, labelled, and per-stance results live in score metadata (``refused_a``/``refused_b``,
features of ``a`` and ``b``, the judge's verdict mapped back to ``favours_a``/``favours_b``).

``-T pairs=FILE`` replaces the authored library with an external paired set (CSV/TSV/JSONL in the
public political-neutrality format; map other column names with ``-T columns=prompt_a=COL,...``).
"""

from __future__ import annotations

from collections.abc import Sequence

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessage, ChatMessageUser, GenerateConfig, ModelOutput, get_model
from inspect_ai.solver import Generate, Solver, TaskState, solver

from frontiergate.bias.external import load_pairs_file
from frontiergate.bias.library import DOMAIN, PromptPair, library_pairs, pairs_hash, select_pairs
from frontiergate.errors import DataFileError
from frontiergate.scenarios.schema import Item
from frontiergate.scorers.bias import (
    ANSWERS_KEY,
    STOP_REASONS_KEY,
    JudgeMode,
    bias_features,
    bias_judge,
    bias_refusal,
)
from frontiergate.tasks.common import as_list

STANCES = ("a", "b")


def pair_sample(pair: PromptPair) -> Sample:
    item = Item(
        item_id=pair.pair_id, seed_id=pair.topic, domain=DOMAIN, category=pair.topic, severity="low",
        harmful=False, turns=[pair.prompt_a, pair.prompt_b], source=pair.source, extra=pair.extra(),
    )
    return Sample(
        id=pair.pair_id,
        input=f"[stance a] {pair.prompt_a}\n[stance b] {pair.prompt_b}",
        target="",
        metadata=item.metadata(),
    )


def _filter_external(pairs: list[PromptPair], topics: Sequence[str] | None,
                     templates: Sequence[str] | None, source: str) -> list[PromptPair]:
    for kind, wanted, have in (
        ("topic", topics, {p.topic for p in pairs}),
        ("template", templates, {p.template for p in pairs} | {p.template_category for p in pairs}),
    ):
        missing = sorted(set(wanted or []) - have)
        if missing:
            raise DataFileError(f"{source}: unknown {kind}(s) {', '.join(missing)}",
                                f"run `frontiergate bias load {source}` to list the {kind}s in the file")
    return [
        p for p in pairs
        if (topics is None or p.topic in topics)
        and (templates is None or p.template in templates or p.template_category in templates)
    ]


def bias_pairs(
    pairs: str | None = None,
    topics: str | list[str] | None = None,
    templates: str | list[str] | None = None,
    axes: str | list[str] | None = None,
    countries: str | list[str] | None = None,
    max_pairs: int | None = None,
    columns: str | list[str] | dict[str, str] | None = None,
) -> list[PromptPair]:
    """The pairs a bias run sends: the library (filtered) or an external file, then subsampled."""
    topic_l, template_l = as_list(topics), as_list(templates)
    if pairs:
        chosen = _filter_external(load_pairs_file(pairs, columns), topic_l, template_l, str(pairs))
        if axes or countries:
            ax, co = as_list(axes), as_list(countries)
            chosen = [p for p in chosen if (ax is None or p.axis in ax) and (co is None or p.country in co)]
    else:
        chosen = library_pairs(topics=topic_l, templates=template_l, axes=as_list(axes),
                               countries=as_list(countries))
    if not chosen:
        raise DataFileError("the bias selection is empty",
                            "loosen the topics/templates/axes/countries filters")
    return select_pairs(chosen, None if max_pairs is None else int(max_pairs))


@solver(name="paired_stances")
def paired_stances() -> Solver:
    """Ask the target each stance of the pair in its own fresh conversation; keep both answers."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        prompts = dict((state.metadata.get("extra") or {}).get("prompts") or {})
        model = get_model()
        answers: dict[str, str] = {}
        stops: dict[str, str] = {}  # a side stopped by a content filter is unknown, not an answer
        messages: list[ChatMessage] = []
        last: ModelOutput | None = None
        for side in STANCES:
            user = ChatMessageUser(content=str(prompts.get(side, "")))
            last = await model.generate([user])
            answers[side] = last.completion
            stops[side] = str(last.stop_reason)
            messages += [user, last.message]
        state.store.set(ANSWERS_KEY, answers)
        state.store.set(STOP_REASONS_KEY, stops)
        state.messages = messages
        combined = "\n\n".join(f"[stance {s}]\n{answers[s]}" for s in STANCES)
        state.output = ModelOutput.from_content(model=last.model if last else str(model), content=combined)
        return state

    return solve


@task(name="bias")
def bias(
    pairs: str | None = None,
    max_pairs: int | None = None,
    templates: str | list[str] | None = None,
    topics: str | list[str] | None = None,
    axes: str | list[str] | None = None,
    countries: str | list[str] | None = None,
    columns: str | list[str] | dict[str, str] | None = None,
    judge: JudgeMode = "auto",
    max_tokens: int = 256,
) -> Task:
    """Paired political-stance prompts: refusal asymmetry, even-handedness and rule-based asymmetries.

    Args:
        pairs: external paired file (CSV/TSV/JSONL); default: the authored library.
        max_pairs: cap, spread round-robin over topics and templates.
        templates: template ids (library) or template/template_category slugs (external file).
        topics: topic ids.
        axes: economic, social, national, environment (library).
        countries: country codes (library: US, UK, EU, DE, FR, IN, BR, CA, AU, JP, MX, ZA, INTL).
        columns: column mapping for an external file, e.g. ``prompt_a=left,prompt_b=right``.
        judge: ``auto`` (grader role if bound, else rules), ``model`` or ``rules``.
        max_tokens: per answer.
    """
    if judge not in ("auto", "model", "rules"):
        raise DataFileError(f"bias task: unknown judge '{judge}'",
                            "use judge=auto, judge=model or judge=rules")
    chosen = bias_pairs(pairs, topics, templates, axes, countries, max_pairs, columns)
    return Task(
        dataset=MemoryDataset([pair_sample(p) for p in chosen], name="frontiergate-bias"),
        solver=paired_stances(),
        scorer=[bias_refusal(), bias_features(), bias_judge(judge=judge)],
        config=GenerateConfig(max_tokens=max_tokens),
        metadata={"frontiergate_family": "bias", "domains": [DOMAIN], "pairs_source": pairs or "library",
                  "scenario_hash": pairs_hash(chosen), "n_pairs": len(chosen)},
    )
