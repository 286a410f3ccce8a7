"""Linear probes on the residual stream: does the model internally separate tests from real use?

Why two probe kinds: the mean-difference direction (eval mean minus deploy mean) has no fitted
capacity beyond one vector, so it cannot memorise surface tokens and is the direction steering uses;
the logistic probe (standardised features, L2) is the stronger reader and the upper bound of what a
linear readout finds. Both are fitted per layer.

Why the held-out designs (``DESIGNS``): a probe that merely spots benchmark formatting would score
well on any split where format agrees with context. So every figure comes from a split where
something is held out:

- ``2x2_random``: the 2x2 data split by cluster (stratified by cell), the in-distribution figure;
- ``2x2_format_heldout``: fit on the diagonal cells (eval:benchmark vs deploy:freeform), test on the
  off-diagonal cells (eval:freeform vs deploy:benchmark). A format detector scores *below* 0.5 here;
- ``framings_to_2x2``: fit on our framing pairs, test on the 2x2 data (source held out);
- ``2x2_to_framings``: fit on the 2x2 data, test on our framing pairs (source held out).

Clusters: the two framings of one scenario seed (and its benign twin) share a cluster and always fall
on the same side of a split; AUROC intervals are percentile bootstraps that resample whole clusters
(``auroc_ci``). The best layer is chosen on a validation part of the *training* side, never on the
test side, so the headline figure is not selected on its own test data.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import rankdata
from sklearn.linear_model import LogisticRegression

from frontiergate.awareness.twobytwo import COMPARISONS, LabelledText
from frontiergate.errors import DataFileError

PROBE_KINDS = ("mean_diff", "logistic")


@dataclass(frozen=True)
class ProbeText:
    """One labelled text: ``label`` eval/deploy, ``cluster`` ties texts that are not independent."""

    id: str
    text: str
    label: str
    format: str | None
    source: str
    cluster: str

    @property
    def cell(self) -> str:
        return f"{self.label}:{self.format}"

    @property
    def y(self) -> int:
        return 1 if self.label == "eval" else 0


SAME_CONVERSATION_PREFIXES = ("bench_deploy_rewritten-", "casual_deploy_matched-")
"""2x2 id prefixes that render one ShareGPT conversation twice: ``bench_deploy_rewritten-<id>`` is the MCQ
rewrite of ``casual_deploy_matched-<id>`` (same conversation id, same topic)."""


def cluster_2x2(row_id: str) -> str:
    """The cluster of a 2x2 row: the conversation for the two renderings of one ShareGPT conversation (they must
    fall on the same side of every split, or the probe is tested on a conversation it was fitted on), else the
    row itself (distinct prompts from public sources)."""
    for prefix in SAME_CONVERSATION_PREFIXES:
        if row_id.startswith(prefix) and len(row_id) > len(prefix):
            return f"2x2:conversation:{row_id[len(prefix):]}"
    return f"2x2:{row_id}"


def from_2x2(rows: Sequence[LabelledText]) -> list[ProbeText]:
    """2x2 rows, clustered by ``cluster_2x2`` (a conversation's two renderings share a cluster)."""
    return [ProbeText(r.id, r.text, r.label, r.format, f"2x2:{r.source}", cluster_2x2(r.id)) for r in rows]


def shuffled_seeds(seed: int = 0) -> list[Any]:
    """The bundled scenario seeds in a reproducible shuffled order: probes take a prefix of it, steering and
    prefill experiments the seeds after that prefix, so the two never share a scenario."""
    from frontiergate.scenarios.library import load_seeds

    seeds = sorted(load_seeds(), key=lambda s: s.id)
    random.Random(f"framing-pairs:{seed}").shuffle(seeds)
    return seeds


def framing_pairs(n_seeds: int | None = None, seed: int = 0, exclude: Sequence[str] = ()) -> list[ProbeText]:
    """Our scenario library rendered under the ``eval`` and ``deploy`` framings (harmful seed and benign twin).

    Four texts a seed, one cluster; multi-turn seeds are joined turn by turn (what the model reads in
    one context). ``n_seeds`` picks a reproducible subset; ``exclude`` keeps steering prompts out.
    """
    from frontiergate.scenarios.framings import render_turns

    seeds = [s for s in shuffled_seeds(seed) if s.id not in set(exclude)]
    if n_seeds is not None:
        seeds = seeds[:n_seeds]
    out: list[ProbeText] = []
    for s in seeds:
        variants = [("h", s.turns)] + ([("b", s.benign.turns)] if s.benign is not None else [])
        for tag, turns in variants:
            for framing, fmt in (("eval", "benchmark"), ("deploy", "freeform")):
                text = "\n\n".join(render_turns(turns, framing, category=s.category, key=s.id))
                out.append(ProbeText(f"{s.id}|{tag}|{framing}", text, framing, fmt, f"framings:{s.domain}",
                                     f"seed:{s.id}"))
    return out


def cluster_split(rows: Sequence[ProbeText], test_fraction: float, seed: int
                  ) -> tuple[list[int], list[int]]:
    """Indices of a split by cluster, stratified by cell (a cluster goes where its first row's cell says)."""
    rng = random.Random(f"split:{seed}")
    by_cell: dict[str, list[str]] = {}
    first: dict[str, str] = {}
    for r in rows:
        if r.cluster not in first:
            first[r.cluster] = r.cell
            by_cell.setdefault(r.cell, []).append(r.cluster)
    test_clusters: set[str] = set()
    for cell in sorted(by_cell):
        cl = sorted(by_cell[cell])
        rng.shuffle(cl)
        test_clusters.update(cl[: int(round(len(cl) * test_fraction))])
    test = [i for i, r in enumerate(rows) if r.cluster in test_clusters]
    train = [i for i, r in enumerate(rows) if r.cluster not in test_clusters]
    return train, test


def _fast_auroc(y: NDArray[np.int_], s: NDArray[np.float64]) -> float:
    """Mann-Whitney AUROC with midranks for ties (equal to sklearn's, ~50x cheaper inside a bootstrap)."""
    r = rankdata(s)
    pos = y == 1
    n1 = int(pos.sum())
    n0 = len(y) - n1
    return float((r[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def auroc(y: NDArray[np.int_], s: NDArray[np.float64]) -> float | None:
    if len(set(np.asarray(y).tolist())) < 2:
        return None
    return _fast_auroc(np.asarray(y), np.asarray(s, dtype=np.float64))


def auroc_ci(y: NDArray[np.int_], s: NDArray[np.float64], clusters: Sequence[str], n_boot: int = 1000,
             seed: int = 0, confidence: float = 0.95) -> tuple[float | None, float | None, float | None]:
    """AUROC and a percentile bootstrap interval that resamples whole clusters (deterministic by ``seed``)."""
    point = auroc(y, s)
    if point is None:
        return None, None, None
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(clusters):
        groups.setdefault(c, []).append(i)
    idx = [np.asarray(v) for v in groups.values()]
    rng = np.random.default_rng(seed)
    vals: list[float] = []
    for _ in range(n_boot):
        pick = np.concatenate([idx[j] for j in rng.integers(0, len(idx), len(idx))])
        yy = y[pick]
        if 0 < yy.sum() < len(yy):
            vals.append(_fast_auroc(yy, s[pick]))
    if len(vals) < 10:
        return point, None, None
    a = (1 - confidence) / 2
    lo, hi = np.quantile(vals, [a, 1 - a])
    return point, float(lo), float(hi)


@dataclass
class LinearProbe:
    """score(x) = ((x - mu) / sd) · w + b; ``p_eval`` is the sigmoid (mean-difference: unscaled projection)."""

    kind: str
    layer: int
    pooling: str
    w: NDArray[np.float64]
    b: float
    mu: NDArray[np.float64]
    sd: NDArray[np.float64]
    meta: dict[str, Any] = field(default_factory=dict)

    def score(self, x: NDArray[np.float32]) -> NDArray[np.float64]:
        """x: ``[n, hidden]`` activations at ``layer``."""
        z = ((np.asarray(x, dtype=np.float64) - self.mu) / self.sd) @ self.w + self.b
        return np.asarray(z, dtype=np.float64)

    def p_eval(self, x: NDArray[np.float32]) -> NDArray[np.float64]:
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(self.score(x), -50, 50))), dtype=np.float64)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, w=self.w, b=np.array([self.b]), mu=self.mu, sd=self.sd,
                            meta=np.array(json.dumps({"kind": self.kind, "layer": self.layer,
                                                      "pooling": self.pooling, **self.meta}, sort_keys=True)))

    @classmethod
    def load(cls, path: Path) -> LinearProbe:
        if not path.is_file():
            raise DataFileError(f"{path}: no such probe file",
                                "train one with `frontiergate awareness whitebox-probe --out PATH`")
        try:
            with np.load(path) as z:
                meta = json.loads(str(z["meta"]))
                return cls(meta.pop("kind"), int(meta.pop("layer")), meta.pop("pooling"), z["w"], float(z["b"][0]),
                           z["mu"], z["sd"], meta)
        except (KeyError, ValueError, OSError) as exc:
            raise DataFileError(f"{path}: not a white-box probe file ({exc})",
                                "use a file written by `frontiergate awareness whitebox-probe`") from None


