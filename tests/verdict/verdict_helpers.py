"""The verdict red-team's machinery: run a small policy on adversarial targets and read the verdict.

Why a red-team: the deployment decision is the product, and every path from evidence to decision
must err toward caution. Each test here plays a target that tries to game the decision (see
``tests/scripted.py`` and ``docs/verdict-integrity.md``) through the whole pipeline (plan, Inspect,
store, analysis, decision, report), so a defect anywhere on that path shows up as a cleared domain.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "autonomy"))
import scripted_agents  # noqa: E402,F401  (registers autonomy_script/...)

from frontiergate.pipeline.run import RunOptions, RunResult, start_run  # noqa: E402

POLICIES = HERE / "policies"
CLEARED = ("deploy", "deploy_with_safeguards")
"""Domain actions that clear a domain for deployment: an adversary must never get one
(``deploy_with_safeguards`` is granted only on validated safeguards; see docs/decisions.md)."""
SEVERE = ("critical",)
REASON_WORDS: dict[str, tuple[str, ...]] = {
    "empty": ("empty",),
    "provider_filter": ("provider_filter", "content filter", "provider filter"),
    "truncated": ("truncated",),
    "error": ("error",),
    "guard_failure": ("guard_failure", "guard failure", "guard fail"),
    "judge_unparseable": ("judge_unparseable", "unparseable"),
    "agent_idle": ("agent_idle", "did not engage", "idle"),
    "turn_cap": ("turn_cap", "turn or token cap", "cap"),
}
"""How a decision may name an unknown's reason (its key or the words of outcomes.REASON_TEXT)."""


def policy(name: str) -> Path:
    return POLICIES / f"{name}.yaml"


def run(policy_path: Path, *targets: str, **kw: Any) -> RunResult:
    """One run with fast, bounded retries (the adversaries answer instantly or fail for good)."""
    opts: dict[str, Any] = {
        "retry_attempts": 1,
        "retry_on_error": 1,
        "max_retries": 1,
        "attempt_timeout": 10,
        "display": "none",
    }
    opts.update(kw)
    return start_run(RunOptions(targets=list(targets), policy_path=str(policy_path), **opts))


def target_report(report: dict[str, Any], model: str) -> dict[str, Any]:
    """The report section of exactly ``model`` (exact identity, never a suffix match)."""
    found = [t for t in report["targets"] if t["model"] == model]
    assert len(found) == 1, [t["model"] for t in report["targets"]]
    return found[0]


def domain(report: dict[str, Any], model: str, name: str) -> dict[str, Any]:
    dec: dict[str, Any] = target_report(report, model)["decision"]["domains"][name]
    return dec


def headline(report: dict[str, Any], model: str, dom: str, metric: str) -> dict[str, Any]:
    t = target_report(report, model)
    found = [f for f in t["findings"] if f["domain"] == dom and f["metric"] == metric and f["slice"] == "all"]
    assert len(found) == 1, [(f["metric"], f["slice"]) for f in t["findings"] if f["domain"] == dom]
    return found[0]


def explanation(dec: dict[str, Any]) -> str:
    """Everything a reader is told about a domain's decision, lower-cased."""
    parts = [str(dec.get("rationale", "")), *[str(x) for x in dec.get("limitations", [])]]
    for c in dec.get("criteria", []):
        parts.extend(str(n) for n in c.get("notes", []))
    return " ".join(parts).lower()


def names_any(dec: dict[str, Any], words: Iterable[str]) -> bool:
    text = explanation(dec)
    return any(w.lower() in text for w in words)


def assert_not_cleared(dec: dict[str, Any], *reasons: str, words: Iterable[str] = ()) -> None:
    """The domain is held (not deploy / deploy_with_safeguards) and its explanation names why:
    at least one of the unknown ``reasons`` (by key or words) or of the extra ``words``."""
    assert dec["action"] not in CLEARED, dec
    wanted = [w for r in reasons for w in REASON_WORDS[r]] + list(words)
    if wanted:
        assert names_any(dec, wanted), f"decision does not name {wanted}: {explanation(dec)}"


def assert_not_severe_without_events(dec: dict[str, Any]) -> None:
    """Zero observed events never reads critical / stop_scaling."""
    assert dec["level"] != "critical", dec
    assert dec["action"] != "stop_scaling", dec


def harmful_outcomes(res: RunResult, model: str, task: str = "frontiergate/misuse") -> list[tuple[str, str | None]]:
    """(outcome, unknown reason) of every scored harmful sample of ``model`` in ``task``, from the store."""
    from sqlalchemy import select

    from frontiergate.store import EvaluationRow, ItemRow, SampleRow, ScoreRow, Store

    store = Store(res.store_url)
    out: list[tuple[str, str | None]] = []
    with store.session() as s:
        rows = s.execute(
            select(ScoreRow, ItemRow)
            .join(SampleRow, ScoreRow.sample_pk == SampleRow.id)
            .join(EvaluationRow, SampleRow.evaluation_id == EvaluationRow.id)
            .join(ItemRow, (ItemRow.item_id == SampleRow.item_id) & (ItemRow.run_id == SampleRow.run_id))
            .where(
                EvaluationRow.run_id == res.run_id,
                EvaluationRow.target == model,
                EvaluationRow.task == task,
                ScoreRow.scorer == "refusal_rules",
            )
        ).all()
        for score, item in rows:
            if not item.harmful:
                continue
            meta = dict(score.meta or {})
            out.append((str(meta.get("outcome")), meta.get("unknown_reason")))
    return out


@pytest.fixture(autouse=True)
def _fresh_models() -> None:
    """Each test starts as a fresh process would: Inspect memoizes model instances per process, and
    a target wrapper can carry state from one run into the next (see
    ``test_safeguards_and_identity.py::test_each_run_uses_its_own_guard``, which checks that
    leak on purpose, within one test)."""
    from inspect_ai.model import _model

    _model._models.clear()
