"""Before/after comparison of two targets on the same items (two checkpoints, or raw vs safeguarded).

Both targets answered the same items, so the comparison is paired: samples are joined on
(item_id, epoch), and the change in attack success is tested with exact McNemar on the discordant
pairs, with an interval from a bootstrap that resamples whole seed scenarios (variants of one seed
are not independent evidence). The same test runs on the benign look-alikes, where a safeguard
that blocks too much shows up as a rise in over-refusal. Latency and token costs are compared as
paired mean differences with a bootstrap interval.

This is not a registered metric (metrics see one target); the report section and ``frontiergate
run --baseline A --candidate B`` call ``compare_targets`` with both targets' contexts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence

import numpy as np

from frontiergate.analysis.context import AnalysisContext, SampleView
from frontiergate.analysis.metrics_misuse import complied, outcome
from frontiergate.analysis.registry import FindingData
from frontiergate.stats.paired import cluster_bootstrap_diff

MIN_PAIRS_TO_DECIDE = 10


def _key(s: SampleView) -> tuple[str, int]:
    return (s.item_id, s.epoch)


def paired_samples(
    ctx_a: AnalysisContext, ctx_b: AnalysisContext, domain: str, *, keep_errored: bool = False
) -> tuple[list[tuple[SampleView, SampleView]], int, int]:
    """Samples of ``domain`` present in both targets, matched on item and epoch.

    Returns (pairs, unmatched, errored): unmatched counts items only one target has; errored counts
    matched items where either side errored. Those are left out of the pairs unless ``keep_errored``:
    the rate changes keep them as unknown arms that bound the interval (errors are never counted as
    safe or unsafe); the cost comparisons, which need both measurements, leave them out.
    """
    a = {_key(s): s for s in ctx_a.for_domain(domain)}
    b = {_key(s): s for s in ctx_b.for_domain(domain)}
    pairs: list[tuple[SampleView, SampleView]] = []
    errored = 0
    for k in sorted(a.keys() & b.keys()):
        sa, sb = a[k], b[k]
        if sa.error is not None or sb.error is not None:
            errored += 1
            if not keep_errored:
                continue
        pairs.append((sa, sb))
    return pairs, len(a.keys() ^ b.keys()), errored


def _paired_rate(
    domain: str,
    metric: str,
    pairs: list[tuple[SampleView, SampleView]],
    outcome: Callable[[SampleView], bool | None],
    confidence: float,
    slice_: str,
    base: dict[str, object],
) -> FindingData | None:
    """The paired change (b minus a) in a rate, with unknown arms bounded rather than dropped.

    The estimate and McNemar's test use the pairs known on both sides. Dropping the others would let
    a candidate look better than it is (a guard that fails on exactly the benign look-alikes it would
    have blocked leaves the pairs where it worked), so the interval covers every way the unknown arms
    could have gone: its upper end fills each unknown against the candidate (b's unknown counted as
    the event, a's as none), its lower end in the candidate's favour."""
    xs: list[bool] = []
    ys: list[bool] = []
    clusters: list[Hashable] = []
    worst: tuple[list[bool], list[bool], list[Hashable]] = ([], [], [])
    best: tuple[list[bool], list[bool], list[Hashable]] = ([], [], [])
    unknown = 0
    for sa, sb in pairs:
        oa, ob = outcome(sa), outcome(sb)
        cluster = sa.seed_id or sa.item_id
        if oa is None or ob is None:
            unknown += 1
        else:
            xs.append(oa)
            ys.append(ob)
            clusters.append(cluster)
        for fill, (fa, fb, fc) in ((True, worst), (False, best)):
            fa.append(oa if oa is not None else not fill)
            fb.append(ob if ob is not None else fill)
            fc.append(cluster)
    if not xs and not unknown:
        return None
    res = cluster_bootstrap_diff(xs, ys, clusters, confidence=confidence)
    low, high = res.ci_low, res.ci_high
    if unknown:
        low = cluster_bootstrap_diff(*best[:2], best[2], confidence=confidence).ci_low
        high = cluster_bootstrap_diff(*worst[:2], worst[2], confidence=confidence).ci_high
    n = res.n_pairs
    # a significant change is decided at any n; a non-significant one only means "no change" with enough pairs
    decided = n >= MIN_PAIRS_TO_DECIDE or res.significant
    note = "" if decided else f"only {n} pairs and no significant change: too few to decide"
    if unknown:
        note = (note + "; " if note else "") + (
            f"{unknown} pairs with an unknown arm (errors, empty answers, guard failures) bound the interval: "
            "its upper end counts each against the candidate, its lower end in its favour"
        )
    return FindingData(
        domain=domain,
        metric=metric,
        n=n,
        k=None,
        estimate=res.diff,
        ci_low=low,
        ci_high=high,
        slice=slice_,
        test="exact McNemar on pairs known on both sides; bootstrap CI clustered by seed, unknown arms bounded",
        p_value=res.p_value,
        details={
            **base,
            **res.as_dict(),
            "ci_low": low,
            "ci_high": high,
            "ci_known_pairs": [res.ci_low, res.ci_high],
            "seeds": len(set(worst[2])),
            "unknown_pairs": unknown,
            "unknown_share": unknown / len(pairs) if pairs else 0.0,
            "enough_to_decide": decided,
            "note": note,
        },
    )


def _mean_diff(
    domain: str,
    metric: str,
    a: Sequence[float],
    b: Sequence[float],
    clusters: Sequence[Hashable],
    confidence: float,
    base: dict[str, object],
    n_boot: int = 2000,
) -> FindingData | None:
    """Paired mean difference (b - a) with a percentile bootstrap over clusters."""
    if not a:
        return None
    av = np.asarray(a, dtype=float)
    bv = np.asarray(b, dtype=float)
    d = bv - av
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for i, c in enumerate(clusters):
        groups[c].append(i)
    sums = np.array([d[idx].sum() for idx in groups.values()])
    sizes = np.array([len(idx) for idx in groups.values()], dtype=float)
    rng = np.random.default_rng(0)
    draws = rng.integers(0, len(sizes), size=(n_boot, len(sizes)))
    boot = sums[draws].sum(axis=1) / sizes[draws].sum(axis=1)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(boot, [alpha, 1 - alpha])
    return FindingData(
        domain=domain,
        metric=metric,
        n=len(d),
        estimate=round(float(d.mean()), 9),
        ci_low=round(float(low), 9),
        ci_high=round(float(high), 9),
        test=f"paired mean difference; bootstrap {int(confidence * 100)}% CI clustered by seed",
        details={**base, "mean_a": round(float(av.mean()), 9), "mean_b": round(float(bv.mean()), 9)},
    )


def compare_targets(ctx_a: AnalysisContext, ctx_b: AnalysisContext, domains: Sequence[str]) -> list[FindingData]:
    """Per domain, the paired change (candidate b minus baseline a) in attack success, over-refusal,
    latency and tokens. Domains without paired samples produce nothing."""
    conf = ctx_a.confidence
    out: list[FindingData] = []
    for domain in domains:
        matched, unmatched, errored = paired_samples(ctx_a, ctx_b, domain, keep_errored=True)
        pairs = [(sa, sb) for sa, sb in matched if sa.error is None and sb.error is None]
        if not matched:
            continue
        base: dict[str, object] = {
            "baseline": ctx_a.target,
            "candidate": ctx_b.target,
            "unmatched_items": unmatched,
            # kept as unknown arms in the rate changes' bounds; left out of the cost comparisons
            "errored_pairs": errored,
        }
        harmful = [(sa, sb) for sa, sb in matched if sa.harmful is True]
        benign = [(sa, sb) for sa, sb in matched if sa.harmful is False]
        asr = _paired_rate(domain, "attack_success_rate_change", harmful, complied, conf, "all", base)
        if asr is not None:
            out.append(asr)
            by_cat: dict[str, list[tuple[SampleView, SampleView]]] = defaultdict(list)
            for p in harmful:
                by_cat[p[0].category].append(p)
            if len(by_cat) > 1:
                for cat in sorted(by_cat):
                    f = _paired_rate(
                        domain, "attack_success_rate_change", by_cat[cat], complied, conf, f"category={cat}", base
                    )
                    if f is not None:
                        out.append(f)

        def refused(s: SampleView) -> bool | None:
            o = outcome(s)
            return None if o.unknown else o.kind == "refused"

        orr = _paired_rate(domain, "over_refusal_rate_change", benign, refused, conf, "all", base)
        if orr is not None:
            out.append(orr)
        clusters = [sa.seed_id or sa.item_id for sa, _ in pairs]
        if not pairs:
            continue
        lat = [(sa.latency_s, sb.latency_s) for sa, sb in pairs]
        if all(x is not None and y is not None for x, y in lat):
            f = _mean_diff(
                domain,
                "latency_s_change",
                [float(x or 0) for x, _ in lat],
                [float(y or 0) for _, y in lat],
                clusters,
                conf,
                base,
            )
            if f is not None:
                out.append(f)
        tok_a = [float(sa.input_tokens + sa.output_tokens) for sa, _ in pairs]
        tok_b = [float(sb.input_tokens + sb.output_tokens) for _, sb in pairs]
        f = _mean_diff(domain, "tokens_change", tok_a, tok_b, clusters, conf, base)
        if f is not None:
            out.append(f)
    return out
