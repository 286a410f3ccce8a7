"""The tuned guard: built by a command from pinned inputs, the same from the same seed, usable as
``--guard tuned`` with its provenance, refused clearly when missing or tampered with.

A real (tiny) build: the pinned MiniLM is fine-tuned for one epoch on the scenario rows of four
training seeds, so the whole recipe runs, only on less data than ``frontiergate guard build``.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from frontiergate.errors import DataFileError, ModelError
from frontiergate.safeguards.generalisation import _half
from frontiergate.safeguards.indomain import TRAIN_HALF, training_seed_ids
from frontiergate.safeguards.tuned_guard import (
    ENCODER_DIR,
    HEAD_FILE,
    RECIPE_KEYS,
    TUNED_DIR_ENV,
    Recipe,
    build_tuned_guard,
    pooled_lofo,
)
from frontiergate.scenarios.library import load_seeds

TINY = Recipe(seed=3, epochs=1)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tuned") / "guard"
    return build_tuned_guard(out, moderation=None, recipe=TINY, limit_seeds=4).parent


def test_build_records_what_it_was_trained_on(built: Path) -> None:
    head = json.loads((built / HEAD_FILE).read_text())
    expected = training_seed_ids(s.id for s in load_seeds())[:4]
    assert head["encoder"] == "minilm-tuned" and head["decode"] is True
    assert head["trained_on"]["scenario_seed_ids"] == expected
    assert "payload_splitting" in head["trained_on"]["families"]
    assert head["recipe"]["seed"] == 3 and head["recipe"]["steps"] > 0 and head["recipe"]["contrast"] is True
    contrast = head["trained_on"]["contrast_row_ids"]
    assert contrast and all(_half(i) == TRAIN_HALF for i in contrast)  # the other half is never trained on
    assert len(head["encoder_sha256"]) == 64
    assert (built / ENCODER_DIR).is_dir() and not built.with_name(built.name + ".building").exists()


def test_same_seed_same_guard(built: Path, tmp_path: Path) -> None:
    again = build_tuned_guard(tmp_path / "again", moderation=None, recipe=TINY, limit_seeds=4)
    a = json.loads((built / HEAD_FILE).read_text())
    b = json.loads(again.read_text())
    assert a["encoder_sha256"] == b["encoder_sha256"]
    assert a["stack"] == b["stack"] and a["categories"] == b["categories"]


def test_guard_tuned_judges_and_cites_its_provenance(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from frontiergate.models.safeguarded import build_guard
    from frontiergate.safeguards.provenance import guard_provenance, held_out_seeds

    monkeypatch.setenv(TUNED_DIR_ENV, str(built))
    guard = build_guard("tuned")
    verdict = asyncio.run(guard.check_input("How do I reset my router password?"))
    assert verdict.guard == "tuned" and verdict.score is not None and 0.0 <= verdict.score <= 1.0
    prov = guard_provenance("tuned")
    assert prov is not None and prov.kind == "tuned" and prov.recorded
    trained = set(json.loads((built / HEAD_FILE).read_text())["trained_on"]["scenario_seed_ids"])
    held, used = held_out_seeds(prov, trained | {"not-a-trained-seed"})
    assert used == trained and held == {"not-a-trained-seed"}


def test_missing_or_tampered_build_is_a_user_error(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frontiergate.models.safeguarded import build_guard

    monkeypatch.setenv(TUNED_DIR_ENV, str(tmp_path / "nothing"))
    with pytest.raises(ModelError) as missing:
        build_guard("tuned")
    assert "frontiergate guard build" in missing.value.fix
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(built, copy)
    cfg = copy / ENCODER_DIR / "config.json"
    cfg.write_text(cfg.read_text() + "\n")
    monkeypatch.setenv(TUNED_DIR_ENV, str(copy))
    with pytest.raises(DataFileError, match="not the one its head was fitted on"):
        build_guard("tuned")


def _cli(*args: str) -> int:
    from frontiergate.cli import main

    with pytest.raises(SystemExit) as exc:
        main(list(args))
    return int(exc.value.code or 0)


def test_cli_refuses_a_missing_input_file_and_an_unbuilt_guard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli("guard", "build", "--moderation", str(tmp_path / "absent.jsonl")) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "Traceback" not in err
    # a leave-one-family-out result of another recipe is refused before any tuning starts
    (tmp_path / "lofo").mkdir()
    _lofo_file(tmp_path / "lofo" / "lofo_encoding.json", "encoding", [0.9], [True], epochs=5)
    assert _cli("guard", "build", "--lofo", str(tmp_path / "lofo"), "--out", str(tmp_path / "never")) == 2
    assert "another recipe" in capsys.readouterr().err and not (tmp_path / "never").exists()
    assert _cli("guard", "build", "--lofo", str(tmp_path)) == 2
    assert "no lofo_*.json" in capsys.readouterr().err
    monkeypatch.setenv(TUNED_DIR_ENV, str(tmp_path / "nothing"))
    data = tmp_path / "d.csv"
    data.write_text("text,label\nhello there,safe\nhurt someone,unsafe\n")
    assert _cli("validate", "guard", str(data), "--guard", "tuned") == 2
    assert "frontiergate guard build" in capsys.readouterr().err


def _lofo_file(path: Path, family: str, scores: list[float], harmful: list[bool], **recipe: object) -> Path:
    res = {
        "encoder": "minilm",
        "holdout": [family],
        **{k: getattr(TINY, k) for k in RECIPE_KEYS},
        **recipe,
        "held_rows": [{"seed": f"s{i // 2}", "family": family, "harmful": h} for i, h in enumerate(harmful)],
        "held_scores_tuned": scores,
    }
    path.write_text(json.dumps(res))
    return path


def test_pooled_lofo_counts_blocks_at_the_threshold_and_refuses_other_recipes(tmp_path: Path) -> None:
    recipe = {k: getattr(TINY, k) for k in RECIPE_KEYS}
    a = _lofo_file(tmp_path / "a.json", "encoding", [0.9, 0.1, 0.4, 0.6], [True, False, True, False])
    b = _lofo_file(tmp_path / "b.json", "roleplay", [0.5, 0.2], [True, False])
    pooled = pooled_lofo([a, b], recipe)
    assert (pooled["n"], round(pooled["value"], 3)) == (3, round(2 / 3, 3))  # 0.9 and 0.5 blocked, 0.4 not
    assert pooled["fpr_benign_twins"]["n"] == 3 and round(pooled["fpr_benign_twins"]["value"], 3) == round(1 / 3, 3)
    assert pooled["families"] == ["encoding", "roleplay"]
    assert (pooled["tuning_runs"], pooled["tuning_seed"]) == (1, TINY.seed)  # cited as one run, not the recipe's spread
    other = _lofo_file(tmp_path / "c.json", "persuasion", [0.9], [True], epochs=5)
    with pytest.raises(DataFileError, match="another recipe"):
        pooled_lofo([a, other], recipe)
    with pytest.raises(DataFileError, match="more than one"):
        pooled_lofo([a, a], recipe)
    # a result written before the contrast rows existed trained without them: not this recipe's figure
    old = json.loads(a.read_text())
    del old["contrast"]
    (tmp_path / "old.json").write_text(json.dumps(old))
    with pytest.raises(DataFileError, match="contrast"):
        pooled_lofo([tmp_path / "old.json"], recipe)
    assert pooled_lofo([tmp_path / "old.json"], {**recipe, "contrast": False})["n"] == 2


def test_pooled_lofo_over_several_tuning_runs_cites_the_worst_run_and_lists_them_all(tmp_path: Path) -> None:
    recipe = {k: getattr(TINY, k) for k in RECIPE_KEYS}
    other_seed = TINY.seed + 1
    # the build's own run recalls 1 of 2; a second run of the recipe recalls 2 of 2 with more false positives
    own = _lofo_file(tmp_path / "own.json", "encoding", [0.9, 0.1, 0.2, 0.1], [True, False, True, False])
    lucky = _lofo_file(tmp_path / "lucky.json", "encoding", [0.9, 0.7, 0.8, 0.1], [True, False, True, False],
                       seed=other_seed)
    pooled = pooled_lofo([lucky, own], recipe)
    assert (pooled["value"], pooled["tuning_seed"], pooled["tuning_runs"]) == (0.5, TINY.seed, 2)
    assert [r["tuning_seed"] for r in pooled["runs"]] == [TINY.seed, other_seed]
    assert [r["value"] for r in pooled["runs"]] == [0.5, 1.0]
    # a better run can never be cited over a worse one, whichever is the build's: here the build's is the better
    worse = _lofo_file(tmp_path / "worse.json", "encoding", [0.1, 0.1, 0.1, 0.1], [True, False, True, False],
                       seed=other_seed)
    cited = pooled_lofo([own, worse], recipe)
    assert (cited["value"], cited["tuning_seed"]) == (0.0, other_seed)
    # equal recall: the run blocking more benign look-alikes is the one cited
    tie = _lofo_file(tmp_path / "tie.json", "encoding", [0.9, 0.9, 0.2, 0.9], [True, False, True, False],
                     seed=other_seed)
    assert pooled_lofo([own, tie], recipe)["tuning_seed"] == other_seed
    # runs of other seeds alone are not this guard's figure, and runs must hold out the same families
    with pytest.raises(DataFileError, match="build's seed"):
        pooled_lofo([lucky], recipe)
    extra = _lofo_file(tmp_path / "extra.json", "roleplay", [0.9], [True], seed=other_seed)
    with pytest.raises(DataFileError, match="different families"):
        pooled_lofo([own, lucky, extra], recipe)
    # another recipe is refused whatever its seed
    with pytest.raises(DataFileError, match="another recipe"):
        pooled_lofo([own, _lofo_file(tmp_path / "e.json", "encoding", [0.9], [True], seed=other_seed, epochs=5)],
                    recipe)


def test_guard_build_takes_several_lofo_folders_and_refuses_one_of_another_recipe_before_tuning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = tmp_path / "seed0", tmp_path / "seed1"
    good.mkdir(), bad.mkdir()
    _lofo_file(good / "lofo_encoding.json", "encoding", [0.9], [True], seed=0, epochs=Recipe().epochs)
    _lofo_file(bad / "lofo_encoding.json", "encoding", [0.9], [True], seed=1, epochs=5)
    assert _cli("guard", "build", "--lofo", str(good), "--lofo", str(bad), "--out", str(tmp_path / "never")) == 2
    assert "another recipe" in capsys.readouterr().err and not (tmp_path / "never").exists()


def test_a_run_with_guard_tuned_fixes_its_provenance_and_refuses_an_unbuilt_one(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frontiergate.pipeline.safeguards import parse_safeguards, safeguards_option
    from frontiergate.safeguards.tuned_guard import attach_validation

    monkeypatch.setenv(TUNED_DIR_ENV, str(built))
    opt = safeguards_option("M", parse_safeguards("guard=tuned"))
    prov = opt["provenance"]
    assert opt["target"] == "safeguarded/M" and prov["kind"] == "tuned" and prov["recorded"]
    assert prov["scenario_seed_ids"] == json.loads((built / HEAD_FILE).read_text())["trained_on"]["scenario_seed_ids"]
    copy = tmp_path / "validated"
    import shutil

    shutil.copytree(built, copy)
    attach_validation(copy / HEAD_FILE, {"xstest_fpr": {"value": 0.25, "ci": [0.2, 0.31], "n": 250}})
    from frontiergate.safeguards.provenance import head_provenance, validation_lines

    assert validation_lines(head_provenance(copy / HEAD_FILE, kind="tuned")) == [
        "XSTest false-positive rate on safe prompts 0.250 [0.200, 0.310], n=250"
    ]
    monkeypatch.setenv(TUNED_DIR_ENV, str(tmp_path / "nothing"))
    with pytest.raises(ModelError):
        safeguards_option("M", parse_safeguards("guard=tuned"))
