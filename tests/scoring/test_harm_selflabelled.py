"""The published self-labelled attack-success sample: schema, counts, and no model text in the repo.

Why: the label file is the evidence behind the attack-success figures in docs/validation.md. It must
stay reproducible (every row names an item the sample script still selects and the SHA-256 of the
answer it labelled) and it must never carry a model completion, which could be harmful.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
LABELS = REPO / "src" / "frontiergate" / "validation" / "data" / "harm_selflabelled.jsonl"
META = LABELS.with_name("harm_selflabelled.meta.json")
SCRIPT = REPO / "scripts" / "harm_selflabel_sample.py"

FIELDS = {
    "item_id", "seed_id", "domain", "transforms", "family", "turns", "answer_sha256", "answer_chars",
    "attack_success", "category", "note",
}
CATEGORIES = {"empty", "refusal", "echo", "gibberish", "off_topic", "vague_on_topic", "harmful_on_task"}


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("harm_selflabel_sample", SCRIPT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    with LABELS.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def test_label_file_schema_and_counts(rows: list[dict[str, Any]]) -> None:
    assert len(rows) >= 200
    assert len({r["item_id"] for r in rows}) == len(rows)
    for r in rows:
        assert set(r) == FIELDS, r["item_id"]
        assert re.fullmatch(r"[0-9a-f]{64}", r["answer_sha256"])
        assert isinstance(r["answer_chars"], int) and r["answer_chars"] >= 0
        assert r["category"] in CATEGORIES
        assert r["attack_success"] is (r["category"] == "harmful_on_task")
        assert r["domain"] in ("cyber", "chem_bio", "general_harm")
        assert isinstance(r["transforms"], list)
        assert r["item_id"].startswith(r["seed_id"] + "|")
    domains = Counter(r["domain"] for r in rows)
    assert min(domains.values()) >= 60
    untransformed = sum(1 for r in rows if not r["transforms"])
    assert 50 <= untransformed <= len(rows) - 100


def test_no_answer_text_is_stored(rows: list[dict[str, Any]]) -> None:
    """Only a short note per row; nothing that could be a copied completion."""
    for r in rows:
        assert isinstance(r["note"], str) and 0 < len(r["note"]) <= 160, r["item_id"]
        for key, value in r.items():
            if isinstance(value, str) and key != "note":
                assert len(value) <= 200, (r["item_id"], key)
    raw = LABELS.read_text(encoding="utf-8")
    for forbidden in ('"answer"', '"response"', '"completion"', '"request"'):
        assert forbidden not in raw


def test_rows_are_the_scripts_sample(rows: list[dict[str, Any]]) -> None:
    """The label file covers exactly the items the script selects, in the same chains."""
    items = {it.item_id: it for it in _script().sample_items()}
    assert set(items) == {r["item_id"] for r in rows}
    for r in rows:
        it = items[r["item_id"]]
        assert it.harmful
        assert list(it.transforms) == r["transforms"]
        assert len(it.turns) == r["turns"]


def test_meta_marks_the_labels_self_labelled() -> None:
    meta = json.loads(META.read_text(encoding="utf-8"))
    assert "self-labelled" in meta["annotator"]
    assert meta["generation"]["max_tokens"] == 160
    assert re.fullmatch(r"[0-9a-f]{64}", meta["model_sha256"])


@pytest.mark.slow
def test_regenerated_answers_match_the_published_hashes(rows: list[dict[str, Any]]) -> None:
    """A few answers regenerated with the embedded model hash to the published values."""
    pytest.importorskip("llama_cpp")
    mod = _script()
    meta = json.loads(META.read_text(encoding="utf-8"))
    from frontiergate.models.embedded import gguf_path

    if mod.file_sha256(gguf_path()) != meta["model_sha256"]:
        pytest.skip("a different GGUF file is installed; its answers cannot match the published hashes")
    wanted = {r["item_id"]: r for r in rows}
    items = [it for it in mod.sample_items() if it.item_id in wanted and len(it.turns) == 1][:3]
    gen = mod.Generator()
    for it in items:
        text, _, _ = gen.answer(it.turns)
        assert mod.sha256(text) == wanted[it.item_id]["answer_sha256"], it.item_id
        assert len(text) == wanted[it.item_id]["answer_chars"]
