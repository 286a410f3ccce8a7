"""Sentence embeddings cached on disk, keyed by encoder and text.

Why: embedding the moderation file with mpnet takes about ten minutes on one core, and the
guard's training and validation scripts embed the same texts again and again (moderation rows,
XSTest prompts, scenario-library variants, their decoded forms). A content-keyed cache makes a
rerun cost seconds, and because the key is the text itself (SHA-256) a changed text is never
served a stale vector.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """A ``{sha256(text): vector}`` store in one ``.npz`` file per encoder under ``folder``."""

    def __init__(self, folder: Path, encoder_name: str, embed: Callable[[Sequence[str]], NDArray[np.float32]]) -> None:
        self.path = Path(folder) / f"{encoder_name}.npz"
        self._embed = embed
        self._store: dict[str, NDArray[np.float32]] = {}
        if self.path.is_file():
            with np.load(self.path) as z:
                if "keys" in z.files and "vecs" in z.files:
                    pairs = zip(z["keys"], z["vecs"], strict=True)
                    self._store = {str(k): np.asarray(v, dtype=np.float32) for k, v in pairs}
                else:  # an early layout: one array per key
                    self._store = {k: np.asarray(z[k], dtype=np.float32) for k in z.files}

    def __len__(self) -> int:
        return len(self._store)

    def embed(self, texts: Sequence[str], *, chunk: int = 128) -> NDArray[np.float32]:
        """Embeddings of ``texts`` (row per text); missing ones are computed in chunks and saved
        after each chunk, so an interrupted run keeps what it computed."""
        keys = [_key(t) for t in texts]
        todo: dict[str, str] = {}
        for k, t in zip(keys, texts, strict=True):
            if k not in self._store:
                todo.setdefault(k, t)
        items = list(todo.items())
        for i in range(0, len(items), chunk):
            part = items[i : i + chunk]
            vecs = self._embed([t for _, t in part])
            for (k, _), v in zip(part, vecs, strict=True):
                self._store[k] = np.asarray(v, dtype=np.float32)
            self.save()
        if not keys:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._store[k] for k in keys])

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp.npz")
        keys = list(self._store)
        vecs = np.stack([self._store[k] for k in keys]) if keys else np.zeros((0, 0), dtype=np.float32)
        np.savez(tmp, keys=np.array(keys), vecs=vecs)
        tmp.replace(self.path)
