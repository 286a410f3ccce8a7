"""What a resumed run must share with the run that started: the target's weights, the guard head,
the code and its scorers.

Why: ``--resume`` reuses every finished sample. A resume after the file behind ``-M gguf=PATH`` was
replaced (a checkpoint directory's ``latest.gguf`` rewritten, ``FRONTIERGATE_GGUF`` re-pointed), or
under another release whose scorers read the same answer differently, would finish one run with
evidence about two models, or two scoring rules, certified as one. So the run records, when it
starts, a fingerprint of every target whose weights are local files, the digest of a fitted guard
head, the code version and the scorer versions, and a resume that sees any of them changed is
refused (one line, exit 2) instead of mixing them.

A remote endpoint has no local weights to fingerprint: nothing is recorded for it (its provider's
model name is what the run records).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from frontiergate.errors import RunError

EMBEDDED_PREFIX = "frontiergate/"
HF_PREFIX = "hf/"
SAFEGUARDED_PREFIX = "safeguarded/"

WEIGHTS_KEY = "weights"
"""Key, in the run's stored options, of the per-target weight fingerprints."""
SCORERS_KEY = "scorer_versions"
"""Key, in the run's stored options, of the scorer versions the run started with."""

WEIGHTS_CHANGED_FIX = "the target's weights changed since the run started; start a new run"
RELEASE_CHANGED_FIX = "resume with the release that started it, or start a new run"


def _sha256(path: Path) -> str:
    from frontiergate.models.embedded import weights_sha256

    return weights_sha256(path)


def _file(kind: str, path: Path) -> dict[str, str]:
    if not path.is_file():
        # recorded as missing, so a resume that finds a file there is refused (and vice versa)
        return {"kind": kind, "path": str(path), "sha256": "missing"}
    return {"kind": kind, "path": str(path), "sha256": _sha256(path)}


def directory_fingerprint(path: Path) -> str:
    """SHA-256 over every file of a local model directory (relative name and content digest; hidden
    files and folders such as ``.cache`` left out): a checkpoint retrained in place, with the same
    file names and sizes, fingerprints differently."""
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = f.relative_to(path)
        if any(part.startswith(".") for part in rel.parts):
            continue
        h.update(f"{rel.as_posix()}\0{_sha256(f)}\n".encode())
    return h.hexdigest()


def _embedded(name: str) -> dict[str, str] | None:
    """An embedded target without ``-M gguf``: the pinned file's digest, or ``FRONTIERGATE_GGUF``'s."""
    from frontiergate.models.embedded_spec import SPECS, gemma_gguf, qwen_gguf
    from frontiergate.models.weights import GEMMA_WEIGHTS, QWEN_WEIGHTS

    spec = SPECS.get(name)
    if spec is None:
        return None
    if spec.locate_weights is gemma_gguf:
        override = os.environ.get("FRONTIERGATE_GGUF")
        if override:
            return _file("gguf", Path(override).expanduser())
        return {"kind": "pinned", "path": GEMMA_WEIGHTS.filename, "sha256": GEMMA_WEIGHTS.sha256}
    if spec.locate_weights is qwen_gguf:
        return {"kind": "pinned", "path": QWEN_WEIGHTS.filename, "sha256": QWEN_WEIGHTS.sha256}
    return _file("gguf", spec.locate_weights())


def target_fingerprint(target: str, args: Mapping[str, Any]) -> dict[str, str] | None:
    """The identity of ``target``'s local weights (None: a remote endpoint, nothing local to check).

    ``-M gguf=PATH`` (whatever the provider) is that file's SHA-256; ``frontiergate/<name>`` the pinned
    file's digest (or ``FRONTIERGATE_GGUF``'s file); ``hf/PATH`` with PATH a local directory its
    ``directory_fingerprint``, a local file its SHA-256; ``safeguarded/M`` the fingerprint of M.
    """
    gguf = args.get("gguf")
    if isinstance(gguf, str | Path) and str(gguf):
        return _file("gguf", Path(gguf).expanduser())
    ref = target
    while ref.startswith(SAFEGUARDED_PREFIX):
        ref = ref[len(SAFEGUARDED_PREFIX):]
    if ref.startswith(EMBEDDED_PREFIX):
        return _embedded(ref[len(EMBEDDED_PREFIX):])
    if ref.startswith(HF_PREFIX):
        path = Path(ref[len(HF_PREFIX):]).expanduser()
        if path.is_dir():
            return {"kind": "directory", "path": str(path), "sha256": directory_fingerprint(path)}
        if path.is_file():
            return _file("file", path)
    return None