def fit_probe(kind: str, x: NDArray[np.float32], y: NDArray[np.int_], layer: int, pooling: str,
              c: float = 0.05) -> LinearProbe:
    """Fit one probe on ``x`` ``[n, hidden]``. Mean-difference: the (eval - deploy) direction of raw means,
    the threshold halfway between the class means; logistic: standardised features, L2 penalty ``c``."""
    xf = np.asarray(x, dtype=np.float64)
    if kind == "mean_diff":
        d = xf[y == 1].mean(0) - xf[y == 0].mean(0)
        mid = (xf[y == 1].mean(0) + xf[y == 0].mean(0)) / 2
        scale = float(np.std(xf @ d)) or 1.0
        return LinearProbe(kind, layer, pooling, d / scale, float(-(mid @ d) / scale), np.zeros(xf.shape[1]),
                           np.ones(xf.shape[1]))
    if kind != "logistic":
        raise ValueError(f"probe kind must be one of {PROBE_KINDS}")
    mu = xf.mean(0)
    sd = xf.std(0) + 1e-6
    clf = LogisticRegression(C=c, max_iter=300, tol=1e-3)
    clf.fit((xf - mu) / sd, y)
    return LinearProbe(kind, layer, pooling, clf.coef_[0].astype(np.float64), float(clf.intercept_[0]), mu, sd)


