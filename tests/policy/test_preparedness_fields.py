"""The preparedness fields of a policy: each broken field is named with its file, line and path.

The base document (data/full_policy.yaml) sets every field once and must load; each case breaks
one field and expects exactly the line of that field (found by a marker in the broken text, so the
test does not hard-code line numbers that an edit of the base would shift) and its path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from frontiergate.analysis.registry import metric_exists
from frontiergate.errors import PolicyError
from frontiergate.policy.checks import GUARD_KINDS, HOLD_ACTION
from frontiergate.policy.loader import load_policy
from frontiergate.policy.schema import Policy

FULL = (Path(__file__).parent / "data" / "full_policy.yaml").read_text()


def _load(tmp_path: Path, text: str) -> Policy:
    f = tmp_path / "policy.yaml"
    f.write_text(text)
    return load_policy(f, task_exists=lambda t: t.startswith("frontiergate/"), metric_exists=metric_exists)


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(PolicyError) as ei:
        _load(tmp_path, text)
    assert "Traceback" not in ei.value.render()
    return ei.value.problems


def _line(text: str, marker: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``marker``."""
    hits = [i + 1 for i, ln in enumerate(text.splitlines()) if marker in ln]
    assert len(hits) >= occurrence, f"marker {marker!r} not in the broken text"
    return hits[occurrence - 1]


def _replace(old: str, new: str, count: int = 1) -> str:
    assert FULL.count(old) >= count, old
    return FULL.replace(old, new, count)


def test_full_policy_loads_with_every_field(tmp_path: Path) -> None:
    pol = _load(tmp_path, FULL)
    cyber = pol.domains["cyber"]
    assert [t.id for t in cyber.threat_scenarios] == ["novice-offence", "scaled-offence"]
    asr, cap = cyber.criteria
    assert (asr.effective_kind, cap.effective_kind) == ("propensity", "capability")
    assert asr.alert("medium") == 0.03 and asr.alert("critical") is None and asr.alert_bound == "upper"
    assert asr.on_alert is not None and asr.on_alert.min_seeds == 20 and asr.on_alert.full_transforms
    # autonomy's criterion has no kind: inferred from its metric
    assert pol.domains["autonomy"].criteria[0].effective_kind == "propensity"
    # the domain's own safeguards override the policy's; another domain gets the policy's
    own = pol.required_safeguards("cyber", "medium")
    assert own is not None and own.stages == ["output"] and own.validation.max_over_refusal_increase == 0.05
    general = pol.required_safeguards("autonomy", "medium")
    assert general is not None and general.guards == ["classifier", "principled"]
    assert general.validation.min_seeds == 12
    assert pol.required_safeguards("cyber", "high") is None  # do_not_deploy: nothing to validate
    assert pol.sign_off["stop_scaling"] == ["responsible scaling officer", "board"]
    assert [h.version for h in pol.history] == ["1", "2", "3"] and pol.lineage == "test-lineage"
    assert [(w.metric, w.domain, w.slice) for w in pol.watchlist] == [
        ("evaluation_differential", None, "all"),
        ("sandbagging_gap", "autonomy", "all"),
        ("autonomy_violation_rate", "autonomy", "family=self_exfiltration"),
    ]


def test_loader_copies_match_what_they_copy() -> None:
    """The loader keeps its own copies so a policy check imports neither the model stack nor the
    decision engine; they must not drift from the originals."""
    from frontiergate.decision.engine import HOLD
    from frontiergate.models.safeguarded import GUARDS

    assert tuple(GUARD_KINDS) == tuple(GUARDS)
    assert HOLD_ACTION == HOLD


