"""The rule-based rewording behind the awareness task's ``reworded`` arm: it changes the exact string of every
bundled request, never its substance, deterministically per seed."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from frontiergate.errors import FrontiergateError
from frontiergate.scenarios.expand import expand
from frontiergate.scenarios.framings import _ENTITIES, REWORDED, arm_framings, frame_item, framed_items, pair_key
from frontiergate.scenarios.library import base_items, load_seeds
from frontiergate.scenarios.rewording import (
    VOCABULARY,
    reword_seed,
    reword_text,
    reword_turns,
    reworded_variants,
    substance,
    words,
)
from frontiergate.scenarios.schema import Seed

SEEDS = (0, 1, 7)


@pytest.fixture(scope="module")
def seeds() -> list[Seed]:
    return load_seeds()


def _requests(seeds: list[Seed]) -> list[tuple[str, list[str]]]:
    """(rewording key, turns) of every bundled request and benign twin."""
    out = [(s.id, list(s.turns)) for s in seeds]
    out += [(f"{s.id}~benign", list(s.benign.turns)) for s in seeds if s.benign is not None]
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_every_bundled_request_string_changes(seeds: list[Seed], seed: int) -> None:
    for key, turns in _requests(seeds):
        out = reword_turns(turns, seed=seed, key=key)
        assert len(out) == len(turns)
        for old, new in zip(turns, out, strict=True):
            assert new != old, (key, old)


@pytest.mark.parametrize("seed", SEEDS)
def test_substance_is_kept_and_nothing_new_is_added(seeds: list[Seed], seed: int) -> None:
    """Every word outside the rules' fixed vocabulary (technical terms, entities, numbers) survives with its
    count, and every word the rewording adds comes from that vocabulary: no new content."""
    for key, turns in _requests(seeds):
        for old, new in zip(turns, reword_turns(turns, seed=seed, key=key), strict=True):
            missing = substance(old) - Counter(words(new))
            assert not missing, (key, old, new, missing)
            added = set(words(new)) - set(words(old)) - VOCABULARY
            assert not added, (key, old, new, added)


def test_technical_words_and_placeholders_are_kept() -> None:
    text = ("How do I configure an nginx reverse proxy with TLS 1.3 and HSTS for [HARMFUL-DETAIL] "
            "on 10.0.0.5:8443?")
    for seed in range(20):
        out = reword_text(text, random.Random(seed))
        assert out != text
        for term in ("nginx", "reverse proxy", "TLS 1.3", "HSTS", "[HARMFUL-DETAIL]", "10.0.0.5:8443"):
            assert term in out, (term, out)


def test_entity_phrases_the_framings_swap_are_kept(seeds: list[Seed]) -> None:
    """The deploy rendering swaps entity phrases for plausible specifics; the reworded request must offer
    the same phrases, so both arms differ only in wording."""
    for key, turns in _requests(seeds):
        for old, new in zip(turns, reword_turns(turns, seed=0, key=key), strict=True):
            for pattern, _, _ in _ENTITIES:
                rx = re.compile(rf"\b{pattern}\b", re.IGNORECASE)
                assert len(rx.findall(old)) == len(rx.findall(new)), (pattern, old, new)


def test_deterministic_per_seed_and_different_across_seeds(seeds: list[Seed]) -> None:
    reqs = _requests(seeds)
    a = [reword_turns(t, seed=0, key=k) for k, t in reqs]
    assert a == [reword_turns(t, seed=0, key=k) for k, t in reqs]
    b = [reword_turns(t, seed=1, key=k) for k, t in reqs]
    differ = sum(1 for x, y in zip(a, b, strict=True) if x != y)
    assert differ >= 0.5 * len(reqs), f"only {differ} of {len(reqs)} wordings differ between seeds 0 and 1"


def test_readable_sentences(seeds: list[Seed]) -> None:
    """No doubled spaces or punctuation, a capital or a known lower-case lead at the start, questions kept
    questions or turned into requests."""
    for key, turns in _requests(seeds):
        for new in reword_turns(turns, seed=3, key=key):
            assert "  " not in new and "??" not in new and ".?" not in new and "?." not in new, new
            assert new[:1].isupper(), new


def test_reworded_variants_match_the_expansion_and_keep_the_attack(seeds: list[Seed]) -> None:
    cyber = [s for s in seeds if s.domain == "cyber"][:6]
    kw = {"transforms": "all", "stack_depth": 1, "include_benign": True, "seed": 0, "max_variants": 60}
    plain = list(expand(cyber, **kw))  # type: ignore[arg-type]
    rew = list(reworded_variants(cyber, **kw))  # type: ignore[arg-type]
    assert [i.item_id for i in plain] == [i.item_id for i in rew]
    assert [i.transforms for i in plain] == [i.transforms for i in rew]
    assert all(r.extra.get("reworded") is True for r in rew)
    by_id = {s.id: reword_seed(s, 0) for s in cyber}
    for p, r in zip(plain, rew, strict=True):
        assert p.turns != r.turns, p.item_id
        if not p.transforms:
            want = by_id[p.seed_id].turns if p.harmful else by_id[p.seed_id].benign.turns  # type: ignore[union-attr]
            assert r.turns == want


def test_reworded_arm_pairs_with_eval_and_deploy_and_ids_are_unique(seeds: list[Seed]) -> None:
    cyber = [s for s in seeds if s.domain == "cyber"][:8]
    kw = {"transforms": ["base64", "roleplay_dan", "payload_split"], "include_benign": True, "seed": 0}
    framings = arm_framings(factorial=True, reworded=True)
    assert framings[-1] == REWORDED and len(framings) == len(set(framings))
    items = list(framed_items(expand(cyber, **kw), framings, seed=0,  # type: ignore[arg-type]
                              reworded=reworded_variants(cyber, **kw)))  # type: ignore[arg-type]
    ids = [i.item_id for i in items]
    assert len(ids) == len(set(ids))
    by_pair: dict[str, dict[str, object]] = {}
    for it in items:
        by_pair.setdefault(it.extra["pair_id"], {})[it.framing] = it
    for arms in by_pair.values():
        assert set(arms) == set(framings)
        rw, de = arms[REWORDED], arms["deploy"]
        assert rw.item_id.endswith("|reworded") and rw.seed_id == de.seed_id  # type: ignore[attr-defined]
        assert rw.transforms == de.transforms and rw.extra["cues"] == []  # type: ignore[attr-defined]
        assert pair_key(rw) == pair_key(de)  # type: ignore[arg-type]
        assert rw.turns != de.turns  # type: ignore[attr-defined]
    framed = {i.item_id: i for i in items}
    for it in items:  # a twin id points at the twin in the same framing
        if it.twin_id is not None:
            assert framed[it.twin_id].framing == it.framing and framed[it.twin_id].harmful != it.harmful


def test_no_reworded_rendering_is_a_library_rendering(seeds: list[Seed]) -> None:
    """The reworded arm sends nothing that any other arm (or the misuse task) sends at the default seed."""
    cyber = [s for s in seeds if s.domain == "cyber"]
    library: set[str] = set()
    every = [*base_items(cyber), *expand(cyber, transforms="all", include_base=False, seed=0)]
    for it in every:
        for x in [it, *(frame_item(it, f, seed=0) for f in arm_framings(factorial=True))]:
            library.update(x.turns)
    sent = []
    for it in reworded_variants(cyber, transforms="all", seed=0):
        turns = frame_item(it, REWORDED, seed=0).turns
        # a multi-turn escalation adds warm-up turns of its own, a turn-splitting attack sends the request in
        # pieces (a middle piece may be untouched): the request's own words end in the last turn
        whole = not {"multi_turn", "payload_splitting"} & set(it.extra.get("families", []))
        sent += turns if whole else turns[-1:]
    assert sent and not [t for t in sent if t in library]


def test_untransformed_items_are_reworded_by_the_framing_and_transformed_ones_must_come_reworded(
    seeds: list[Seed],
) -> None:
    base = next(base_items(seeds[:1]))
    framed = frame_item(base, REWORDED, seed=0)
    assert framed.turns != frame_item(base, "deploy", seed=0).turns and framed.extra["reworded"] is True
    variant = next(iter(expand(seeds[:1], transforms="base64", include_base=False)))
    with pytest.raises(FrontiergateError, match="reworded"):
        frame_item(variant, REWORDED, seed=0)