def run_fingerprints(targets: Sequence[str], args_for: Callable[[str], Mapping[str, Any]]) -> dict[str, Any]:
    """Per target with local weights, their fingerprint (and its guard model's, under ``T#guard``)."""
    out: dict[str, Any] = {}
    for t in targets:
        args = args_for(t)
        fp = target_fingerprint(t, args)
        if fp is not None:
            out[t] = fp
        guard_model = args.get("guard_model") if t.startswith(SAFEGUARDED_PREFIX) else None
        if isinstance(guard_model, str):
            gfp = target_fingerprint(guard_model, {})
            if gfp is not None:
                out[f"{t}#guard"] = gfp
    return out


def _same(a: Any, b: Any) -> bool:
    if not isinstance(a, Mapping) or not isinstance(b, Mapping):
        return bool(a == b)
    return (a.get("kind"), a.get("sha256")) == (b.get("kind"), b.get("sha256"))


def check_weights(run_id: str, recorded: Mapping[str, Any] | None, now: Mapping[str, Any]) -> None:
    """Refuse a resume whose targets' weights are not those the run started with (``recorded`` None:
    a run from before fingerprints were recorded, nothing to compare with)."""
    if recorded is None:
        return
    for key in sorted(set(recorded) | set(now)):
        was, is_ = recorded.get(key), now.get(key)
        if _same(was, is_):
            continue
        where = (is_ or was or {}).get("path", "?") if isinstance(is_ or was, Mapping) else "?"
        old = was.get("sha256", "?")[:12] if isinstance(was, Mapping) else "none"
        new = is_.get("sha256", "?")[:12] if isinstance(is_, Mapping) else "none"
        raise RunError(
            f"run {run_id}: the weights of target '{key}' ({where}) changed since the run started "
            f"(sha256 {old}… then, {new}… now)",
            WEIGHTS_CHANGED_FIX,
        )


def check_guard_head(run_id: str, options: Mapping[str, Any]) -> None:
    """Refuse a resume whose fitted guard head is not the one whose digest the run recorded."""
    from frontiergate.safeguards.provenance import FITTED_KINDS, guard_provenance

    sg = options.get("safeguards")
    prov = sg.get("provenance") if isinstance(sg, Mapping) else None
    if not isinstance(prov, Mapping) or not prov.get("sha256") or prov.get("kind") not in FITTED_KINDS:
        return
    try:
        now = guard_provenance(str(prov["kind"]))
    except (OSError, ValueError) as exc:
        raise RunError(f"run {run_id}: the {prov['kind']} guard head the run started with cannot be read now "
                       f"({exc})", "restore the guard head the run started with, or start a new run") from None
    if now is None or now.sha256 != prov["sha256"]:
        got = (now.sha256 or "none")[:12] if now is not None else "none"
        raise RunError(
            f"run {run_id}: the {prov['kind']} guard head changed since the run started "
            f"(sha256 {str(prov['sha256'])[:12]}… then, {got}… now)",
            "the guard's head changed since the run started; start a new run",
        )


def check_release(run_id: str, code_then: str | None, code_now: str,
                  scorers_then: Mapping[str, Any] | None, scorers_now: Mapping[str, str]) -> None:
    """Refuse a resume under another release, or with other scorer versions, than the run's start."""
    if code_then and code_then != code_now:
        raise RunError(
            f"run {run_id} was started by frontiergate {code_then} and this is {code_now}: its finished "
            "samples were scored by the other release",
            RELEASE_CHANGED_FIX,
        )
    if scorers_then is None:
        return
    changed = sorted(k for k in set(scorers_then) | set(scorers_now) if scorers_then.get(k) != scorers_now.get(k))
    if changed:
        what = ", ".join(f"{k} {scorers_then.get(k) or 'none'} then, {scorers_now.get(k) or 'none'} now"
                         for k in changed)
        raise RunError(f"run {run_id}: scorer versions changed since the run started ({what})", RELEASE_CHANGED_FIX)


CODE_KEY = "code_version"
"""Key, in :func:`run_identity`, of the code version (the run row records it as ``RunRow.code_version``)."""


def run_identity(targets: Sequence[str], args_for: Callable[[str], Mapping[str, Any]]) -> dict[str, Any]:
    """What this process would run the targets with: code version, scorer versions and the targets'
    weight fingerprints, keyed as the run records them (a worker node compares its own with the driver's:
    ``pipeline.worker.node_problem``)."""
    from frontiergate.pipeline.versions import code_version, scorer_versions

    return {
        CODE_KEY: code_version(),
        SCORERS_KEY: scorer_versions(),
        WEIGHTS_KEY: run_fingerprints(targets, args_for),
    }

