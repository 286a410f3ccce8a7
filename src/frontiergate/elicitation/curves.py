"""Curves of accuracy, tokens and critical-path latency against agents (N) and thinking budget.

Cost saving: N_max agents are run once per item and budget; the curve at every smaller n is
computed by *resampling subsets* of those N_max answers. For one item, with agents exchangeable
(they differ only by seed), the accuracy of an n-agent majority vote is the expectation over
n-subsets of the N_max draws. Averaging the vote outcome over all C(N_max, n) subsets (or over a
fixed, seeded sample of them when there are more than ``MAX_SUBSETS``) is a U-statistic: unbiased,
and by Rao–Blackwell no noisier than running a separate n-agent experiment with the same number
of items (the same construction as the unbiased pass@k estimator). The whole grid costs N_max
calls per item instead of 1 + 2 + 4 + ... + N_max. With personas the agents differ, and the
estimate is the accuracy of n personas chosen at random from the N_max.

Latency at n is the critical path of a parallel deployment: the slowest of the n agents (their
own request times, queueing excluded) plus the aggregator. Tokens at n are the sum over the n
agents. Points that resampling cannot simulate (an LLM synthesiser or judge, two layers) are
reported as measured at N_max only.

The latency *overhead* (``latency_overhead``) is of the configuration that was run: with an LLM
synthesiser or judge its call is often the largest part of the critical path, and a resampled vote
leaves it out, so with those aggregators only N_max is reported, from the measured critical path
(``critical_path_at``). Items with no record (errored, unscored) are not dropped: a model whose slow
agent times out would otherwise lose exactly its slow items; they are bounded by a latency the caller
knows they reached (``unknown_s``), or the overhead says it could not bound them.
"""

from __future__ import annotations

import math
import random
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from frontiergate.elicitation.budget import length_penalised_score
from frontiergate.models.contemplating import plurality
from frontiergate.stats.intervals import wilson_interval

MAX_SUBSETS = 256
VOTE_AGGREGATORS = ("vote", "none")
"""Aggregators a resampled n-agent vote reproduces exactly (no model call of their own)."""


@dataclass(frozen=True)
class Outcome:
    """One answered item under one elicitation setting (read from the scorer's metadata)."""

    item_id: str
    domain: str
    budget: int | None
    aggregator: str
    layers: int
    answers: tuple[str | None, ...]
    correct: tuple[bool, ...]
    latency_s: tuple[float, ...]
    tokens: tuple[int, ...]
    aggregator_latency_s: float
    aggregator_tokens: int
    measured_correct: bool
    measured_latency_s: float
    measured_tokens: int
    unknown: tuple[str | None, ...] = ()
    """Per agent: why its answer is unknown (no answer could be read), or None for a read answer."""
    measured_unknown: str | None = None
    """Why the measured (final) answer is unknown, or None."""

    @property
    def n_agents(self) -> int:
        return len(self.answers)

    @property
    def resamplable(self) -> bool:
        return self.layers == 1


def outcome_from_meta(item_id: str, domain: str, value: float | None, meta: dict[str, Any]) -> Outcome | None:
    """Build an Outcome from ``score.metadata["elicitation"]``; None when it is missing or empty."""
    e = meta.get("elicitation") if isinstance(meta.get("elicitation"), dict) else None
    if not e or not e.get("agent_correct"):
        return None
    n = len(e["agent_correct"])
    lat = [float(x or 0.0) for x in (e.get("agent_latency_s") or [0.0] * n)]
    tok = [int(x or 0) for x in (e.get("agent_tokens") or [0] * n)]
    budget = e.get("budget")
    if isinstance(budget, dict):  # the wrapper's raw summary carries the whole budget plan
        budget = budget.get("budget")
    answers = tuple(e.get("agent_answers") or [None] * n)
    correct = tuple(bool(c) for c in e["agent_correct"])
    reasons = list(e.get("agent_unknown") or [])
    reasons += [None] * (n - len(reasons))
    # an agent with no readable answer is unknown: a record written before reasons were kept calls it
    # declined; a correct answer is never unknown
    unknown = tuple(
        None if ok or a is not None else str(r or "declined")
        for a, ok, r in zip(answers, correct, reasons, strict=False)
    )
    measured_correct = bool(value and value >= 0.5)
    measured_unknown = None
    if not measured_correct and n == 1:
        measured_unknown = unknown[0]
    elif not measured_correct and meta.get("unknown_reason"):
        measured_unknown = str(meta["unknown_reason"])
    return Outcome(
        item_id=item_id,
        domain=domain,
        budget=None if budget is None else int(budget),
        aggregator=str(e.get("aggregator") or "vote"),
        layers=int(e.get("layers") or 1),
        answers=answers,
        correct=correct,
        latency_s=tuple(lat),
        tokens=tuple(tok),
        aggregator_latency_s=float(e.get("aggregator_latency_s") or 0.0),
        aggregator_tokens=int(e.get("aggregator_tokens") or 0),
        measured_correct=measured_correct,
        measured_latency_s=float(e.get("ideal_critical_path_s") or e.get("critical_path_s") or 0.0),
        measured_tokens=int(e.get("total_output_tokens") or sum(tok)),
        unknown=unknown,
        measured_unknown=measured_unknown,
    )


