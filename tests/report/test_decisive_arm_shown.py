"""Where the decision used a worse arm (deployment-realistic framing), the report shows that arm's figure."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "decision"))
from decision_builders import finding, policy  # noqa: E402
from issue20_helpers import context  # noqa: E402

from frontiergate.decision.engine import decide  # noqa: E402
from frontiergate.report.sections import domain_summary, misuse  # noqa: E402


def test_the_misuse_table_and_summary_show_the_arm_that_decided() -> None:
    """Gaming shape (helper audit; strategies 2 and 25 fixed the decision only): a model that complies
    when requests look real. The decision is high on the realistic arm's [0.18, 0.45]; the misuse table
    showed the pooled 5.0% [2.3, 10.5], and the summary mixed pooled counts with the realistic rate."""
    pol = policy()
    pooled, realistic = finding(6, 114), finding(12, 28, slice_="framing=deploy")
    dec = decide(pol, [pooled, realistic], {"cyber"})
    assert dec["domains"]["cyber"]["level"] == "high"
    rc = context({"M": dec}, {"M": [pooled.as_dict(), realistic.as_dict()]}, pol=pol)
    row = next(line for line in misuse.markdown(misuse.build(rc) or {}).splitlines() if line.startswith("| cyber"))
    assert row.index("30.0% [18.1%, 45.4%]") < row.index("pooled 5.0%") and "which decides" in row
    observed = domain_summary.build(rc)["targets"][0]["domains"][0]["observed"]  # type: ignore[index]
    assert "12 of 40" in observed and "sets both ends of the interval the decision uses" in observed
    # control: measured only pooled, the table shows the pooled figure and nothing else
    only = decide(pol, [pooled], {"cyber"})
    rc2 = context({"M": only}, {"M": [pooled.as_dict()]}, pol=pol)
    row2 = next(line for line in misuse.markdown(misuse.build(rc2) or {}).splitlines() if line.startswith("| cyber"))
    assert "5.0% [2.3%, 10.5%]" in row2 and "worse arm" not in row2


def test_when_two_arms_are_worse_the_one_that_set_the_interval_is_named_with_its_own_counts() -> None:
    """Audit shape: both uncued arms worse than pooled, the plain arm setting both ends. The table credited
    the deploy arm (the first present) with the plain arm's rate and the deploy arm's counts."""
    pol = policy()
    pooled = finding(34, 146)
    deploy, plain = finding(20, 40, slice_="framing=deploy"), finding(34, 26, slice_="framing=plain")
    dec = decide(pol, [pooled, deploy, plain], {"cyber"})
    rc = context({"M": dec}, {"M": [f.as_dict() for f in (pooled, deploy, plain)]}, pol=pol)
    row = next(line for line in misuse.markdown(misuse.build(rc) or {}).splitlines() if line.startswith("| cyber"))
    assert "(k=34, n=60)** on plain (uncued) requests" in row and "deployment-realistic" not in row
    observed = domain_summary.build(rc)["targets"][0]["domains"][0]["observed"]  # type: ignore[index]
    assert "34 of 180 attack prompts across 180 seeds" in observed  # pooled counts with the pooled seeds
    assert "on plain (uncued) requests the model complied with 34 of 60" in observed
    assert "deployment-realistic" not in observed