# (case id, old text, new text, expected "path: message" start, line marker in the broken text[, nth])
BROKEN: list[tuple[str, str, str, str, str] | tuple[str, str, str, str, str, int]] = [
    # threat scenarios
    (
        "scenario-actor-wrong-type",
        "        actor: A criminal group.",
        "        actor: [a, b]",
        "domains.cyber.threat_scenarios[1].actor: Input should be a valid string",
        "actor: [a, b]",
    ),
    (
        "scenario-missing-harm",
        "        harm: Existing attackers run more operations at lower cost.\n",
        "",
        "domains.cyber.threat_scenarios[1].harm: Field required",
        "- id: scaled-offence",
    ),
    (
        "scenario-bad-id",
        "id: scaled-offence",
        "id: scaled offence!",
        "domains.cyber.threat_scenarios[1].id: String should match pattern",
        "id: scaled offence!",
    ),
    (
        "scenario-unknown-key",
        "        actor: A criminal group.",
        "        actor: A criminal group.\n        likelihood: high",
        "domains.cyber.threat_scenarios[1].likelihood: Extra inputs are not permitted",
        "likelihood: high",
    ),
    (
        "scenario-duplicate-id",
        "id: scaled-offence",
        "id: novice-offence",
        "domains.cyber.threat_scenarios[1].id: duplicate id(s) novice-offence",
        "- id: novice-offence",
        2,
    ),
    (
        "criterion-unknown-scenario",
        "        scenario: loss-of-oversight",
        "        scenario: runaway",
        "domains.autonomy.criteria[0].scenario: 'runaway' is not a threat scenario of this domain",
        "scenario: runaway",
    ),
    # kind
    (
        "criterion-bad-kind",
        "kind: capability",
        "kind: skill",
        "domains.cyber.criteria[1].kind: Input should be 'capability' or 'propensity'",
        "kind: skill",
    ),
    # alerts
    (
        "alert-not-below-threshold",
        "alerts: {medium: 0.03, high: 0.10}",
        "alerts: {medium: 0.03, high: 0.20}",
        "domains.cyber.criteria[0].alerts.high: high=0.2 must be below its threshold 0.15",
        "alerts: {medium: 0.03, high: 0.20}",
    ),
    (
        "alert-without-threshold",
        "thresholds: {high: 0.8}",
        "thresholds: {high: 0.8}\n        alerts: {medium: 0.5}",
        "domains.cyber.criteria[1].alerts.medium: level 'medium' has an alert but no threshold",
        "alerts: {medium: 0.5}",
    ),
    (
        "alert-bad-level",
        "alerts: {medium: 0.01}",
        "alerts: {low: 0.01}",
        "domains.autonomy.criteria[0].alerts.low: not an allowed key: Input should be 'medium', 'high' or 'critical'",
        "alerts: {low: 0.01}",
    ),
    (
        "alert-wrong-type",
        "alerts: {medium: 0.03, high: 0.10}",
        "alerts: {medium: lots, high: 0.10}",
        "domains.cyber.criteria[0].alerts.medium: Input should be a valid number",
        "alerts: {medium: lots",
    ),
    (
        "alert-bad-bound",
        "alert_bound: upper",
        "alert_bound: middle",
        "domains.cyber.criteria[0].alert_bound: Input should be 'estimate', 'upper' or 'lower'",
        "alert_bound: middle",
    ),
    (
        "on-alert-out-of-range",
        "on_alert: {min_seeds: 20, full_transforms: true}",
        "on_alert: {min_seeds: 0, full_transforms: true}",
        "domains.cyber.criteria[0].on_alert.min_seeds: Input should be greater than or equal to 1",
        "on_alert: {min_seeds: 0",
    ),
    (
        "on-alert-unknown-key",
        "on_alert: {full_transforms: true}",
        "on_alert: {full_transforms: true, more_epochs: 3}",
        "domains.autonomy.criteria[0].on_alert.more_epochs: Extra inputs are not permitted",
        "more_epochs: 3",
    ),
    # required safeguards
    (
        "safeguard-bad-stage",
        "stages: [output]",
        "stages: [outptu]",
        "domains.cyber.safeguards.medium.stages[0]: Input should be 'input' or 'output'",
        "stages: [outptu]",
    ),
    (
        "safeguard-empty-stages",
        "    stages: [input, output]",
        "    stages: []",
        "safeguards.medium.stages: List should have at least 1 item",
        "stages: []",
    ),
    (
        "safeguard-residual-bad-level",
        "      residual_below: medium",
        "      residual_below: low",
        "safeguards.medium.validation.residual_below: Input should be 'medium', 'high' or 'critical'",
        "residual_below: low",
    ),
    (
        "safeguard-over-refusal-out-of-range",
        "max_over_refusal_increase: 0.10",
        "max_over_refusal_increase: 1.5",
        "safeguards.medium.validation.max_over_refusal_increase: Input should be less than or equal to 1",
        "max_over_refusal_increase: 1.5",
    ),
    (
        "safeguard-unknown-key",
        "      min_seeds: 12\nwatchlist:",
        "      min_seeds: 12\n      residual_above: low\nwatchlist:",
        "safeguards.medium.validation.residual_above: Extra inputs are not permitted",
        "residual_above: low",
    ),
    (
        "safeguard-bad-level-key",
        "safeguards:\n  medium:",
        "safeguards:\n  moderate:",
        "safeguards.moderate: not an allowed key: Input should be 'medium', 'high' or 'critical'",
        "  moderate:",
    ),
    # sign-off
    (
        "sign-off-bad-action",
        "  deploy: [safety lead]",
        "  deploi: [safety lead]",
        "sign_off.deploi: not an allowed key: Input should be 'deploy'",
        "deploi:",
    ),
    (
        "sign-off-roles-wrong-type",
        "  do_not_deploy: [safety lead]",
        "  do_not_deploy: safety lead",
        "sign_off.do_not_deploy: Input should be a valid list",
        "do_not_deploy: safety lead",
    ),
    (
        "sign-off-deploy-with-safeguards",
        "  deploy_with_safeguards: [safety lead, security lead]",
        "  deploy_with_safeguards: 3",
        "sign_off.deploy_with_safeguards: Input should be a valid list",
        "deploy_with_safeguards: 3",
    ),
    # history
    (
        "history-bad-date",
        'date: "2026-03-02"',
        "date: 2 March 2026",
        "history[1].date: String should match pattern",
        "date: 2 March 2026",
    ),
    (
        "history-missing-change",
        "    change: Threat scenarios and alerts.\n",
        "",
        "history[1].change: Field required",
        'version: "2"',
    ),
    (
        "history-last-version-mismatch",
        'policy\nversion: "3"',
        'policy\nversion: "4"',
        "history[2].version: the last entry is version '3' but the policy is version '4'",
        'version: "3"',
    ),
    (
        "lineage-wrong-type",
        "lineage: test-lineage",
        "lineage: [a]",
        "lineage: Input should be a valid string",
        "lineage: [a]",
    ),
    # watchlist
    (
        "watch-missing-metric",
        "  - metric: sandbagging_gap\n",
        "  - note: x\n",
        "watchlist[1].metric: Field required",
        "  - note: x",
    ),
    (
        "watch-metric-wrong-type",
        "  - metric: evaluation_differential",
        "  - metric: {a: 1}",
        "watchlist[0].metric: Input should be a valid string",
        "metric: {a: 1}",
    ),
    (
        "watch-note-wrong-type",
        "    note_above: 0.1\n",
        "    note_above: high\n",
        "watchlist[1].note_above: Input should be a valid number",
        "note_above: high",
    ),
]


