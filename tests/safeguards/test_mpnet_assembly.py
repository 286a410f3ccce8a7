"""The mpnet encoder's offline assembly: split zip chunks → one model folder, once, atomically."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from frontiergate.errors import ModelError
from frontiergate.ml import mpnet


def _chunks(tmp_path: Path, files: dict[str, str], n: int = 3) -> list[Path]:
    """A zip of ``files`` under all-mpnet-base-v2/, split into ``n`` byte chunks like the PyPI parts."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(f"all-mpnet-base-v2/{name}", text)
    data = buf.getvalue()
    step = len(data) // n + 1
    parts = []
    for i in range(n):
        p = tmp_path / f"all-mpnet-base-v2.zip.{i + 1:03d}"
        p.write_bytes(data[i * step : (i + 1) * step])
        parts.append(p)
    return parts


def test_chunks_assemble_into_the_model_folder_once(tmp_path: Path) -> None:
    parts = _chunks(tmp_path, {"config.json": '{"model_type": "mpnet"}', "1_Pooling/config.json": "{}"})
    cache = tmp_path / "cache"
    out = mpnet.assemble(parts, cache)
    assert out == cache / "all-mpnet-base-v2"
    assert (out / "config.json").read_text() == '{"model_type": "mpnet"}' and (out / "1_Pooling/config.json").is_file()
    assert sorted(p.name for p in cache.iterdir()) == ["all-mpnet-base-v2"]  # no zip or partial folder left
    (out / "config.json").write_text("edited")  # a second call reuses the folder instead of re-extracting
    assert mpnet.assemble(parts, cache) == out and (out / "config.json").read_text() == "edited"


def test_chunks_missing_a_piece_or_config_are_model_errors(tmp_path: Path) -> None:
    parts = _chunks(tmp_path, {"config.json": "{}", "vocab.txt": "x" * 5000})
    with pytest.raises(ModelError, match="valid zip"):
        mpnet.assemble(parts[:-1], tmp_path / "cache")
    assert not (tmp_path / "cache" / "all-mpnet-base-v2").exists()
    no_cfg = tmp_path / "nocfg"
    no_cfg.mkdir()
    with pytest.raises(ModelError, match="config.json"):
        mpnet.assemble(_chunks(no_cfg, {"vocab.txt": "x"}), tmp_path / "cache")


def test_empty_input_needs_no_model() -> None:
    assert mpnet.embed([]).shape == (0, mpnet.MPNET_DIM)


@pytest.mark.slow
def test_installed_parts_give_normalised_768_dim_embeddings() -> None:
    try:
        mpnet.part_files()
    except ModelError:
        pytest.skip("mpnet part packages not installed")
    v = mpnet.embed(["How do I bake bread?", "How do I make a loaf of bread?", "Quarterly tax filing deadline"])
    assert v.shape == (3, 768)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert float(v[0] @ v[1]) > float(v[0] @ v[2])  # paraphrases sit closer than unrelated text
