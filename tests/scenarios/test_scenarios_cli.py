"""``frontiergate scenarios stats | expand | transforms``."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frontiergate.cli import app, main
from frontiergate.scenarios.library import load_seeds
from frontiergate.scenarios.transforms import registry, resolve_chains

runner = CliRunner()


def test_stats_json_counts_match_the_library() -> None:
    res = runner.invoke(app, ["scenarios", "stats", "--json"])
    assert res.exit_code == 0, res.output
    st = json.loads(res.stdout)
    seeds = load_seeds()
    for d in ("cyber", "chem_bio", "general_harm"):
        ds = [s for s in seeds if s.domain == d]
        assert st["domains"][d]["seeds"] == len(ds) >= 60
        assert st["domains"][d]["benign_twins"] == len(ds)
        assert st["domains"][d]["multi_turn"] == sum(s.multi_turn for s in ds)
        assert sum(st["domains"][d]["severity"].values()) == len(ds)
    base = 2 * len(seeds)
    assert st["totals"]["base_items"] == base
    n_all = len(resolve_chains("all"))  # the default selection: opt-in families (image) excluded
    assert st["totals"]["transforms"] == n_all
    assert st["families"]["encoding"]["variants"] == base * len(st["families"]["encoding"]["transforms"])
    assert st["totals"]["items_stack_depth_1"] == base * (1 + n_all) >= 5000


def test_stats_text_shows_domains_families_and_severity() -> None:
    res = runner.invoke(app, ["scenarios", "stats", "--domain", "cyber"])
    assert res.exit_code == 0, res.output
    assert "cyber" in res.stdout and "chem_bio" not in res.stdout.split("transform family")[0]
    assert "roleplay" in res.stdout and "severity" in res.stdout


def test_stats_autonomy_without_the_module_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "frontiergate.envs.scenarios", None)  # import fails
    res = runner.invoke(app, ["scenarios", "stats", "--domain", "autonomy"])
    assert res.exit_code == 2
    assert "autonomy scenarios are not available" in res.output


def test_stats_autonomy_lists_family_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("frontiergate.envs.scenarios")
    fake.family_counts = lambda: {"self_exfiltration": 4, "sabotage": 3}  # type: ignore[attr-defined]
    envs = types.ModuleType("frontiergate.envs")
    envs.scenarios = fake  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "frontiergate.envs", envs)
    monkeypatch.setitem(sys.modules, "frontiergate.envs.scenarios", fake)
    res = runner.invoke(app, ["scenarios", "stats", "--domain", "autonomy", "--json"])
    assert res.exit_code == 0, res.output
    expected = {"families": {"self_exfiltration": 4, "sabotage": 3}, "total": 7}
    assert json.loads(res.stdout)["autonomy"] == expected


def test_expand_writes_reproducible_jsonl(tmp_path: Path) -> None:
    outs = []
    for name in ("a.jsonl", "b.jsonl"):
        out = tmp_path / name
        res = runner.invoke(app, ["scenarios", "expand", "--transforms", "all", "--stack-depth", "2",
                                  "--seed", "3", "--limit", "700", "--out", str(out)])
        assert res.exit_code == 0, res.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    lines = outs[0].decode().splitlines()
    assert len(lines) == 700
    items = [json.loads(line) for line in lines]
    assert {"item_id", "turns", "transforms", "family", "twin_id"} <= set(items[0])
    assert len({tuple(i["turns"]) for i in items}) == 700


def test_expand_to_stdout_with_domain_and_chain() -> None:
    res = runner.invoke(app, ["scenarios", "expand", "-d", "chem_bio", "-t", "roleplay_dan+base64",
                              "--no-base", "--no-benign"])
    assert res.exit_code == 0, res.output
    items = [json.loads(line) for line in res.stdout.splitlines()]
    assert len(items) == len(load_seeds(["chem_bio"]))
    assert all(i["domain"] == "chem_bio" and i["family"] == "roleplay" and i["harmful"] for i in items)


def test_expand_from_external_file(tmp_path: Path) -> None:
    p = tmp_path / "set.csv"
    p.write_text("goal,id\nSynthetic request A,a\nSynthetic request B,b\n", encoding="utf-8")
    res = runner.invoke(app, ["scenarios", "expand", "--from", str(p), "--prompt-column", "goal",
                              "--id-column", "id", "--file-domain", "cyber", "-t", "rot13"])
    assert res.exit_code == 0, res.output
    items = [json.loads(line) for line in res.stdout.splitlines()]
    assert [i["item_id"] for i in items] == ["ext-a|none|plain", "ext-b|none|plain",
                                             "ext-a|rot13|plain", "ext-b|rot13|plain"]


def test_user_errors_exit_2_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["scenarios", "expand", "--transforms", "nope", "--limit", "1"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "unknown transform 'nope'" in err and "Traceback" not in err


def test_transforms_listing() -> None:
    res = runner.invoke(app, ["scenarios", "transforms", "--json"])
    assert res.exit_code == 0
    assert set(json.loads(res.stdout)) == set(registry())