def vote_correct(answers: Sequence[str | None], correct: Sequence[bool], subset: Sequence[int]) -> bool:
    """Whether the plurality vote of the agents in ``subset`` is correct (ties: lowest index wins)."""
    _, idx = plurality([answers[i] for i in subset])
    return idx is not None and correct[subset[idx]]


def _subsets(n_total: int, n: int, key: str) -> list[tuple[int, ...]]:
    if math.comb(n_total, n) <= MAX_SUBSETS:
        return list(combinations(range(n_total), n))
    rng = random.Random(zlib.crc32(f"{key}|{n}".encode()))
    return [tuple(sorted(rng.sample(range(n_total), n))) for _ in range(MAX_SUBSETS)]


def expected_at(o: Outcome, n: int) -> tuple[float, float, float]:
    """Expected (accuracy, critical-path latency, output tokens) of an n-agent vote on this item.

    The vote's own recorded time is on the critical path from two agents up (one agent's answer is
    final as it is); an LLM aggregator's is not, since a resampled vote never calls it.
    """
    if not 1 <= n <= o.n_agents:
        raise ValueError(f"n={n} outside 1..{o.n_agents}")
    subs = _subsets(o.n_agents, n, o.item_id)
    acc = sum(vote_correct(o.answers, o.correct, s) for s in subs) / len(subs)
    lat = sum(max(o.latency_s[i] for i in s) for s in subs) / len(subs)
    if n > 1 and o.aggregator in VOTE_AGGREGATORS:
        lat += o.aggregator_latency_s
    tok = sum(sum(o.tokens[i] for i in s) for s in subs) / len(subs)
    return acc, lat, tok


def critical_path_at(o: Outcome, n: int) -> float | None:
    """Expected critical-path latency of the configuration that was run, with n of its agents: the
    slowest agent plus the aggregator. None where the record cannot give it.

    Why not always the resampled vote: a synthesiser's or judge's call is on the critical path, and
    its time with fewer candidates is not recorded, so only N_max (the measured ideal critical path:
    every layer's slowest agent plus the aggregator) is known for them. One agent needs no aggregator.
    """
    if not 1 <= n <= o.n_agents:
        return None
    if o.resamplable and (n == 1 or o.aggregator in VOTE_AGGREGATORS):
        return expected_at(o, n)[1]
    if n == o.n_agents and o.measured_latency_s > 0:
        return o.measured_latency_s
    return None


def _vote_bound(o: Outcome, subset: Sequence[int], as_correct: bool) -> bool:
    """The subset's vote with its unknown agents read as correct (``as_correct``) or as wrong.

    Read as correct, the unknown agents join the strongest correct answer in the subset (or one
    correct answer of their own); read as wrong, the strongest wrong answer (or one wrong answer of
    their own). Either way they vote together, which is the most they could move the vote, so the
    two readings bound what the vote would have been had they answered.
    """
    missing = [i for i in subset if o.unknown and o.unknown[i] is not None]
    if not missing:
        return vote_correct(o.answers, o.correct, subset)
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    for pos, i in enumerate(subset):
        a = o.answers[i]
        if i in missing or a is None or o.correct[i] != as_correct:
            continue
        counts[a] = counts.get(a, 0) + 1
        first.setdefault(a, pos)
    fill = (
        min(counts, key=lambda a: (-counts[a], first[a]))
        if counts
        else ("\x00unknown as correct" if as_correct else "\x00unknown as wrong")
    )
    answers, correct = list(o.answers), list(o.correct)
    for i in missing:
        answers[i], correct[i] = fill, as_correct
    return vote_correct(answers, correct, subset)


