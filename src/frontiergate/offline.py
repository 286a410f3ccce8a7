"""Keep Inspect usable on machines without internet access.

Inspect estimates token counts with tiktoken, which downloads its BPE table from the internet on
first use. On an offline machine every sample of a model that counts tokens (``mockllm``
included) would then fail. We keep tiktoken when its table is available (cached) and otherwise
fall back to a character-based estimate, which is all these counts are used for (context
compaction triggers and mock usage figures).
"""

from __future__ import annotations

import functools
from typing import Any

_CHARS_PER_TOKEN = 3.6
_installed = False


@functools.lru_cache(maxsize=1)
def _encoding() -> Any | None:
    try:
        import tiktoken

        return tiktoken.get_encoding("o200k_base")
    except Exception:
        return None


def offline_count_text_tokens(text: str) -> int:
    enc = _encoding()
    if enc is not None:
        return max(1, int(len(enc.encode(text, disallowed_special=())) * 1.1))
    return max(1, int(len(text) / _CHARS_PER_TOKEN * 1.1))


def install_offline_token_counter() -> None:
    """Route Inspect's token estimate through ``offline_count_text_tokens`` (idempotent)."""
    global _installed
    if _installed:
        return
    import inspect_ai.model._model as model_mod
    import inspect_ai.model._tokens as tokens_mod

    tokens_mod.count_text_tokens = offline_count_text_tokens
    model_mod.count_text_tokens = offline_count_text_tokens  # type: ignore[attr-defined]
    _installed = True
