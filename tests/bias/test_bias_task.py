"""The bias task end to end with scripted models: eval → real ingest/store → metrics."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bias_helpers import context_from_log, run_eval
from inspect_ai import Task
from inspect_ai.dataset import MemoryDataset
from inspect_ai.model import GenerateConfig, ModelOutput, get_model

from frontiergate.analysis.metrics_bias import (
    evenhandedness,
    hedging_asymmetry,
    length_asymmetry,
    opposing_perspectives_rate,
    refusal_asymmetry,
)
from frontiergate.bias.judge_validation import agreement, load_validation_pairs
from frontiergate.bias.library import PromptPair
from frontiergate.scorers.bias import bias_judge
from frontiergate.tasks.bias import bias, pair_sample, paired_stances

DOMAIN = "ideological_bias"


def _head(findings: list, metric: str):  # type: ignore[no-untyped-def]
    heads = [f for f in findings if f.slice == "all"]
    assert len(heads) == 1 and heads[0].metric == metric
    return heads[0]


def test_one_sided_refusal_is_a_significant_asymmetry(tmp_path: Path) -> None:
    log = run_eval(bias(max_pairs=40, judge="rules"), "scripted_bias/refuse_b", tmp_path)
    assert len(log.samples or []) == 40
    ctx = context_from_log(log, tmp_path)
    findings = refusal_asymmetry(ctx, DOMAIN)
    head = _head(findings, "refusal_asymmetry")
    assert head.n == 40 and head.estimate == 1.0
    assert head.p_value is not None and head.p_value < 0.05
    assert head.ci_low is not None and head.ci_low > 0
    assert head.details["direction"] == "stance b refused more"
    assert head.details["signed_diff_b_minus_a"] == 1.0
    assert head.details["only_b"] == 40 and head.details["only_a"] == 0
    assert head.details["worst_topics"] and head.details["evidence"]
    assert "axis=economic" in head.details["stance_meaning"]
    slices = {f.slice for f in findings}
    assert {"template=argue", "axis=social", "country=UK"} <= slices
    assert any(s.startswith("topic=") for s in slices)
    # the rules judge sees the one-sided refusal as uneven, favouring stance a
    even = _head(evenhandedness(ctx, DOMAIN), "evenhandedness")
    assert even.estimate == 0.0 and even.details["favours_a"] == 40
    assert even.details["judges"] == ["rules"]


def test_mirror_refusal_points_the_other_way(tmp_path: Path) -> None:
    log = run_eval(bias(max_pairs=24, judge="rules"), "scripted_bias/refuse_a", tmp_path)
    head = _head(refusal_asymmetry(context_from_log(log, tmp_path), DOMAIN), "refusal_asymmetry")
    assert head.details["direction"] == "stance a refused more"
    assert head.details["signed_diff_b_minus_a"] == -1.0 and head.p_value is not None and head.p_value < 0.05


def test_even_model_with_scripted_grader_is_even(tmp_path: Path) -> None:
    grader = get_model(
        "mockllm/model",
        custom_outputs=[
            ModelOutput.from_content("mockllm/model", "VERDICT: EVEN\nBoth requests were served alike.")
        ]
        * 200,
    )
    log = run_eval(
        bias(max_pairs=40, judge="model"), "scripted_bias/same", tmp_path, model_roles={"grader": grader}
    )
    ctx = context_from_log(log, tmp_path)
    even = _head(evenhandedness(ctx, DOMAIN), "evenhandedness")
    assert even.n == 40 and even.estimate == 1.0
    assert even.ci_low is not None and 0.9 < even.ci_low < 1.0 and even.ci_high == 1.0
    assert even.details["unparseable"] == 0 and even.details["judges"] == ["mockllm/model"]
    assert even.details["agreement_with_rules"]["estimate"] == 1.0
    refusal = _head(refusal_asymmetry(ctx, DOMAIN), "refusal_asymmetry")
    assert refusal.estimate == 0.0 and refusal.p_value == 1.0 and refusal.ci_low == 0.0
    assert refusal.details["direction"] == "none"
    assert _head(length_asymmetry(ctx, DOMAIN), "length_asymmetry").estimate == 0.0
    assert _head(hedging_asymmetry(ctx, DOMAIN), "hedging_asymmetry").estimate == 0.0
    opp = _head(opposing_perspectives_rate(ctx, DOMAIN), "opposing_perspectives_rate")
    assert opp.n == 80 and opp.details["unit"] == "answer"


def test_unparseable_judge_replies_are_never_even(tmp_path: Path) -> None:
    grader = get_model(
        "mockllm/model",
        custom_outputs=[ModelOutput.from_content("mockllm/model", "I think both answers are interesting.")]
        * 50,
    )
    log = run_eval(
        bias(max_pairs=6, judge="model"), "scripted_bias/same", tmp_path, model_roles={"grader": grader}
    )
    for s in log.samples or []:
        assert s.scores is not None and s.scores["bias_judge"].value == "unparseable"
    ctx = context_from_log(log, tmp_path)
    even = _head(evenhandedness(ctx, DOMAIN), "evenhandedness")
    # every pair is unknown: no estimate, and an interval that spans everything (never read as even)
    assert even.n == 6 and even.estimate is None and even.details["unparseable"] == 6
    assert (even.ci_low, even.ci_high) == (0.0, 1.0) and even.details["unknown_share"] == 1.0


def test_scripted_grader_agreement_on_validation_pairs(tmp_path: Path) -> None:
    """The judge path through Inspect's grader role, on the hand-made pairs with known verdicts."""
    vps = load_validation_pairs()
    samples = [
        pair_sample(
            PromptPair(
                pair_id=p.id,
                topic=p.kind,
                template="validation",
                template_category="validation",
                axis="unspecified",
                country="unspecified",
                stance_a="a",
                stance_b="b",
                prompt_a=p.prompt_a,
                prompt_b=p.prompt_b,
            )
        )
        for p in vps
    ]
    task = Task(
        dataset=MemoryDataset(samples),
        solver=paired_stances(),
        scorer=bias_judge(judge="model"),
        config=GenerateConfig(max_tokens=64),
    )
    log = run_eval(
        task, "scripted_bias/validation", tmp_path, model_roles={"grader": "scripted_grader/oracle"}
    )
    by_id = {str(s.id): s for s in log.samples or []}
    verdicts = [by_id[p.id].scores["bias_judge"].metadata["verdict"] for p in vps]  # type: ignore[index]
    res = agreement("scripted_grader/oracle", vps, verdicts)
    # the oracle knows every label but gives two deliberately unusable replies
    assert res.unparseable == 2
    assert res.binary.k == len(vps) - 2 and res.three_way.k == len(vps) - 2
    assert {m["id"] for m in res.misses} == {"v13_weak_content_b", "v24_even_both_refused_hard"}


def test_inspect_cli_with_external_pairs(political_pairs_file: Path, tmp_path: Path) -> None:
    env = {**os.environ, "INSPECT_LOG_DIR": str(tmp_path / "logs")}
    cmd = [
        sys.executable,
        "-m",
        "inspect_ai",
        "eval",
        "frontiergate/bias",
        "-T",
        f"pairs={political_pairs_file}",
        "--model",
        "mockllm/model",
        "--limit",
        "4",
        "--display",
        "plain",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=180, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    from inspect_ai.log import list_eval_logs, read_eval_log

    logs = list_eval_logs(str(tmp_path / "logs"))
    assert len(logs) == 1
    log = read_eval_log(logs[0])
    assert log.status == "success" and len(log.samples or []) == 4
    for s in log.samples or []:
        assert s.metadata["domain"] == DOMAIN
        assert s.metadata["extra"]["source"] == "external:political_pairs_dev.csv"
        assert set(s.scores or {}) == {"bias_refusal", "bias_features", "bias_judge"}
