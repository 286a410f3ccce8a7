"""Plain-language building blocks the report's summary sections share.

Why a module: the domain summary, capabilities, residual-risk and sign-off sections all describe
the same decision dicts; one wording per metric and one reading of a criterion keeps them from
saying the same number two ways. Everything here reads the decision and finding dicts defensively:
a key a decision engine did not write (an older run, a partial decision) reads as "not measured",
never as safe.
"""

from __future__ import annotations

from typing import Any

from frontiergate.policy.schema import Policy
from frontiergate.report.decision_text import pct

# what one event is, per metric: (what the model did, what it was asked / what was counted)
EVENT_WORDS: dict[str, tuple[str, str]] = {
    "attack_success_rate": ("complied with", "attack prompts"),
    "over_refusal_rate": ("refused", "benign look-alike prompts"),
    "autonomy_violation_rate": ("took the hard-to-contain action in", "conflict scenarios"),
    "autonomy_control_rate": ("took the action in", "no-conflict control scenarios"),
    "autonomy_deception_rate": ("denied or misrepresented what it did in", "follow-up interviews"),
    "capability_accuracy": ("answered correctly", "capability questions"),
    "verbalised_awareness_rate": ("said it was being tested in", "answers"),
    "opposing_perspectives_rate": ("gave opposing perspectives in", "political prompts"),
}

WRAPPERS = ("safeguarded/", "contemplate/")


def is_safeguarded(target: str) -> bool:
    return target.startswith("safeguarded/")


def domain_order(policy: Policy, names: list[str] | set[str]) -> list[str]:
    """``names`` in the policy's order, unknown ones after, sorted: the same order in every section."""
    first = [d for d in policy.domains if d in names]
    return first + sorted(set(names) - set(first))


def details(f: dict[str, Any] | None) -> dict[str, Any]:
    d = (f or {}).get("details")
    return d if isinstance(d, dict) else {}


WORSE_ARMS = (("realistic", "under deployment-realistic framing"), ("plain", "on plain (uncued) requests"),
              ("steered", "steered toward deployment"))
"""Arms whose worse bounds replace the pooled ones in a decision (``details`` keys), and how to say so."""


def deciding_arms(f: dict[str, Any] | None) -> list[tuple[str, dict[str, Any], str]]:
    """(how to name it, its counts as a finding, which ends it sets) for each arm other than the pooled
    one whose bounds the decision took, the arm setting the upper end first.

    Read from where the engine recorded each end (``details.ends``): an arm whose details are present but
    which set neither end is not named, and when two arms are worse the one that decided is the one shown.
    Decisions stored before ends were recorded fall back to the arms present.
    """
    d = details(f)
    ends = d.get("ends")
    if not (isinstance(ends, dict) and isinstance(ends.get("low"), dict) and isinstance(ends.get("high"), dict)):
        return [(label, d[key], "the worse arm, which the decision uses")
                for key, label in WORSE_ARMS if isinstance(d.get(key), dict)]
    out: list[tuple[str, dict[str, Any], str]] = []
    low, high = ends["low"], ends["high"]
    for src in (high, low):
        if src.get("label") == "pooled" or any(src.get("slice") == o[1]["slice"] for o in out):
            continue
        both = low.get("slice") == high.get("slice")
        which = "both ends of the interval the decision uses" if both else (
            f"the {'upper' if src is high else 'lower'} end of the interval the decision uses")
        counts = {"n": src.get("n"), "k": src.get("k"), "slice": src.get("slice"), "estimate": None,
                  "details": {"seeds": src.get("seeds"), "unknown": src.get("unknown") or 0}}
        out.append((str(src.get("label")), counts, which))
    return out


def worse_arms_text(metric: str, f: dict[str, Any]) -> str:
    """``; on plain (uncued) requests the model complied with 34 of 60 ... (sets both ends of the interval
    the decision uses)``, for each arm whose bounds the decision took; empty when none."""
    return "".join(f"; {label} {counts_text(metric, counts)} (sets {which})" if not which.startswith("the worse")
                   else f"; {label} {counts_text(metric, counts)} ({which})"
                   for label, counts, which in deciding_arms(f))


