"""``frontiergate validate refusal`` on small temporary files: formats, flags, errors, JSON."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frontiergate.cli import app
from frontiergate.validation.refusal import agreement_report, load_labelled, to_binary

runner = CliRunner()

ROWS = [
    ("[REQUEST-1]", "I'm sorry, but I can't help with that.", "refusal"),
    (
        "[REQUEST-2]",
        "Sure! Here are the steps:\n1. Do [DETAIL].\n2. Do [DETAIL].\n3. Do [DETAIL].",
        "compliance",
    ),
    ("[REQUEST-3]", "I cannot provide that. It could hurt someone.", "refusal"),
    ("[REQUEST-4]", "The answer is 42, as computed from the table above.", "compliance"),
    # the human says refusal; the rules say compliance: one disagreement
    ("[REQUEST-5]", "Paris is the capital of France.", "refusal"),
]


def write_csv(path: Path, header: tuple[str, str, str] = ("prompt", "response", "label")) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(ROWS)
    return path


def write_jsonl(path: Path, keys: tuple[str, str, str] = ("prompt", "response", "label")) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for row in ROWS:
            fh.write(json.dumps(dict(zip(keys, row, strict=True))) + "\n")
    return path


def invoke(*args: str) -> tuple[int, str, str]:
    res = runner.invoke(app, ["validate", "refusal", *args])
    return res.exit_code, res.stdout, res.stderr


def test_csv_text_output(tmp_path: Path) -> None:
    code, out, _ = invoke(str(write_csv(tmp_path / "l.csv")))
    assert code == 0, out
    assert "n          5" in out
    assert "agreement  0.800" in out
    assert "confusion" in out and "precision" in out and "recall" in out and "F1" in out
    assert "small" in out  # n < 30 is flagged


def test_jsonl_json_output(tmp_path: Path) -> None:
    code, out, _ = invoke(str(write_jsonl(tmp_path / "l.jsonl")), "--json")
    assert code == 0, out
    d = json.loads(out)
    assert {"agreement", "n", "precision", "recall", "f1", "confusion"} <= set(d)
    assert d["n"] == 5 and d["agreement"] == pytest.approx(0.8)
    assert d["confusion"] == {
        "refusal": {"refusal": 2, "compliance": 1},
        "compliance": {"refusal": 0, "compliance": 2},
    }
    assert d["precision"] == 1.0 and d["recall"] == pytest.approx(2 / 3)
    lo, hi = d["agreement_ci95"]
    assert lo < 0.8 < hi


def test_column_flags_and_xstest_labels(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    mapping = {"refusal": "2_full_refusal", "compliance": "1_full_compliance"}
    with p.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "prompt", "completion", "final_label"])
        for i, (q, a, lab) in enumerate(ROWS):
            w.writerow([i, q, a, "3_partial_refusal" if i == 2 else mapping[lab]])
    flags = ["--prompt-column", "prompt", "--response-column", "completion", "--label-column", "final_label"]
    code, out, _ = invoke(str(p), *flags, "--json")
    assert code == 0, out
    assert json.loads(out)["agreement"] == pytest.approx(0.8)


def test_partial_as_flag(tmp_path: Path) -> None:
    assert to_binary("partial") == "refusal"
    assert to_binary("partial", "compliance") == "compliance"
    assert to_binary("empty") == "refusal"
    code, out, _ = invoke(str(write_csv(tmp_path / "l.csv")), "--partial-as", "compliance", "--json")
    assert code == 0 and json.loads(out)["n"] == 5


def test_missing_column_names_file_and_column(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "l.csv", header=("prompt", "answer", "label"))
    code, _, err = invoke(str(p))
    assert code == 2
    assert str(p) in err and "'response'" in err and "--response-column" in err
    assert "Traceback" not in err


def test_unknown_label_names_row_and_column(tmp_path: Path) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_text(json.dumps({"prompt": "q", "response": "a", "label": "maybe"}) + "\n", encoding="utf-8")
    code, _, err = invoke(str(p))
    assert code == 2
    assert "bad.jsonl" in err and "line 1" in err and "'label'" in err and "maybe" in err


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (None, "no such file"),
        ("", "empty"),
        ("{not json\n", "not valid JSON"),
        ("prompt,response,label\n", "no data"),
    ],
)
def test_bad_files_exit_2(tmp_path: Path, content: str | None, needle: str) -> None:
    p = tmp_path / ("f.jsonl" if content and content.startswith("{") else "f.csv")
    if content is not None:
        p.write_text(content, encoding="utf-8")
    code, _, err = invoke(str(p))
    assert code == 2 and needle in err and str(p) in err


def test_judge_needs_a_model(tmp_path: Path) -> None:
    code, _, err = invoke(str(write_csv(tmp_path / "l.csv")), "--scorer", "judge")
    assert code == 2 and "--judge-model" in err


def test_judge_path_with_mockllm(tmp_path: Path) -> None:
    # mockllm's default answer is no verdict: every row falls back to the rules, and says so
    judge = ["--scorer", "judge", "--judge-model", "mockllm/model"]
    code, out, _ = invoke(str(write_csv(tmp_path / "l.csv")), *judge, "--json")
    assert code == 0, out
    d = json.loads(out)
    assert d["scorer"] == "judge:mockllm/model" and d["parsed"] == 0 and d["fallback_to_rules"] == 5
    assert d["agreement"] == pytest.approx(0.8)


def test_unknown_judge_model_exit_2(tmp_path: Path) -> None:
    code, _, err = invoke(
        str(write_csv(tmp_path / "l.csv")), "--scorer", "judge", "--judge-model", "nosuch/x"
    )
    assert code == 2 and "nosuch/x" in err


def test_limit_subsamples_reproducibly(tmp_path: Path) -> None:
    p = str(write_csv(tmp_path / "l.csv"))
    a = invoke(p, "--limit", "3", "--json")[1]
    b = invoke(p, "--limit", "3", "--json")[1]
    assert json.loads(a)["n"] == 3 and a == b


def test_library_report_edge_cases(tmp_path: Path) -> None:
    rows = load_labelled(write_csv(tmp_path / "l.csv"))
    assert [r.line for r in rows] == [2, 3, 4, 5, 6]
    rep = agreement_report(["compliance"], ["compliance"])
    assert rep.precision.estimate is None and rep.f1 is None and rep.agreement.estimate == 1.0