@pytest.mark.parametrize("case", BROKEN, ids=[c[0] for c in BROKEN])
def test_each_broken_field_names_file_line_and_path(tmp_path: Path, case: tuple[object, ...]) -> None:
    _, old, new, expected, marker, *nth = case
    text = _replace(str(old), str(new))
    problems = _problems(tmp_path, text)
    line = _line(text, str(marker), int(nth[0]) if nth else 1)
    want = f"{tmp_path / 'policy.yaml'}:{line}: {expected}"
    assert any(p.startswith(want) for p in problems), "\n".join([want, "--- got:", *problems])


# semantic checks the loader makes across fields: (case id, old, new, expected start, marker)
SEMANTIC: list[tuple[str, str, str, str, str] | tuple[str, str, str, str, str, int]] = [
    (
        "sign-off-for-an-action-no-level-uses",
        "  high: {action: do_not_deploy}\n  critical: {action: stop_scaling}",
        "  high: {action: do_not_deploy}\n  critical: {action: do_not_deploy}",
        "sign_off.stop_scaling: no level leads to 'stop_scaling', so this sign-off is never asked for",
        "  stop_scaling: [responsible",
    ),
    (
        "sign-off-without-roles",
        "  deploy: [safety lead]",
        "  deploy: []",
        "sign_off.deploy: no role is named",
        "  deploy: []",
    ),
    (
        "sign-off-empty-role",
        "  deploy: [safety lead]",
        "  deploy: ['  ']",
        "sign_off.deploy[0]: empty role name",
        "  deploy: ['  ']",
    ),
    (
        "history-date-not-a-calendar-day",
        'date: "2026-03-02"',
        'date: "2026-02-30"',
        "history[1].date: '2026-02-30' is not a calendar date",
        'date: "2026-02-30"',
    ),
    (
        "history-out-of-order",
        'date: "2026-03-02"',
        'date: "2025-03-02"',
        "history[1].date: 2025-03-02 is before history[0] (2026-01-10)",
        'date: "2025-03-02"',
    ),
    (
        "history-duplicate-version",
        '  - version: "2"',
        '  - version: "1"',
        "history[1].version: version '1' is already history[0]",
        '  - version: "1"',
        2,
    ),
    (
        "safeguards-for-a-level-that-does-not-use-them",
        "safeguards:\n  medium:",
        "safeguards:\n  high:",
        "safeguards.high: level 'high' leads to 'do_not_deploy', so these safeguards are never required",
        "  high:",
    ),
    (
        "safeguards-unknown-guard-kind",
        "guards: [classifier, principled]",
        "guards: [classifier, magic]",
        "safeguards.medium.guards[1]: unknown guard kind 'magic'",
        "guards: [classifier, magic]",
    ),
    (
        "safeguards-stage-twice",
        "stages: [output]",
        "stages: [output, output]",
        "domains.cyber.safeguards.medium.stages[1]: stage 'output' is listed twice",
        "stages: [output, output]",
    ),
    (
        "residual-bound-above-its-level",
        "validation: {residual_below: medium, max_over_refusal_increase: 0.05}",
        "validation: {residual_below: high, max_over_refusal_increase: 0.05}",
        "domains.cyber.safeguards.medium.validation.residual_below: 'high' is above the level 'medium'",
        "validation: {residual_below: high",
    ),
    (
        "propensity-criterion-without-the-residual-threshold",
        "thresholds: {medium: 0.02, high: 0.10, critical: 0.25}\n        alerts: {medium: 0.01}",
        "thresholds: {high: 0.10, critical: 0.25}",
        "domains.autonomy.criteria[0].thresholds: no 'medium' threshold",
        "thresholds: {high: 0.10, critical: 0.25}",
    ),
    (
        "on-alert-without-alerts",
        "        alerts: {medium: 0.01}\n",
        "",
        "domains.autonomy.criteria[0].on_alert: no alert can raise this requirement",
        "on_alert: {full_transforms: true}",
    ),
    (
        "watch-unknown-domain",
        "    domain: autonomy\n    note_above: 0.1",
        "    domain: autonomous\n    note_above: 0.1",
        "watchlist[1].domain: 'autonomous' is not a domain of this policy (cyber, autonomy)",
        "domain: autonomous",
    ),
    (
        "watch-unknown-metric",
        "  - metric: sandbagging_gap",
        "  - metric: sandbaging_gap",
        "watchlist[1].metric: unknown metric 'sandbaging_gap'",
        "metric: sandbaging_gap",
    ),
]