def counts_text(metric: str, f: dict[str, Any] | None, seeds: int | None = None) -> str:
    """``complied with 7 of 40 attack prompts across 5 seeds; 3 answers could not be scored``.

    Counts a person can picture: events out of attempts, the independent seeds behind them and the
    unknowns. A finding without counts (a paired gap, a mean) falls back to its estimate and n.
    """
    if not f or not f.get("n"):
        return f"{metric}: not measured"
    d = details(f)
    seeds = seeds if seeds is not None else (d.get("seeds") if isinstance(d.get("seeds"), int) else None)
    across = f" across {seeds} seed{'s' if seeds != 1 else ''}" if seeds else ""
    unknown = d.get("unknown") if isinstance(d.get("unknown"), int) else 0
    unk = f"; {unknown} answer{'s' if unknown != 1 else ''} could not be scored" if unknown else ""
    k, n = f.get("k"), f["n"]
    if k is None:
        est = f.get("estimate")
        shown = "n/a" if est is None else f"{est:.3f}"
        return f"{metric} was {shown} over {n} samples{across}{unk}"
    did, what = EVENT_WORDS.get(metric, (f"had {metric} events in", "samples"))
    return f"the model {did} {k} of {n} {what}{across}{unk}"


def interval_text(f: dict[str, Any] | None, low: Any = None, high: Any = None) -> str:
    """``rate 18%, interval 9%–31%``; the decisive bounds win over the finding's own when given."""
    if not f:
        return "not measured"
    lo = low if low is not None else f.get("ci_low")
    hi = high if high is not None else f.get("ci_high")
    if lo is None or hi is None:
        return f"rate {pct(f.get('estimate'))}, interval not estimable"
    return f"rate {pct(f.get('estimate'))}, interval {pct(lo)}–{pct(hi)}"


def criterion_kind(c: dict[str, Any], policy: Policy, domain: str) -> str:
    """``capability`` or ``propensity``: the decision's own label, else the policy criterion's default."""
    kind = c.get("kind")
    if kind in ("capability", "propensity"):
        return str(kind)
    dom = policy.domains.get(domain)
    for pc in dom.criteria if dom is not None else []:
        if pc.metric == c.get("metric"):
            return pc.effective_kind
    return "capability" if c.get("metric") in ("capability_accuracy", "elicitation_gap", "uplift") else "propensity"


def threshold_of(policy: Policy, domain: str, metric: str, level: str) -> float | None:
    dom = policy.domains.get(domain)
    for c in dom.criteria if dom is not None else []:
        if c.metric == metric:
            return c.threshold(level)
    return None


def threat_scenarios(domain_decision: dict[str, Any], policy: Policy, domain: str) -> list[dict[str, Any]]:
    """The domain's threat scenarios: as the decision copied them, else from the stored policy."""
    got = domain_decision.get("threat_scenarios")
    if isinstance(got, list):
        return [s for s in got if isinstance(s, dict)]
    dom = policy.domains.get(domain)
    return [t.model_dump() for t in dom.threat_scenarios] if dom is not None else []


def post_mitigation_of(report: dict[str, Any]) -> dict[str, str]:
    """Safeguarded configuration → the raw model it was run beside, for a canonical report: such a
    target is that model's residual risk, never a verdict of its own."""
    targets = [str(t["model"]) for t in report.get("targets", [])]
    options = dict((report.get("run") or {}).get("options") or {})
    return {guarded: raw for raw, guarded in safeguard_pairs(targets, options)}


def safeguard_pairs(targets: list[str], options: dict[str, Any]) -> list[tuple[str, str]]:
    """(raw model, safeguarded configuration) pairs of the run, from its stored options or the names."""
    pairs: list[tuple[str, str]] = []
    sg = options.get("safeguards")
    if isinstance(sg, dict) and sg.get("target") in targets and sg.get("of") in targets:
        pairs.append((str(sg["of"]), str(sg["target"])))
    for t in targets:
        raw = t.split("/", 1)[1] if is_safeguarded(t) else None
        if raw in targets and (raw, t) not in pairs:
            pairs.append((raw, t))
    return pairs


def heatmap_grid(hm: dict[str, Any], key: str, fill: Any) -> list[list[Any]]:
    """``hm[key]``, or a grid of ``fill`` for a heatmap stored before the key existed (old reports
    carry no ``unknown`` or ``ci_high`` grid; their cells read as known)."""
    grid = hm.get(key)
    return grid if grid else [[fill] * len(hm["families"]) for _ in hm["domains"]]
