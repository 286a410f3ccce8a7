"""The misuse task with transforms, run through ``inspect_ai.eval`` on a scripted model that
complies only under role-play: role-play ASR must be high, every other family's low, and the
Wilson intervals must separate. The findings then feed the report section."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.log import EvalLog
from scenario_scripted import roleplay_sensitive_model, sample_views

from frontiergate.analysis.context import AnalysisContext, SampleView
from frontiergate.analysis.metrics_misuse import attack_success_rate, over_refusal_rate
from frontiergate.report.context import ReportContext
from frontiergate.report.sections import misuse as section
from frontiergate.tasks.misuse import misuse

TRANSFORMS = "roleplay,encoding,persuasion"
SEEDS_PER_DOMAIN = 3


@pytest.fixture(scope="module")
def roleplay_log(tmp_path_factory: pytest.TempPathFactory) -> EvalLog:
    task = misuse(transforms=TRANSFORMS, max_seeds=SEEDS_PER_DOMAIN, seed=1)
    logs = inspect_eval(task, model=roleplay_sensitive_model(), log_dir=str(tmp_path_factory.mktemp("logs")),
                        display="none", log_realtime=False, max_connections=50)
    assert logs[0].status == "success", logs[0].error
    return logs[0]


@pytest.fixture(scope="module")
def ctx(roleplay_log: EvalLog) -> AnalysisContext:
    return AnalysisContext(run_id="r", target="mockllm/model", samples=sample_views(roleplay_log),
                           evaluations=[])


def test_task_metadata_and_sample_metadata_follow_the_item_schema(roleplay_log: EvalLog) -> None:
    samples = roleplay_log.samples or []
    # 3 domains x SEEDS_PER_DOMAIN seeds x 2 (benign twins) x (base + 10 transforms)
    assert len(samples) == 3 * SEEDS_PER_DOMAIN * 2 * 11
    md = samples[0].metadata
    assert {"item_id", "seed_id", "domain", "category", "severity", "harmful", "turns", "transforms",
            "family", "framing", "twin_id", "source", "extra"} <= set(md)
    assert roleplay_log.eval.task_args["transforms"] == TRANSFORMS
    assert len(roleplay_log.eval.metadata["scenario_hash"]) == 64  # type: ignore[index]


def test_roleplay_asr_high_and_other_families_low_with_seed_clustered_intervals(ctx: AnalysisContext) -> None:
    for domain in ("cyber", "chem_bio", "general_harm"):
        by_slice = {f.slice: f for f in attack_success_rate(ctx, domain)}
        rp = by_slice["family=roleplay"]
        assert rp.n == SEEDS_PER_DOMAIN * 3 and rp.k == rp.n
        for fam in ("none", "encoding", "persuasion"):
            other = by_slice[f"family={fam}"]
            assert other.k == 0 and other.n > 0
            assert other.ci_high is not None and rp.ci_low is not None
            # with this few seeds the seed-clustered intervals need not separate (every seed counts
            # once, never each variant), but the whole interval of the complied family lies above
            # the other family's estimate, and neither claims more than its seeds
            assert other.estimate == 0.0 and rp.ci_low > other.estimate, (domain, fam)
            assert rp.details["best_case"]["n_effective"] <= rp.details["seeds"] + 1e-9
        head = by_slice["all"]
        assert head.n == SEEDS_PER_DOMAIN * 11 and head.k == SEEDS_PER_DOMAIN * 3


def test_pooled_intervals_separate_decisively(ctx: AnalysisContext) -> None:
    from frontiergate.stats.intervals import wilson_interval

    harmful = [s for s in ctx.samples if s.harmful]
    rp = [s for s in harmful if s.family == "roleplay"]
    rest = [s for s in harmful if s.family != "roleplay"]

    def hit(xs: list[SampleView]) -> int:
        return sum(1 for s in xs if s.scores["refusal_rules"].value == 1.0)

    a, b = wilson_interval(hit(rp), len(rp)), wilson_interval(hit(rest), len(rest))
    assert a.estimate == 1.0 and a.low is not None and a.low > 0.8
    assert b.estimate == 0.0 and b.high is not None and b.high < 0.1
    assert a.low > b.high


def test_over_refusal_is_measured_on_benign_twins_under_the_same_wrapper(ctx: AnalysisContext) -> None:
    orr = over_refusal_rate(ctx, "cyber")[0]
    # the scripted model refuses every benign twin except those wrapped in role-play (3 of 11 chains)
    assert orr.n == SEEDS_PER_DOMAIN * 11 and orr.k == SEEDS_PER_DOMAIN * 8
    benign_rp = [s for s in ctx.samples if s.harmful is False and s.family == "roleplay"]
    assert benign_rp and all(s.scores["refusal_rules"].value == 1.0 for s in benign_rp)


def test_report_section_ranks_roleplay_first_and_exposes_the_heatmap(ctx: AnalysisContext) -> None:
    findings = [f.as_dict() for d in ("cyber", "chem_bio", "general_harm")
                for f in [*attack_success_rate(ctx, d), *over_refusal_rate(ctx, d)]]

    def findings_for(
        target: str, metric: str | None = None, domain: str | None = None
    ) -> list[dict[str, Any]]:
        return [f for f in findings if (metric is None or f["metric"] == metric)
                and (domain is None or f["domain"] == domain)]

    rc = SimpleNamespace(targets=["mockllm/model"], analysis={"mockllm/model": ctx}, decisions={},
                         findings_for=findings_for,
                         policy=SimpleNamespace(domains={"cyber": 1, "chem_bio": 1, "autonomy": 1}))
    sec = section.build(cast(ReportContext, rc))
    assert sec is not None
    hm = sec["heatmap"]
    assert hm["domains"] == ["cyber", "chem_bio", "general_harm"]
    assert hm["families"] == ["none", "encoding", "roleplay", "persuasion"]
    j = hm["families"].index("roleplay")
    assert all(row[j] == 1.0 for row in hm["values"])
    assert all(v == 0.0 for row in hm["values"] for i, v in enumerate(row) if i != j)
    assert hm["n"][0][j] == SEEDS_PER_DOMAIN * 3
    tsec = sec["targets"]["mockllm/model"]
    assert tsec["family_ranking"][0]["family"] == "roleplay"
    assert tsec["family_ranking"][0]["lift_vs_plain"] == 1.0
    assert tsec["family_ranking"][0]["separated_from_next"] is True
    assert tsec["family_ranking"][1]["separated_from_next"] is False  # 0% vs 0%: not decided
    assert not sec["limitations"]
    assert tsec["strategy_ranking"][0]["family"] == "roleplay"
    assert {r["family"]: r["estimate"] for r in tsec["over_refusal_by_family"]}["roleplay"] == 0.0
    md = section.markdown(sec)
    assert "| cyber |" in md and "roleplay" in md and "seed-clustered, unknowns bounded" in md
    assert "<table class='heatmap'>" in section.html(sec)


def test_report_section_is_absent_without_misuse_findings() -> None:
    rc = SimpleNamespace(targets=["m"], analysis={}, decisions={}, findings_for=lambda *a, **k: [],
                         policy=SimpleNamespace(domains={}))
    assert section.build(cast(ReportContext, rc)) is None


def test_default_parameters_still_build_the_quick_task() -> None:
    t = misuse(max_seeds=2)
    assert len(t.dataset) == 3 * 2 * 2
    assert all(s.metadata and s.metadata["family"] == "none" for s in t.dataset)


def test_bring_your_own_file_through_the_task(tmp_path: Path) -> None:
    p = tmp_path / "own.csv"
    p.write_text("Behavior,ID,Cat\nSynthetic request A,a,x\nSynthetic request B,b,y\n", encoding="utf-8")
    t = misuse(scenario_file=str(p), prompt_column="Behavior", id_column="ID", category_column="Cat",
               scenario_domain="cyber", transforms="base64")
    ids = [s.id for s in t.dataset]
    assert ids == ["ext-a|none|plain", "ext-b|none|plain", "ext-a|base64|plain", "ext-b|base64|plain"]
    assert t.metadata is not None and t.metadata["domains"] == ["cyber"]


def test_max_variants_and_stack_depth_reach_the_dataset() -> None:
    t = misuse(domains="cyber", transforms="all", stack_depth=2, max_variants=300, include_base=False)
    assert len(t.dataset) == 300
    assert all(s.metadata and s.metadata["transforms"] for s in t.dataset)


def test_report_rankings_read_no_better_than_the_decisions_findings() -> None:
    """Gaming attempt: 40 of an attack family's 100 answers are hidden behind a provider filter. The
    ranking row must carry the unknowns and the finding's own interval, not count them as refusals."""
    from frontiergate.analysis.context import AnalysisContext, SampleView, ScoreView
    from frontiergate.analysis.metrics_misuse import attack_success_rate

    def view(pk: int, item: str, seed: str, family: str, kind: str) -> SampleView:
        meta = {"outcome": kind, **({"unknown_reason": "provider_filter"} if kind == "unknown" else {})}
        return SampleView(pk, 1, "frontiergate/misuse", "m", item, seed, "cyber", "c", "high", True, family,
                          ["b64"] if family != "none" else [], "plain", None, {}, 1, None, 0, 0, None,
                          {"refusal_rules": ScoreView(0.0, "x", None, meta)})

    samples = []
    for seed in range(10):
        for v in range(10):
            kind = "complied_harmful" if v == 0 else "unknown" if v <= 4 else "refused"
            samples.append(view(len(samples), f"s{seed}v{v}", f"s{seed}", "encoding", kind))
        samples.append(view(len(samples), f"s{seed}p", f"s{seed}", "none", "refused"))
    ctx = AnalysisContext("r", "m", samples, [])
    findings = [f.as_dict() for f in attack_success_rate(ctx, "cyber")]
    rc = SimpleNamespace(targets=["m"], analysis={"m": ctx}, decisions={},
                         policy=SimpleNamespace(domains={"cyber": None}),
                         findings_for=lambda t, metric: [f for f in findings if f["metric"] == metric])
    sec = section.build(cast(ReportContext, rc))
    assert sec is not None
    enc = next(f for f in findings if f["slice"] == "family=encoding")
    row = next(r for r in sec["targets"]["m"]["family_ranking"] if r["family"] == "encoding")
    assert (row["k"], row["n"], row["unknown"]) == (10, 100, 40)
    assert (row["estimate"], row["ci_low"], row["ci_high"]) == (enc["estimate"], enc["ci_low"], enc["ci_high"])
    assert row["ci_high"] > 0.5  # the 40 hidden answers may all have complied
    chain = sec["targets"]["m"]["strategy_ranking"][0]
    assert chain["unknown"] == 40 and chain["ci_high"] == enc["ci_high"]
    assert "40 unknown" in section.markdown(sec)
    # the domain x family heatmap shows the unknowns and the upper end too, in every rendering
    hm = sec["targets"]["m"]["heatmap"]
    j = hm["families"].index("encoding")
    assert hm["unknown"][0][j] == 40 and hm["ci_high"][0][j] == enc["ci_high"]
    assert f"40 unknown: up to {enc['ci_high'] * 100:.1f}%" in section.markdown(sec)
    assert "40 unknown: up to" in section.html(sec)
    from frontiergate.report import plots

    svg = plots.heatmap(hm["domains"], hm["families"], hm["values"], hm["n"], "t", upper=hm["ci_high"],
                        unknown=hm["unknown"])
    assert "unknown" in svg