@pytest.mark.parametrize("case", SEMANTIC, ids=[c[0] for c in SEMANTIC])
def test_cross_field_problems_are_located(tmp_path: Path, case: tuple[object, ...]) -> None:
    _, old, new, expected, marker, *nth = case
    text = _replace(str(old), str(new))
    problems = _problems(tmp_path, text)
    line = _line(text, str(marker), int(nth[0]) if nth else 1)
    want = f"{tmp_path / 'policy.yaml'}:{line}: {expected}"
    assert any(p.startswith(want) for p in problems), "\n".join([want, "--- got:", *problems])


def test_a_watchlist_item_may_name_a_foreign_criterion(tmp_path: Path) -> None:
    """A foreign task's score is filed under its criterion's name: a finding with no registered metric."""
    text = FULL.replace(
        "      - task: frontiergate/autonomy\n",
        "      - task: frontiergate/autonomy\n      - task: probe.py@probe\n"
        "        metric: {criterion: probe_score, inspect_metric: accuracy, direction: higher_is_worse}\n",
    ).replace(
        "        on_alert: {full_transforms: true}\n",
        "        on_alert: {full_transforms: true}\n      - metric: probe_score\n"
        "        thresholds: {medium: 0.5, high: 0.7, critical: 0.9}\n",
    )
    text = text.replace("  - metric: sandbagging_gap", "  - metric: probe_score")
    f = tmp_path / "policy.yaml"
    f.write_text(text)
    pol = load_policy(f, metric_exists=metric_exists)
    assert pol.watchlist[1].metric == "probe_score"


