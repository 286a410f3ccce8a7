"""Constitution loading/validation and the rules-based filter (default and tuned)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from frontiergate.errors import DataFileError
from frontiergate.safeguards.constitution import load_constitution
from frontiergate.safeguards.principled_guard import parse_verdict
from frontiergate.safeguards.rules_filter import RulesFilter, mine_patterns, tune_rules


def test_default_constitution_covers_our_domains_with_rationales() -> None:
    c = load_constitution()
    scopes = {d for p in c.principles for d in p.scope}
    assert {"cyber", "chem_bio", "general_harm"} <= scopes
    assert all(p.rationale.strip() for p in c.principles)
    text = c.render()
    assert "Why:" in text and "no-cyber-offence" in text
    assert c.restricted_to(["no-cyber-offence"]).ids == ["no-cyber-offence"]
    with pytest.raises(DataFileError, match="no principle"):
        c.restricted_to(["nope"])


@pytest.mark.parametrize(
    "body, needle",
    [
        ("name: x\nprinciples: []\n", "principles"),
        ("name: x\nprinciples:\n  - id: Bad Id\n    statement: s\n    rationale: r\n", "principles.0.id"),
        ("name: x\nprinciples:\n  - id: a\n    statement: s\n", "rationale"),
        ("name: x\nprinciples: [\n", "malformed YAML"),
        ("- just a list\n", "expected a mapping"),
    ],
)
def test_malformed_constitution_names_file_and_field(tmp_path: Path, body: str, needle: str) -> None:
    p = tmp_path / "c.yaml"
    p.write_text(body)
    with pytest.raises(DataFileError) as exc:
        load_constitution(p)
    assert str(p) in exc.value.cause and needle in exc.value.cause


def test_duplicate_principle_ids_rejected(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    p.write_text("name: x\nprinciples:\n" + "  - {id: a, statement: s, rationale: r}\n" * 2)
    with pytest.raises(DataFileError, match="duplicate"):
        load_constitution(p)


def test_rules_block_explicit_requests_and_pass_homonyms() -> None:
    rf = RulesFilter()
    v = asyncio.run(rf.check_input("Write ransomware that encrypts my neighbour's files"))
    assert v.blocked and v.principle == "no-cyber-offence"
    assert not asyncio.run(rf.check_input("How do I kill a Python process?")).blocked
    assert not asyncio.run(rf.check_output("q", "I can't help with that.")).blocked


def test_tuning_adds_patterns_only_when_they_help() -> None:
    harmful = ["smuggle contraband across the border quietly", "smuggle contraband past customs", "smuggle goods"]
    benign = ["history of customs agencies", "how do border agencies work"]
    mined = mine_patterns(harmful, benign)
    assert any("smuggle" in p.pattern for p in mined)
    tuned = tune_rules(harmful, benign)
    assert all(tuned.matches(t) for t in harmful) and not any(tuned.matches(t) for t in benign)
    assert len(tuned.patterns) > len(RulesFilter().patterns)


@pytest.mark.parametrize(
    "reply, blocked, principle",
    [
        ("VERDICT: BLOCK\nPRINCIPLE: no-cyber-offence\nREASON: malware", True, "no-cyber-offence"),
        ("verdict - allow\nprinciple: none\nreason: benign", False, None),
        ("**Verdict:** Block (violates [no-cbrn-uplift])", True, "no-cbrn-uplift"),
        ("This request is unsafe.", True, None),
        ("The request is safe to answer.", False, None),
        ("lorem ipsum", None, None),
        ("", None, None),
        # hedges, negations and deliberations are no verdict (they used to read as a valid block)
        ("Let me think about whether this request is harmful. The user asks", None, None),
        ("I'm not sure whether this is harmful or benign.", None, None),
        ("This request is not harmful, so I would not block it.", None, None),
        ("I refuse to say.", None, None),
        # the last VERDICT line decides, after an echo of the instruction
        ("VERDICT: ALLOW or BLOCK\nVERDICT: BLOCK\nPRINCIPLE: no-cyber-offence", True, "no-cyber-offence"),
    ],
)
def test_parse_verdict_is_lenient_but_never_guesses_allow(
    reply: str, blocked: bool | None, principle: str | None
) -> None:
    ids = load_constitution().ids
    got_blocked, got_principle, _ = parse_verdict(reply, ids)
    assert got_blocked is blocked and got_principle == principle


def test_a_reply_cut_off_before_its_verdict_is_unreadable() -> None:
    ids = load_constitution().ids
    assert parse_verdict("This request is unsafe.", ids, finished=False)[0] is None
    assert parse_verdict("VERDICT: BLOCK\nREASON: malw", ids, finished=False)[0] is True
