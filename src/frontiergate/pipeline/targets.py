"""Target models: validate model strings up front and keep secrets out of everything we write.

Failing before the first sample (unknown provider, missing key) costs the user seconds; failing
after an hour of evaluation costs an hour. Error texts from providers are stripped of markup and
of anything that looks like a key.
"""

from __future__ import annotations

import os
import re
from typing import Any

from frontiergate.errors import ModelError

_MARKUP = re.compile(r"\[/?[a-z ]+\]")
_SECRET_PATTERNS = [
    re.compile(r"sk-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._\-]{8,}"),
    re.compile(r"(?i)(api[_-]?key[\"'=:\s]+)[A-Za-z0-9._\-]{8,}"),
]


def secret_values() -> list[str]:
    """Values of environment variables that look like credentials (to scrub from artefacts)."""
    out = []
    for k, v in os.environ.items():
        if v and len(v) >= 8 and re.search(r"(?i)(KEY|TOKEN|SECRET|PASSWORD)", k):
            out.append(v)
    return sorted(out, key=len, reverse=True)


def scrub(text: str) -> str:
    """Remove secrets (known env values and key-shaped strings) from ``text``."""
    for v in secret_values():
        text = text.replace(v, "***")
    for pat in _SECRET_PATTERNS:
        text = pat.sub(lambda m: (m.group(1) if m.groups() else "") + "***", text)
    return text


def _one_line(exc: BaseException) -> str:
    msg = _MARKUP.sub("", str(exc)).replace("ERROR:", "").strip()
    msg = " ".join(part.strip() for part in msg.splitlines() if part.strip())
    return scrub(msg)


def validate_target(model: str, base_url: str | None = None, model_args: dict[str, Any] | None = None) -> None:
    """Instantiate the Inspect model once so that configuration errors surface now, clearly."""
    from inspect_ai.model import get_model

    import frontiergate._registry  # noqa: F401

    if "/" not in model:
        raise ModelError(
            f"model '{model}' is not an Inspect model string",
            "write provider/model, e.g. frontiergate/gemma-3-270m, openai/gpt-4o, openai-api/NAME/MODEL, mockllm/model",
        )
    try:
        get_model(model, base_url=base_url, memoize=False, **(model_args or {}))
    except ModelError:
        raise
    except Exception as exc:
        msg = _one_line(exc)
        provider = model.split("/", 1)[0]
        if "not recognized" in msg:
            fix = "run `frontiergate models` for the supported providers"
        elif "API_KEY" in msg or "api key" in msg.lower():
            fix = "export the provider's API key variable named above (it is never written to logs or reports)"
        elif "optional dependencies" in msg or "pip install" in msg:
            fix = f"install the provider's client for '{provider}' as named above"
        else:
            fix = "check the model string, --model-base-url and -M model args"
        raise ModelError(f"cannot use model '{model}': {msg}", fix) from None