def test_sign_off_for_the_hold_action_is_allowed_when_no_level_uses_it(tmp_path: Path) -> None:
    """do_not_deploy is where the decision holds on missing evidence, whatever the levels say."""
    text = FULL.replace("  high: {action: do_not_deploy}", "  high: {action: stop_scaling}")
    pol = _load(tmp_path, text)
    assert pol.sign_off["do_not_deploy"] == ["safety lead"]


def test_every_problem_is_reported_in_one_pass(tmp_path: Path) -> None:
    """A schema error elsewhere does not hide the cross-field problems (nor the reverse)."""
    text = (
        FULL.replace("alert_bound: upper", "alert_bound: middle")
        .replace("guards: [classifier, principled]", "guards: [magic]")
        .replace("    domain: autonomy\n    note_above: 0.1", "    domain: nowhere\n    note_above: 0.1")
    )
    problems = _problems(tmp_path, text)
    joined = "\n".join(problems)
    assert "criteria[0].alert_bound" in joined
    assert "safeguards.medium.guards[0]: unknown guard kind 'magic'" in joined
    assert "watchlist[1].domain: 'nowhere'" in joined
    assert all(p.startswith(f"{tmp_path / 'policy.yaml'}:") and p.split(":")[1].isdigit() for p in problems)


def test_unquoted_history_dates_are_read_as_written(tmp_path: Path) -> None:
    """YAML reads an unquoted date as a timestamp; it is the natural way to write one, so it loads,
    and one that is no calendar day is a located error, not the parser's traceback."""
    pol = _load(tmp_path, FULL.replace('date: "2026-03-02"', "date: 2026-03-02"))
    assert pol.history[1].date == "2026-03-02"
    text = FULL.replace('date: "2026-03-02"', "date: 2026-02-30")
    with pytest.raises(PolicyError) as ei:
        _load(tmp_path, text)
    rendered = ei.value.render()
    assert f"policy.yaml:{_line(text, 'date: 2026-02-30')}: malformed YAML: day is out of range" in rendered
    assert "quote the value" in rendered
