"""The authored paired-prompt library.

A *pair* is one task template rendered for the two opposite stances of one topic. Keeping the
template and every other word fixed means any difference in how a model treats the two prompts
can only come from the political direction, which is what the bias metrics compare.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from frontiergate.errors import DataFileError

DOMAIN = "ideological_bias"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AxisPoles(_Strict):
    """What stance a and stance b mean on one political axis."""

    pole_a: str
    pole_b: str


class Topic(_Strict):
    """A contested topic with its two opposite stances, phrased to read after 'that'."""

    id: str = Field(min_length=1, pattern=r"^[a-z0-9_]+$")
    country: str = Field(min_length=1)
    axis: str = Field(min_length=1)
    title: str = Field(min_length=1)
    stance_a: str = Field(min_length=5)
    stance_b: str = Field(min_length=5)


class Template(_Strict):
    """A task template; ``{stance}`` is replaced by the stance proposition."""

    id: str = Field(min_length=1, pattern=r"^[a-z0-9_]+$")
    category: str = Field(min_length=1)
    text: str = Field(min_length=1, pattern=r"\{stance\}")


class PromptPair(_Strict):
    """One rendered pair: the unit the bias task sends, scores and analyses."""

    pair_id: str
    topic: str
    template: str
    template_category: str
    axis: str
    country: str
    stance_a: str
    stance_b: str
    prompt_a: str
    prompt_b: str
    group_a: str = ""
    group_b: str = ""
    source: str = "frontiergate"

    def extra(self) -> dict[str, Any]:
        """The ``extra`` metadata stored on the Inspect sample (and from there in the store)."""
        return {
            "pair_id": self.pair_id,
            "topic": self.topic,
            "template": self.template,
            "template_category": self.template_category,
            "axis": self.axis,
            "country": self.country,
            "stances": {"a": self.stance_a, "b": self.stance_b},
            "prompts": {"a": self.prompt_a, "b": self.prompt_b},
            "groups": {"a": self.group_a, "b": self.group_b},
            "source": self.source,
        }


class Library(_Strict):
    axes: dict[str, AxisPoles]
    topics: list[Topic]
    templates: list[Template]


def _read_yaml(name: str) -> Any:
    path = resources.files("frontiergate.bias") / "data" / name
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataFileError(f"cannot read bias library file {name}: {exc}",
                            "reinstall frontiergate") from None


@lru_cache(maxsize=1)
def load_library() -> Library:
    """Load and validate the bundled topics and templates (cached: the files never change at run time)."""
    topics = _read_yaml("topics.yaml")
    templates = _read_yaml("templates.yaml")
    try:
        lib = Library(axes=topics["axes"], topics=topics["topics"], templates=templates["templates"])
    except (ValidationError, KeyError, TypeError) as exc:
        raise DataFileError(f"invalid bias library data: {exc}",
                            "fix src/frontiergate/bias/data/*.yaml") from None
    unknown_axes = sorted({t.axis for t in lib.topics} - set(lib.axes))
    if unknown_axes:
        raise DataFileError(f"topics.yaml uses undeclared axes {unknown_axes}", "declare them under `axes:`")
    for kind, ids in (("topic", [t.id for t in lib.topics]), ("template", [t.id for t in lib.templates])):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise DataFileError(f"duplicate {kind} ids in the bias library: {dupes}", "make ids unique")
    return lib


def render(topic: Topic, template: Template) -> PromptPair:
    return PromptPair(
        pair_id=f"{topic.id}|{template.id}",
        topic=topic.id,
        template=template.id,
        template_category=template.category,
        axis=topic.axis,
        country=topic.country,
        stance_a=topic.stance_a,
        stance_b=topic.stance_b,
        prompt_a=template.text.replace("{stance}", topic.stance_a),
        prompt_b=template.text.replace("{stance}", topic.stance_b),
    )


def _check_known(kind: str, wanted: Sequence[str] | None, known: Iterable[str]) -> None:
    if wanted is None:
        return
    missing = sorted(set(wanted) - set(known))
    if missing:
        raise DataFileError(
            f"unknown bias {kind}(s): {', '.join(missing)}",
            f"run `frontiergate bias pairs --topics` to list the {kind}s",
        )


def library_pairs(
    topics: Sequence[str] | None = None,
    templates: Sequence[str] | None = None,
    axes: Sequence[str] | None = None,
    countries: Sequence[str] | None = None,
) -> list[PromptPair]:
    """Every (topic, template) pair of the library, optionally filtered, in a stable order."""
    lib = load_library()
    _check_known("topic", topics, (t.id for t in lib.topics))
    _check_known("template", templates, (t.id for t in lib.templates))
    out = []
    for t in lib.topics:
        if topics is not None and t.id not in topics:
            continue
        if axes is not None and t.axis not in axes:
            continue
        if countries is not None and t.country not in countries:
            continue
        for tpl in lib.templates:
            if templates is None or tpl.id in templates:
                out.append(render(t, tpl))
    return out


def _interleave(keys: Sequence[str], group_of: dict[str, str]) -> list[str]:
    """Reorder ``keys`` round-robin over their groups (first-seen order), keeping order within a group."""
    groups: dict[str, list[str]] = {}
    for k in keys:
        groups.setdefault(group_of[k], []).append(k)
    out: list[str] = []
    for depth in range(max((len(g) for g in groups.values()), default=0)):
        out += [g[depth] for g in groups.values() if depth < len(g)]
    return out


def select_pairs(pairs: Sequence[PromptPair], max_pairs: int | None) -> list[PromptPair]:
    """Take up to ``max_pairs`` spread over countries, axes, topics and templates.

    A quick run with a handful of pairs should still touch many countries, axes and topics and every
    template rather than six templates of the first topic, so topics are interleaved by country
    (and by axis within a country), pairs are taken round-robin over topics, and the template
    rotates from one topic to the next. Deterministic: the same inputs give the same pairs.
    """
    if max_pairs is None or max_pairs >= len(pairs):
        return list(pairs)
    if max_pairs < 1:
        raise DataFileError(f"max_pairs must be at least 1, got {max_pairs}", "pass max_pairs >= 1")
    by_topic: dict[str, list[PromptPair]] = {}
    for p in pairs:
        by_topic.setdefault(p.topic, []).append(p)
    first = {t: ps[0] for t, ps in by_topic.items()}
    topics: list[str] = []
    for country in dict.fromkeys(first[t].country for t in by_topic):
        same = [t for t in by_topic if first[t].country == country]
        topics += _interleave(same, {t: first[t].axis for t in same})
    topics = _interleave(topics, {t: first[t].country for t in topics})
    queues = []
    for i, topic in enumerate(topics):
        ps = by_topic[topic]
        k = i % len(ps)
        queues.append(ps[k:] + ps[:k])
    out: list[PromptPair] = []
    depth = 0
    while len(out) < max_pairs:
        for q in queues:
            if depth < len(q):
                out.append(q[depth])
                if len(out) == max_pairs:
                    break
        depth += 1
    return out


def pairs_hash(pairs: Sequence[PromptPair]) -> str:
    """SHA-256 over the canonical JSON of the pairs: the scenario-set hash a report cites."""
    h = hashlib.sha256()
    for p in pairs:
        h.update(json.dumps(p.model_dump(), sort_keys=True, separators=(",", ":")).encode())
        h.update(b"\n")
    return h.hexdigest()
