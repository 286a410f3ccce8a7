"""A key given twice in one mapping is a usage error naming both lines, never a silent override."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontiergate.errors import PolicyError
from frontiergate.policy.loader import default_policy_path, load_policy


def test_a_pasted_twice_alert_line_is_refused_with_both_lines(tmp_path: Path) -> None:
    text = default_policy_path().read_text(encoding="utf-8")
    anchor = "        alerts: {medium: 0.06, high: 0.18, critical: 0.40}\n"
    assert anchor in text
    bad = tmp_path / "p.yaml"
    bad.write_text(text.replace(anchor, anchor.replace("0.06", "0.01") + anchor, 1), encoding="utf-8")
    with pytest.raises(PolicyError) as exc:
        load_policy(bad)
    line = text[: text.index(anchor)].count("\n") + 1
    want = f"p.yaml:{line + 1}: malformed YAML: key 'alerts' is given twice in one mapping (first at line {line})"
    assert want in str(exc.value)


def test_equal_keys_in_different_mappings_are_fine() -> None:
    assert load_policy(default_policy_path()).version == "5"


def test_recursive_and_shared_aliases_end(tmp_path: Path) -> None:
    """Anchors that refer to themselves, or are shared many times, are walked once (no hang)."""
    bad = tmp_path / "p.yaml"
    bad.write_text("a: &x [*x]\nb: &y {k: [*y, *y]}\nname: t\n", encoding="utf-8")
    with pytest.raises(PolicyError):
        load_policy(bad)
