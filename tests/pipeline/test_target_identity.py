"""Exact target identity: every log, sample and decision is filed under the model that produced it.

Before, logs were matched to targets by a shared suffix, so ``openai/gpt-4o``'s evidence could be
filed under ``safeguarded/openai/gpt-4o`` and the before/after comparison compared a model with itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from inspect_ai.log import read_eval_log
from inspect_ai.model import ChatMessage, GenerateConfig, ModelAPI, ModelOutput, modelapi
from inspect_ai.tool import ToolChoice, ToolInfo
from scripted import COMPLIANCE, REFUSAL
from sqlalchemy import select

from frontiergate.pipeline.run import RunOptions, start_run
from frontiergate.pipeline.targets import TargetIdentity, inspect_model_name
from frontiergate.store import SampleRow, Store
from frontiergate.store.models import DecisionRow, EvaluationRow


class RelayAPI(ModelAPI):
    """``relay/<anything>``: a different model whose name ends with another target's full name; it
    always complies, whatever the model it names does."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, [], config)

    async def generate(
        self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice, config: GenerateConfig
    ) -> ModelOutput:
        return ModelOutput.from_content(model=f"relay/{self.model_name}", content=COMPLIANCE)


@modelapi(name="relay")
def relay() -> type[ModelAPI]:
    return RelayAPI


def test_identity_is_exact_never_by_suffix() -> None:
    ident = TargetIdentity(["safeguarded/scripted/comply", "scripted/comply"])
    assert ident.target_for("scripted/comply") == "scripted/comply"
    assert ident.target_for("safeguarded/scripted/comply") == "safeguarded/scripted/comply"
    # a log of a model that is no target is attributed to none (not to a suffix-sharing target)
    assert TargetIdentity(["safeguarded/scripted/comply"]).target_for("scripted/comply") is None
    assert TargetIdentity(["scripted/comply"]).target_for("safeguarded/scripted/comply") is None
    # what Inspect writes into the header is the target string for these providers
    for t in ("scripted/comply", "relay/scripted/refuse", "openai-api/acme/m", "mockllm/model"):
        assert inspect_model_name(t, model_args={"api_key": "x"} if t.startswith("openai") else None) == t


def _per_target(res_url: str, run_id: str) -> dict[str, dict[str, Any]]:
    store = Store(res_url)
    out: dict[str, dict[str, Any]] = {}
    with store.session() as s:
        for e in s.scalars(select(EvaluationRow).where(EvaluationRow.run_id == run_id)):
            d = out.setdefault(e.target, {"logs": [], "outputs": [], "decisions": {}})
            d["logs"].append(e.log_path)
            d["outputs"] += list(s.scalars(select(SampleRow.output_text).where(SampleRow.evaluation_id == e.id)))
        for row in s.scalars(select(DecisionRow).where(DecisionRow.run_id == run_id)):
            out.setdefault(row.target, {"logs": [], "outputs": [], "decisions": {}})["decisions"][row.domain] = row
    return out


def _check_logs_are_their_targets(per: dict[str, dict[str, Any]]) -> None:
    for target, d in per.items():
        assert d["logs"], target
        for path in d["logs"]:
            assert read_eval_log(path, header_only=True).eval.model == target


@pytest.mark.parametrize(
    ("longer", "shorter", "longer_says", "shorter_says"),
    [
        # raw versus safeguarded of the same model (the rules guard blocks the harmful requests)
        ("safeguarded/scripted/comply", "scripted/comply", None, COMPLIANCE),
        # two different models, one name a suffix of the other, behaving oppositely
        ("relay/scripted/refuse", "scripted/refuse", COMPLIANCE, REFUSAL),
    ],
)
def test_suffix_sharing_targets_keep_their_own_evidence(
    misuse_policy: Path, longer: str, shorter: str, longer_says: str | None, shorter_says: str
) -> None:
    # the longer name first: the old suffix match filed the shorter one's logs under it
    res = start_run(
        RunOptions(
            targets=[longer, shorter],
            policy_path=str(misuse_policy),
            domains=["cyber"],
            model_args={"guard": "rules"},
            task_args={"frontiergate/misuse": {"max_seeds": 3}},
            display="none",
        )
    )
    per = _per_target(res.store_url, res.run_id)
    assert set(per) == {longer, shorter}
    _check_logs_are_their_targets(per)
    assert len(per[longer]["logs"]) == len(per[shorter]["logs"]) == 1
    # each target has its own samples (3 seeds, each with its benign twin) and its own decisions
    assert len(per[longer]["outputs"]) == len(per[shorter]["outputs"]) == 6
    assert set(per[shorter]["outputs"]) == {shorter_says}
    if longer_says is not None:
        assert set(per[longer]["outputs"]) == {longer_says}
    else:
        assert set(per[longer]["outputs"]) != {shorter_says}  # the guard changed what was said
    for target in (longer, shorter):
        assert {"cyber", "_overall"} <= set(per[target]["decisions"])
    by_model = {t["model"]: t for t in res.report["targets"]}
    assert set(by_model) == {longer, shorter}
    for target in (longer, shorter):
        evals = by_model[target]["evaluations"]
        assert evals and all(e["target"] == target for e in evals if "target" in e)


class AliasAPI(ModelAPI):
    """``alias/<name>``: a provider that renames its model from a model arg (``-M alias=...``), as
    some providers rewrite the model name they are given."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),
        **model_args: Any,
    ) -> None:
        super().__init__(str(model_args.get("alias", model_name)), base_url, api_key, [], config)

    async def generate(
        self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice, config: GenerateConfig
    ) -> ModelOutput:
        return ModelOutput.from_content(model=f"alias/{self.model_name}", content=REFUSAL)


@modelapi(name="alias")
def alias() -> type[ModelAPI]:
    return AliasAPI


def test_identity_builds_each_target_with_its_own_args() -> None:
    """Targets with args of their own (``--safeguards``) are named as they were built: with the
    run-wide args alone both would resolve alike, and no log could be told apart."""
    ident = TargetIdentity(
        ["alias/a", "alias/b"],
        model_args={"alias": "shared"},
        target_args={"alias/a": {"alias": "first"}, "alias/b": {"alias": "second"}},
    )
    assert ident.target_for("alias/first") == "alias/a"
    assert ident.target_for("alias/second") == "alias/b"
    assert ident.target_for("alias/shared") is None
    run_wide = TargetIdentity(["alias/a", "alias/b"], model_args={"alias": "shared"})
    assert run_wide.target_for("alias/shared") is None  # both would claim it: attributed to neither
    assert run_wide.target_for("alias/first") is None
