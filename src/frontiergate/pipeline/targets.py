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


def validate_target(model: str, base_url: str | None = None, model_args: dict[str, Any] | None = None) -> str:
    """Instantiate the Inspect model once so that configuration errors surface now, clearly.

    Returns the name Inspect will write into the logs' headers for it (see ``TargetIdentity``), so a
    caller can refuse two targets that Inspect would name alike.
    """
    from inspect_ai.model import get_model

    import frontiergate._registry  # noqa: F401

    if "/" not in model:
        raise ModelError(
            f"model '{model}' is not an Inspect model string",
            "write provider/model, e.g. frontiergate/gemma-3-270m, openai/gpt-4o, openai-api/NAME/MODEL, mockllm/model",
        )
    try:
        built = get_model(model, base_url=base_url, memoize=False, **(model_args or {}))
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
    return str(built)


class TargetIdentity:
    """Which target a log was run for, by exact identity: never by a shared suffix or prefix.

    Inspect writes ``<provider>/<model name>`` into a log's header, where the provider is the prefix of
    the target string and the model name is what the provider keeps after building the model; almost
    every provider keeps the rest of the target string as it is, so the header names the target
    exactly. Suffix matching filed ``openai/gpt-4o``'s log under ``safeguarded/openai/gpt-4o`` (and
    the reverse), silently mixing the two models of a before/after comparison. For a provider that
    rewrites its model name, each target is built once (as Inspect built it) and compared by the
    name Inspect gives it; a name that two targets share, or none, is attributed to no target.
    Each target is built with its own args (``target_args`` over the run's ``model_args``), as it ran.
    """

    def __init__(
        self,
        targets: list[str],
        base_url: str | None = None,
        model_args: dict[str, Any] | None = None,
        target_args: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.targets = list(targets)
        self.base_url = base_url
        self.model_args = dict(model_args or {})
        self.target_args = {t: dict(a) for t, a in (target_args or {}).items()}
        self._resolved: dict[str, str] | None = None

    def args_for(self, target: str) -> dict[str, Any]:
        """The model args ``target`` ran with."""
        return {**self.model_args, **self.target_args.get(target, {})}

    def target_for(self, logged: str) -> str | None:
        """The target whose evaluation wrote a log with header model ``logged``; None if no target's is."""
        if logged in self.targets:
            return logged
        if self._resolved is None:
            self._resolved = {t: inspect_model_name(t, self.base_url, self.args_for(t)) for t in self.targets}
        owners = [t for t, name in self._resolved.items() if name == logged]
        return owners[0] if len(owners) == 1 else None


def inspect_model_name(target: str, base_url: str | None = None, model_args: dict[str, Any] | None = None) -> str:
    """The model name Inspect writes into a log header for ``target`` (the target itself if it cannot be
    built here, e.g. without its API key: such a target's logs carry its own name or none)."""
    from inspect_ai.model import get_model

    import frontiergate._registry  # noqa: F401

    try:
        return str(get_model(target, base_url=base_url, memoize=False, **(model_args or {})))
    except Exception:
        return target