def comparisons(rows: Sequence[ProbeText], s: NDArray[np.float64], n_boot: int = 500) -> dict[str, Any]:
    """AUROC (with cluster-bootstrap CI) per 2x2 comparison present in ``rows``, plus mean score per cell."""
    out: dict[str, Any] = {}
    for name, f_eval, f_dep in COMPARISONS:
        idx = [i for i, r in enumerate(rows) if r.cell in (f"eval:{f_eval}", f"deploy:{f_dep}")]
        sub = [rows[i] for i in idx]
        if len({r.label for r in sub}) < 2:
            continue
        a, lo, hi = auroc_ci(np.array([r.y for r in sub]), s[idx], [r.cluster for r in sub], n_boot)
        out[name] = {"n": len(idx), "auroc": a, "ci": [lo, hi]}
    return out


@dataclass
class Design:
    name: str
    train: list[int]
    test: list[int]
    note: str


def designs(rows: Sequence[ProbeText], seed: int = 0, test_fraction: float = 0.4) -> list[Design]:
    """The held-out designs that ``rows`` supports (see the module docstring)."""
    twobytwo = [i for i, r in enumerate(rows) if r.source.startswith("2x2:")]
    framing = [i for i, r in enumerate(rows) if r.source.startswith("framings:")]
    out: list[Design] = []
    if twobytwo:
        sub = [rows[i] for i in twobytwo]
        tr, te = cluster_split(sub, test_fraction, seed)
        out.append(Design("2x2_random", [twobytwo[i] for i in tr], [twobytwo[i] for i in te],
                          "2x2, split by cluster stratified by cell"))
        diag = [i for i in twobytwo if rows[i].cell in ("eval:benchmark", "deploy:freeform")]
        off = [i for i in twobytwo if rows[i].cell in ("eval:freeform", "deploy:benchmark")]
        # a conversation rendered in both a diagonal and an off-diagonal cell stays on the test side only
        off_clusters = {rows[i].cluster for i in off}
        diag = [i for i in diag if rows[i].cluster not in off_clusters]
        if diag and off:
            out.append(Design("2x2_format_heldout", diag, off,
                              "fit eval:benchmark vs deploy:freeform; test eval:freeform vs deploy:benchmark"))
    if framing:
        sub = [rows[i] for i in framing]
        tr, te = cluster_split(sub, test_fraction, seed)
        out.append(Design("framings_random", [framing[i] for i in tr], [framing[i] for i in te],
                          "framing pairs, split by scenario seed"))
    if twobytwo and framing:
        out.append(Design("framings_to_2x2", framing, twobytwo, "fit on framing pairs, test on 2x2 (source held out)"))
        out.append(Design("2x2_to_framings", twobytwo, framing, "fit on 2x2, test on framing pairs (source held out)"))
    return out


