"""What a decision needs besides the target's own findings.

A target's levels say what the raw model would enable (the pre-mitigation part of the decision).
Whether ``deploy_with_safeguards`` may be granted depends on a second measurement, the same model
behind its safeguards (``Mitigation``); whether a risk grew across model versions depends on the
previous run of the lineage (``PreviousRun``); and whether the previous run's alert requirements
were honoured depends on how this run was made (``RunFacts``). They are plain frozen data so that
``decide`` stays a pure function of its inputs and can be re-run from the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from frontiergate.analysis.registry import FindingData
from frontiergate.safeguards.provenance import GuardProvenance


@dataclass(frozen=True)
class Mitigation:
    """The safeguarded configuration paired with this target (``safeguarded/M`` for target ``M``).

    ``paired`` is ``compare_targets(ctx_M, ctx_safeguarded, domains)``: changes are safeguarded
    minus raw, so a positive ``over_refusal_rate_change`` is over-refusal the guard added.
    """

    target: str
    findings: list[FindingData]
    evaluated_domains: set[str]
    guard: str | None
    """Guard kind (principled, rules, classifier), or None when it is not known."""
    stages: tuple[str, ...]
    """Guard stages that were active (input, output)."""
    paired: list[FindingData]
    provenance: GuardProvenance | None = None
    """What the guard was trained on and validated with, as recorded when the run started."""
    held_out: dict[str, Any] = field(default_factory=dict)
    """How the residual was kept to seeds the guard never trained on: ``excluded_samples``,
    ``excluded_seeds``, ``kept_seeds`` (empty when nothing had to be left out)."""


@dataclass(frozen=True)
class PreviousRun:
    """The previous run of this model lineage, for deltas and for the alert requirements it left.

    ``paired`` is ``compare_targets(ctx_prev, ctx_cur, domains)`` (current minus previous; empty when
    the two runs share no items), so a positive change means the risk rose.
    """

    run_id: str
    target: str
    decision: dict[str, Any]
    """The previous run's ``decide()`` output for its matching target (overall and domains)."""
    policy_version: str
    paired: list[FindingData]
    scenario_hash: str | None = None
    """The previous run's scenario set hash (``RunRow.scenario_hash``): pairing is by item id, and two
    runs of different scenario sets can share ids while asking different things."""
    current_scenario_hash: str | None = None
    """This run's scenario set hash (None: not recorded)."""


@dataclass(frozen=True)
class RunFacts:
    """How this run was made, as far as the decision needs to know."""

    quick: bool = False
    """``--quick``: the transform set was reduced, so the full-transform requirement is not met."""
    incomplete: tuple[str, ...] = ()
    """Why the run's evidence is partial (the run stopped before finishing, evaluations that did not
    complete, ``--limit`` ran part of the plan, one target's samples scored by two versions of one
    scorer): planned samples that never ran are missing, not unknown, and the plan runs plain items
    before attacked ones, so what did run can look cleaner than the whole plan would."""
    families_run: Mapping[str, frozenset[str]] | None = None
    """Per domain, the transform families of the harmful samples this run holds (None: not known).
    A run can leave families out without ``--quick`` (task arguments, a custom plan), so the
    full-transform requirement is checked against what ran, not only against the flag."""
