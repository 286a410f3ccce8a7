"""What a guard was trained on and how it was validated, fixed when a run starts.

Why it matters to the verdict: a guard trained on items of our own scenario library would block
those items in the run that is meant to show it works, so the residual risk it leaves would look
smaller than it is on attacks it never saw. The decision therefore measures the residual only on
scenario seeds the guard was not trained on (``held_out_context``), and a report that decides
``deploy_with_safeguards`` cites the guard's offline validation figures next to it.

The record is written into the run options when the run starts (``safeguards_option``), so a resume
or a recomputation years later sees the guard that produced the evidence, not whatever head is
installed then. Rules and principled guards are not fitted to data: the rules are written by hand
and the principled guard reads a constitution. The classifier's head file records its training data
(``trained_on``: a file name in older heads, a mapping with the scenario seeds and transform
families it saw in newer ones) and, where the training script measured them, its validation
figures (``validation``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

UNFITTED = {
    "rules": "hand-written patterns; not fitted to the scenario library",
    "principled": "a written constitution read by a guard model; not fitted to the scenario library",
}
"""Guard kinds that are not trained on data, and what they rest on instead."""


def _default_head_path() -> Path:
    return Path(str(files("frontiergate.safeguards").joinpath("data", "classifier_head.json")))


@dataclass(frozen=True)
class GuardProvenance:
    """Training data and validation figures of one guard, as recorded when the run started."""

    kind: str
    name: str
    datasets: tuple[str, ...] = ()
    scenario_seed_ids: frozenset[str] = field(default_factory=frozenset)
    families: tuple[str, ...] = ()
    validation: dict[str, Any] | None = None
    sha256: str | None = None
    recorded: bool = True
    """False when the guard's training data could not be established (a head without a record)."""
    basis: str = ""
    fix: str | None = None
    """What to do when ``recorded`` is False (default: retrain the head, which records it)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "datasets": list(self.datasets),
            "scenario_seed_ids": sorted(self.scenario_seed_ids),
            "families": list(self.families),
            "validation": self.validation,
            "sha256": self.sha256,
            "recorded": self.recorded,
            "basis": self.basis,
            "fix": self.fix,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> GuardProvenance:
        return cls(
            kind=str(raw.get("kind", "")),
            name=str(raw.get("name", "")),
            datasets=tuple(str(d) for d in raw.get("datasets") or ()),
            scenario_seed_ids=frozenset(str(s) for s in raw.get("scenario_seed_ids") or ()),
            families=tuple(str(f) for f in raw.get("families") or ()),
            validation=dict(raw["validation"]) if isinstance(raw.get("validation"), Mapping) else None,
            sha256=raw.get("sha256"),
            recorded=bool(raw.get("recorded", True)),
            basis=str(raw.get("basis", "")),
            fix=None if raw.get("fix") is None else str(raw["fix"]),
        )


def head_provenance(path: Path | None = None, kind: str = "classifier") -> GuardProvenance:
    """Provenance of a classifier head file (the shipped one by default), read without the encoder."""
    p = path or _default_head_path()
    data = p.read_bytes()
    raw = json.loads(data)
    meta = raw.get("meta") if isinstance(raw.get("meta"), Mapping) else raw
    trained = meta.get("trained_on")
    name = str(meta.get("name", p.stem))
    sha = hashlib.sha256(data).hexdigest()
    validation = dict(meta["validation"]) if isinstance(meta.get("validation"), Mapping) else None
    if isinstance(trained, str) and trained:
        # older heads name the one file they were fitted on; the moderation file holds no library items
        return GuardProvenance(kind, name, (trained,), validation=validation, sha256=sha,
                               basis=f"head {name} fitted on {trained}")
    if isinstance(trained, Mapping):
        seeds = frozenset(str(s) for s in trained.get("scenario_seed_ids") or ())
        datasets = tuple(str(d) for d in trained.get("datasets") or ())
        return GuardProvenance(
            kind,
            name,
            datasets,
            seeds,
            tuple(str(f) for f in trained.get("families") or ()),
            validation,
            sha,
            basis=f"head {name} fitted on {', '.join(datasets) or 'unnamed data'}"
            + (f" and {len(seeds)} scenario seeds" if seeds else ""),
        )
    return GuardProvenance(kind, name, sha256=sha, recorded=False,
                           basis=f"head {name} does not record its training data")


FITTED_KINDS = ("classifier", "tuned")
"""Guard kinds whose head is fitted to data, and can be retrained between a run and its decision."""


def guard_provenance(kind: str | None) -> GuardProvenance | None:
    """The provenance of the guard a ``safeguarded/`` target builds for ``kind`` (None: unknown kind)."""
    if kind in UNFITTED:
        return GuardProvenance(kind, kind, basis=UNFITTED[kind])
    if kind == "classifier":
        return head_provenance()
    if kind == "tuned":
        from frontiergate.safeguards.tuned_guard import tuned_head_path

        return head_provenance(tuned_head_path(), kind="tuned")
    return None


def held_out_seeds(provenance: GuardProvenance | None, seed_ids: set[str]) -> tuple[set[str], set[str]]:
    """(seeds the guard never trained on, seeds it did) among ``seed_ids``."""
    trained = provenance.scenario_seed_ids if provenance is not None else frozenset()
    return {s for s in seed_ids if s not in trained}, {s for s in seed_ids if s in trained}


def _runs_spread(lofo: Mapping[str, Any]) -> str:
    """How the cited run sits among several tuning runs of one recipe: the cited one is the worst."""
    runs = [r for r in lofo.get("runs") or () if isinstance(r, Mapping)]
    seeds = ", ".join(str(r.get("tuning_seed")) for r in runs)
    text = f"the lowest of {lofo['tuning_runs']} tuning runs of its recipe"
    recalls = [float(r["value"]) for r in runs if r.get("value") is not None]
    twins = [float(r["fpr_benign_twins"]["value"]) for r in runs
             if isinstance(r.get("fpr_benign_twins"), Mapping) and r["fpr_benign_twins"].get("value") is not None]
    if not recalls:
        return text
    spread = f"seeds {seeds}: recall {min(recalls):.3f}-{max(recalls):.3f}"
    if twins:
        spread += f", benign look-alikes blocked {min(twins):.3f}-{max(twins):.3f}"
    return f"{text} ({spread})"


def validation_lines(provenance: GuardProvenance | None) -> list[str]:
    """The offline validation figures a report cites, one plain sentence each (none measured: say so)."""
    if provenance is None:
        return ["the guard kind is unknown, so no offline validation can be cited"]
    v = provenance.validation or {}

    def rate(key: str, label: str) -> str | None:
        r = v.get(key)
        if not isinstance(r, Mapping) or r.get("value") is None:
            return None
        ci = r.get("ci") or [None, None]
        span = f" [{ci[0]:.3f}, {ci[1]:.3f}]" if None not in ci[:2] else ""
        n = f", n={r['n']}" if r.get("n") is not None else ""
        return f"{label} {float(r['value']):.3f}{span}{n}"

    unseen = rate("unseen_family_recall", "recall on attack families it never saw")
    lofo = v.get("unseen_family_recall") or {}
    twins = lofo.get("fpr_benign_twins")
    if unseen and isinstance(twins, Mapping) and twins.get("value") is not None:
        unseen += f" (blocking {float(twins['value']):.3f} of their benign look-alikes)"
    if unseen and lofo.get("tuning_runs") == 1:  # the interval does not cover run-to-run spread
        unseen += f", from one tuning run (seed {lofo.get('tuning_seed')}) of its recipe"
    elif unseen and isinstance(lofo.get("tuning_runs"), int) and lofo["tuning_runs"] > 1:
        unseen += ", " + _runs_spread(lofo)
    xstest = rate("xstest_fpr", "XSTest false-positive rate on safe prompts")
    recall_unsafe = (v.get("xstest_fpr") or {}).get("recall_unsafe")
    if xstest and recall_unsafe is not None:  # low over-blocking bought by under-blocking must show
        xstest += f" (blocking {float(recall_unsafe):.3f} of its unsafe prompts)"
    lines = [x for x in (rate("moderation_f1", "moderation held-out F1"), unseen, xstest) if x]
    if v.get("latency_ms_per_request") is not None:
        lines.append(f"latency {float(v['latency_ms_per_request']):.0f} ms per guarded request")
    if not lines:
        return [f"no offline validation figures are recorded for the {provenance.kind} guard ({provenance.basis})"]
    return lines
