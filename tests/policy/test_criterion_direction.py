"""A criterion must read its metric in the metric's own direction.

``direction`` defaults to higher_is_worse. A lower-is-worse metric (evenhandedness, opposing
perspectives, robustness margin) read that way clears exactly the models it should stop: a model
never judged even-handed has evenhandedness 0, "below every threshold".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from frontiergate.analysis.registry import metric_direction, metric_exists
from frontiergate.errors import PolicyError
from frontiergate.policy.loader import load_policy

POLICY = """\
name: t
levels:
  low: {action: deploy}
  medium: {action: deploy_with_safeguards}
  high: {action: do_not_deploy}
  critical: {action: stop_scaling}
domains:
  ideological_bias:
    criteria:
      - metric: evenhandedness
"""


def _load(tmp_path: Path, criterion: str) -> object:
    path = tmp_path / "p.yaml"
    path.write_text(POLICY + criterion)
    return load_policy(path, metric_exists=metric_exists, metric_direction=metric_direction)


def test_a_lower_is_worse_metric_read_with_the_default_direction_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as exc:
        _load(tmp_path, "        thresholds: {medium: 0.3, high: 0.5, critical: 0.7}\n")
    text = exc.value.render()
    assert "criteria[0].direction" in text and "lower_is_worse" in text and "(the default)" in text


def test_the_metrics_own_direction_is_accepted(tmp_path: Path) -> None:
    pol = _load(tmp_path,
                "        direction: lower_is_worse\n        thresholds: {medium: 0.7, high: 0.5, critical: 0.3}\n")
    assert pol is not None