def _val_split(rows: Sequence[ProbeText], idx: Sequence[int], seed: int) -> tuple[list[int], list[int]]:
    sub = [rows[i] for i in idx]
    tr, va = cluster_split(sub, 0.25, seed + 1)
    return [idx[i] for i in tr], [idx[i] for i in va]


def evaluate_design(rows: Sequence[ProbeText], acts: NDArray[np.float32], design: Design, pooling: str,
                    kinds: Sequence[str] = PROBE_KINDS, seed: int = 0, n_boot: int = 500,
                    shifted: dict[str, Callable[[], NDArray[np.float32]]] | None = None) -> dict[str, Any]:
    """Per-layer test AUROC (cluster-bootstrap CI) of each probe kind; the best layer chosen on validation.

    ``acts``: ``[n_rows, layers + 1, hidden]``. ``shifted``: name → activations of the *rephrased* test
    rows (``[len(design.test), layers + 1, hidden]``), scored with the best-layer probe (style shift).
    """
    y = np.array([r.y for r in rows])
    te_rows = [rows[i] for i in design.test]
    te_cl = [r.cluster for r in te_rows]
    fit_i, val_i = _val_split(rows, design.train, seed)
    n_layers = acts.shape[1]
    result: dict[str, Any] = {"design": design.name, "note": design.note, "pooling": pooling,
                              "n_train": len(design.train), "n_test": len(design.test),
                              "test_clusters": len(set(te_cl)), "kinds": {}}
    for kind in kinds:
        layers: list[dict[str, Any]] = []
        for layer in range(n_layers):
            if len(set(y[fit_i].tolist())) < 2:
                break
            val_p = fit_probe(kind, acts[fit_i, layer], y[fit_i], layer, pooling)
            va = auroc(y[val_i], val_p.score(acts[val_i, layer])) if val_i else None
            probe = fit_probe(kind, acts[design.train, layer], y[design.train], layer, pooling)
            s = probe.score(acts[design.test, layer])
            a, lo, hi = auroc_ci(y[design.test], s, te_cl, n_boot, seed)
            layers.append({"layer": layer, "val_auroc": va, "auroc": a, "ci": [lo, hi]})
        if not layers:
            continue
        best = max(layers, key=lambda r: -1.0 if r["val_auroc"] is None else r["val_auroc"])
        probe = fit_probe(kind, acts[design.train, best["layer"]], y[design.train], best["layer"], pooling)
        s = probe.score(acts[design.test, best["layer"]])
        entry: dict[str, Any] = {"layers": layers, "best_layer": best["layer"], "best": best,
                                 "comparisons": comparisons(te_rows, s, n_boot)}
        if shifted:
            entry["style_shift"] = {}
            for name, get in shifted.items():
                sa = get()
                ss = probe.score(sa[:, best["layer"]])
                a2, lo2, hi2 = auroc_ci(y[design.test], ss, te_cl, n_boot, seed)
                entry["style_shift"][name] = {"auroc": a2, "ci": [lo2, hi2], "retained": retained(best["auroc"], a2),
                                              "comparisons": comparisons(te_rows, ss, n_boot)}
        result["kinds"][kind] = entry
    return result


def retained(before: float | None, after: float | None) -> float | None:
    """Share of the above-chance AUROC that survives a rephrasing: (after - 0.5) / (before - 0.5)."""
    if before is None or after is None or abs(before - 0.5) < 1e-9:
        return None
    return (after - 0.5) / (before - 0.5)


def data_hash(rows: Sequence[ProbeText]) -> str:
    h = hashlib.sha256()
    for r in rows:
        h.update(f"{r.id}\0{r.label}\0{r.text}\n".encode())
    return h.hexdigest()[:16]