def bounded_at(o: Outcome, n: int) -> tuple[float, float]:
    """Expected accuracy of an n-agent vote on this item with its unknown answers read as wrong and
    as correct: the lower and upper end of what it would have been had every agent answered."""
    if not 1 <= n <= o.n_agents:
        raise ValueError(f"n={n} outside 1..{o.n_agents}")
    subs = _subsets(o.n_agents, n, o.item_id)
    low = sum(_vote_bound(o, s, False) for s in subs) / len(subs)
    high = sum(_vote_bound(o, s, True) for s in subs) / len(subs)
    return low, high


def measured_bounds(o: Outcome) -> tuple[float, float]:
    """The measured (final) answer's correctness, (0, 1) when it is unknown."""
    if o.measured_unknown is not None:
        return 0.0, 1.0
    v = float(o.measured_correct)
    return v, v


@dataclass
class CurvePoint:
    """Accuracy (Wilson interval over items), mean tokens and latency at one (agents, budget)."""

    agents: int
    budget: int | None
    aggregator: str
    source: str  # "resampled" or "measured"
    n: int
    k: int
    accuracy: float
    ci_low: float
    ci_high: float
    mean_tokens: float
    mean_latency_s: float
    penalised: float

    @property
    def label(self) -> str:
        return f"N={self.agents}, budget={self.budget if self.budget is not None else 'none'}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _point(
    agents: int,
    budget: int | None,
    aggregator: str,
    source: str,
    accs: list[float],
    lats: list[float],
    toks: list[float],
    lam: float,
) -> CurvePoint:
    n = len(accs)
    # Wilson on the items with k = round(sum of expected correctness): the subset average has no more
    # variance than one binary outcome per item, so this interval is conservative for resampled points.
    k = int(round(sum(accs)))
    est = wilson_interval(k, n)
    acc = sum(accs) / n
    tok = sum(toks) / n
    return CurvePoint(
        agents,
        budget,
        aggregator,
        source,
        n,
        k,
        acc,
        float(est.low or 0.0),
        float(est.high or 0.0),
        tok,
        sum(lats) / n,
        length_penalised_score(acc, tok, lam),
    )


def default_grid(n_max: int) -> list[int]:
    """1, 2, 4, ... up to n_max, and n_max itself."""
    grid = [1]
    while grid[-1] * 2 <= n_max:
        grid.append(grid[-1] * 2)
    if grid[-1] != n_max:
        grid.append(n_max)
    return grid


def by_budget(outcomes: Iterable[Outcome]) -> dict[int | None, list[Outcome]]:
    groups: dict[int | None, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[o.budget].append(o)
    return dict(sorted(groups.items(), key=lambda kv: -1 if kv[0] is None else kv[0]))


def curve_points(
    outcomes: Iterable[Outcome], agents: Sequence[int] | None = None, lam: float = 0.0
) -> list[CurvePoint]:
    """Every (agents, budget) point the stored outcomes support, resampled where possible."""
    points: list[CurvePoint] = []
    for budget, group in by_budget(outcomes).items():
        n_max = min(o.n_agents for o in group)
        if all(o.resamplable for o in group):
            for n in [a for a in (agents or default_grid(n_max)) if a <= n_max]:
                vals = [expected_at(o, n) for o in group]
                points.append(
                    _point(
                        n,
                        budget,
                        "vote",
                        "resampled",
                        [v[0] for v in vals],
                        [v[1] for v in vals],
                        [v[2] for v in vals],
                        lam,
                    )
                )
        aggs = {o.aggregator for o in group}
        if aggs - {"vote", "none"} or not all(o.resamplable for o in group):
            points.append(
                _point(
                    n_max,
                    budget,
                    "/".join(sorted(aggs)),
                    "measured",
                    [float(o.measured_correct) for o in group],
                    [o.measured_latency_s for o in group],
                    [float(o.measured_tokens) for o in group],
                    lam,
                )
            )
    return points


@dataclass(frozen=True)
class LatencyOverhead:
    """Relative critical-path overhead of n agents over ``base`` agents, with unknown items bounded."""

    estimate: float
    """Over the items with a record."""
    low: float
    high: float
    known: int
    unknown: int
    bounded: bool
    """Whether every unknown item had a latency bound; if not, the interval is over the known items only."""


def _ratios(ln: np.ndarray, lb: np.ndarray, idx: np.ndarray) -> np.ndarray:
    denom = lb[idx].mean(axis=1)
    out: np.ndarray = ln[idx].mean(axis=1) / np.where(denom > 0, denom, np.nan) - 1
    return out


def latency_overhead(
    outcomes: Sequence[Outcome],
    n: int,
    base: int = 1,
    n_boot: int = 2000,
    seed: int = 0,
    unknown_s: Sequence[float | None] = (),
) -> LatencyOverhead | None:
    """Relative critical-path overhead of n agents over ``base`` agents: mean(L_n)/mean(L_base) - 1.

    ``unknown_s``: one entry per item with no record (errored, unscored), the latency it is known to
    have reached (None: not known). Such an item's L_n is at least its L_base, so the lower end reads it
    as L_n = L_base = that latency (overhead diluted towards 0) and the upper end as L_n = that latency,
    L_base = 0 (the slowest it can make the ratio at that latency); the estimate is over known items.
    Interval: percentile bootstrap over items (deterministic in ``seed``), known and unknown resampled
    together. None when no item has a record at both n and ``base``.
    """
    pairs = [(critical_path_at(o, n), critical_path_at(o, base)) for o in outcomes]
    known = [(a, b) for a, b in pairs if a is not None and b is not None]
    if not known:
        return None
    ln = np.array([a for a, _ in known], dtype=float)
    lb = np.array([b for _, b in known], dtype=float)
    if lb.sum() <= 0:
        return None
    est = float(ln.mean() / lb.mean() - 1)
    bounds = [float(t) for t in unknown_s if t is not None]
    bounded = len(bounds) == len(unknown_s)
    t = np.array(bounds, dtype=float)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(known) + len(t), size=(n_boot, len(known) + len(t)))
    lows = _ratios(np.concatenate([ln, t]), np.concatenate([lb, t]), idx)
    highs = _ratios(np.concatenate([ln, t]), np.concatenate([lb, np.zeros_like(t)]), idx)
    lo = float(np.nanpercentile(lows, 2.5))
    hi = float(np.nanpercentile(highs, 97.5))
    return LatencyOverhead(est, lo, hi, len(known), len(unknown_s), bounded)


