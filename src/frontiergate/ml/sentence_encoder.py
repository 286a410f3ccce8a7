"""One lazily loaded, process-wide SentenceTransformer read from a local folder.

Why shared: the MiniLM and mpnet encoders differ only in where their files come from; loading
(offline flags, a clear error when sentence-transformers is missing) and encoding (normalised
vectors, one thread at a time, an empty input needs no model) must behave the same for both.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from frontiergate.errors import ModelError


class OfflineSentenceEncoder:
    """``locate()`` returns the model folder; it is only called on first use."""

    def __init__(self, dim: int, locate: Callable[[], Path], install_fix: str) -> None:
        self.dim = dim
        self._locate = locate
        self._install_fix = install_fix
        self._lock = threading.Lock()
        self._model: Any = None

    def load(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ["HF_HUB_OFFLINE"] = "1"
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                try:
                    from sentence_transformers import SentenceTransformer
                except ImportError:
                    raise ModelError(
                        "sentence-transformers (and torch) are not installed", self._install_fix
                    ) from None
                self._model = SentenceTransformer(str(self._locate()), device="cpu")
            return self._model

    def embed(self, texts: Sequence[str], batch_size: int) -> NDArray[np.float32]:
        """L2-normalised embeddings, shape ``(len(texts), dim)``; an empty input gives ``(0, dim)``."""
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        enc = self.load()
        with self._lock:
            vecs = enc.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                show_progress_bar=False,
                convert_to_numpy=True,
            )
        return np.asarray(vecs, dtype=np.float32)
