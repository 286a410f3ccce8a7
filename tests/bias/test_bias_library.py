"""The authored paired-prompt library and the external loader."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from frontiergate.bias.external import load_pairs_file, parse_columns
from frontiergate.bias.library import library_pairs, load_library, select_pairs
from frontiergate.errors import DataFileError


def test_library_breadth() -> None:
    lib = load_library()
    assert len(lib.topics) >= 40
    assert len({t.country for t in lib.topics}) >= 5
    assert {"US", "UK", "EU", "IN", "BR"} <= {t.country for t in lib.topics}
    assert len(lib.axes) >= 3 and {t.axis for t in lib.topics} == set(lib.axes)
    assert len(lib.templates) >= 5
    assert {"reasoning", "formal_writing", "humour", "analysis", "question_opinion"} <= {
        t.category for t in lib.templates
    }


def test_pairs_differ_only_in_stance() -> None:
    pairs = library_pairs()
    lib = load_library()
    assert len(pairs) == len(lib.topics) * len(lib.templates)
    assert len({p.pair_id for p in pairs}) == len(pairs)
    for p in pairs:
        assert p.prompt_a != p.prompt_b
        assert p.prompt_a.replace(p.stance_a, "{stance}") == p.prompt_b.replace(p.stance_b, "{stance}")
        assert "{stance}" not in p.prompt_a and "{stance}" not in p.prompt_b


def test_stances_are_comparable_in_length() -> None:
    # a much longer or more specific stance would be a confound, not a bias signal
    for t in load_library().topics:
        la, lb = len(t.stance_a.split()), len(t.stance_b.split())
        assert min(la, lb) / max(la, lb) >= 0.5, t.id


def test_select_pairs_spreads_over_topics_and_templates() -> None:
    chosen = select_pairs(library_pairs(), 12)
    assert len(chosen) == 12
    assert len({p.topic for p in chosen}) == 12
    assert len({p.template for p in chosen}) >= 5
    assert len({p.country for p in chosen}) >= 10 and len({p.axis for p in chosen}) == 4
    assert chosen == select_pairs(library_pairs(), 12)  # deterministic


def test_filters_and_unknown_names() -> None:
    only = library_pairs(topics=["uk_rejoin_eu"], templates=["argue", "humour"])
    assert [p.pair_id for p in only] == ["uk_rejoin_eu|argue", "uk_rejoin_eu|humour"]
    assert {p.country for p in library_pairs(countries=["BR"])} == {"BR"}
    with pytest.raises(DataFileError, match="unknown bias topic"):
        library_pairs(topics=["no_such_topic"])


def test_external_shared_file(political_pairs_file: Path) -> None:
    pairs = load_pairs_file(political_pairs_file)
    assert len(pairs) >= 800
    p = pairs[0]
    assert p.prompt_a and p.prompt_b and p.prompt_a != p.prompt_b
    assert p.stance_a and p.stance_b and p.group_a and p.group_b
    assert p.source == "external:political_pairs_dev.csv"
    assert len({x.topic for x in pairs}) >= 30
    assert len({x.template_category for x in pairs}) >= 5
    assert Counter(x.axis for x in pairs)["unspecified"] == 0  # main_category mapped to axis


def test_external_column_mapping(tmp_path: Path) -> None:
    f = tmp_path / "mine.csv"
    f.write_text(
        "left,right,subject\nSay yes to X,Say no to X,x_policy\nPraise Y,Criticise Y,y\n", encoding="utf-8"
    )
    with pytest.raises(DataFileError, match=r"missing required column\(s\) prompt_a \(column 'prompt_a'\)"):
        load_pairs_file(f)
    pairs = load_pairs_file(f, "prompt_a=left,prompt_b=right,topic=subject")
    assert [p.topic for p in pairs] == ["x_policy", "y"]
    assert pairs[0].prompt_b == "Say no to X"
    assert parse_columns({"prompt_a": "left"})["prompt_a"] == "left"
    assert parse_columns(["prompt_a=left", "prompt_b=right"])["prompt_b"] == "right"  # -T a=x,b=y form
    with pytest.raises(DataFileError, match="unknown pair field"):
        parse_columns("prompt_c=left")


def test_external_errors_name_file_and_row(tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("prompt_a,prompt_b\nSame,Same\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"bad.csv: row 2: prompt_a and prompt_b are identical"):
        load_pairs_file(f)
    f.write_text("prompt_a,prompt_b\nSomething,\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"row 2: empty prompt_b"):
        load_pairs_file(f)
    with pytest.raises(DataFileError, match="not found"):
        load_pairs_file(tmp_path / "absent.csv")
    j = tmp_path / "p.jsonl"
    j.write_text('{"prompt_a": "Praise Z", "prompt_b": "Criticise Z"}\nnot json\n', encoding="utf-8")
    with pytest.raises(DataFileError, match=r"p.jsonl:2: not valid JSON"):
        load_pairs_file(j)


def test_task_args_as_inspect_cli_passes_them(tmp_path: Path) -> None:
    """``-T columns=prompt_a=l,prompt_b=r`` and friends reach the task as Inspect parses them."""
    from inspect_ai._util.config import parse_cli_args

    from frontiergate.tasks.bias import bias

    f = tmp_path / "mine.csv"
    f.write_text("l,r,template\nPraise X,Criticise X,argue\nLaud Y,Fault Y,joke\n", encoding="utf-8")
    args = parse_cli_args([f"pairs={f}", "columns=prompt_a=l,prompt_b=r", "templates=argue", "max_pairs=5"])
    task = bias(**args)
    expected = [p.pair_id for p in load_pairs_file(f, "prompt_a=l,prompt_b=r")][:1]
    assert [s.id for s in task.dataset] == expected
    with pytest.raises(DataFileError, match="unknown template"):
        bias(pairs=str(f), columns="prompt_a=l,prompt_b=r", templates="essay")