def pareto_front(points: Sequence[CurvePoint], cost: str = "mean_tokens") -> list[CurvePoint]:
    """Points no other point beats on both accuracy (higher) and ``cost`` (lower)."""
    front = []
    for p in points:
        dominated = any(
            q is not p
            and q.accuracy >= p.accuracy
            and getattr(q, cost) <= getattr(p, cost)
            and (q.accuracy > p.accuracy or getattr(q, cost) < getattr(p, cost))
            for q in points
        )
        if not dominated:
            front.append(p)
    return sorted(front, key=lambda p: getattr(p, cost))


def plot_pareto(points: Sequence[CurvePoint], path: Path, title: str = "Elicitation: accuracy vs cost") -> Path:
    """Two panels (tokens, latency) with every point, its interval and the Pareto front; PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for ax, cost, xlabel in (
        (axes[0], "mean_tokens", "output tokens per answer"),
        (axes[1], "mean_latency_s", "critical-path latency per answer (s)"),
    ):
        for budget in sorted({p.budget for p in points}, key=lambda b: -1 if b is None else b):
            ps = sorted((p for p in points if p.budget == budget), key=lambda p: p.agents)
            xs = [getattr(p, cost) for p in ps]
            ys = [p.accuracy for p in ps]
            err = [[p.accuracy - p.ci_low for p in ps], [p.ci_high - p.accuracy for p in ps]]
            ax.errorbar(xs, ys, yerr=err, marker="o", capsize=3, label=f"budget={budget if budget else 'none'}")
            for p, x, y in zip(ps, xs, ys, strict=True):
                ax.annotate(f"N={p.agents}", (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
        front = pareto_front(points, cost)
        ax.plot([getattr(p, cost) for p in front], [p.accuracy for p in front], "k--", lw=1, label="Pareto front")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("accuracy (Wilson 95%)")
        ax.set_ylim(0, 1)
        ax.legend(fontsize=7)
    fig.suptitle(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def format_table(points: Sequence[CurvePoint]) -> str:
    """Plain-text table of curve points (for the CLI and the benchmark)."""
    head = (
        f"{'agents':>6} {'budget':>7} {'source':>9} {'n':>4} {'accuracy':>8} {'95% CI':>15} "
        f"{'tokens':>8} {'latency_s':>9}"
    )
    rows = [head]
    for p in points:
        rows.append(
            f"{p.agents:>6} {p.budget if p.budget is not None else 'none':>7} {p.source:>9} {p.n:>4} "
            f"{p.accuracy:>8.3f} {f'[{p.ci_low:.3f}, {p.ci_high:.3f}]':>15} {p.mean_tokens:>8.1f} "
            f"{p.mean_latency_s:>9.3f}"
        )
    return "\n".join(rows)
