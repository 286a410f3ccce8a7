"""Stream the samples of an ``.eval`` log in one pass.

Inspect's ``read_eval_log_samples`` opens the archive and parses its central directory once per
sample, which makes ingesting a 20,000-sample log quadratic (hours). An ``.eval`` file is a zip
archive with one JSON member per sample (zstd- or deflate-compressed), so we read the directory
once and decode members one at a time: linear time, one sample in memory at a time.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from inspect_ai.log import EvalSample, read_eval_log_samples

_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_ZSTD = 93


def _decompress(method: int, data: bytes) -> bytes:
    if method == zipfile.ZIP_STORED:
        return data
    if method == zipfile.ZIP_DEFLATED:
        return zlib.decompress(data, -15)
    if method == _ZSTD:
        import zstandard

        return zstandard.ZstdDecompressor().decompressobj().decompress(data)
    raise ValueError(f"unsupported zip compression method {method}")


def _fast_samples(path: Path) -> Iterator[EvalSample]:
    with zipfile.ZipFile(path) as zf, path.open("rb") as fh:
        # in name order (sample id, epoch), not in the order the samples finished: ingest then gives the
        # store's sample keys, which order the report's evidence lists, independently of timing, so the
        # same run executed elsewhere (other workers, a Ray cluster) yields the same report.json
        members = sorted(
            (i for i in zf.infolist() if i.filename.startswith("samples/") and i.filename.endswith(".json")),
            key=lambda i: i.filename,
        )
        for info in members:
            fh.seek(info.header_offset)
            header = _LOCAL_HEADER.unpack(fh.read(_LOCAL_HEADER.size))
            name_len, extra_len = header[9], header[10]
            fh.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
            raw = _decompress(info.compress_type, fh.read(info.compress_size))
            yield EvalSample.model_validate_json(raw)


def iter_samples(path: Path) -> Iterator[EvalSample]:
    """Every sample in the log (one-pass reader; Inspect's reader for anything unexpected)."""
    try:
        with zipfile.ZipFile(path) as zf:
            methods = {i.compress_type for i in zf.infolist()}
        if methods <= {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, _ZSTD}:
            yield from _fast_samples(path)
            return
    except zipfile.BadZipFile:
        pass
    yield from read_eval_log_samples(str(path), all_samples_required=False)
