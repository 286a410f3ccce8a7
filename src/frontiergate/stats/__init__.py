"""Statistics used by every finding: intervals for rates, exact paired tests, clustered bootstrap."""

from frontiergate.stats.intervals import RateEstimate, wilson_interval
from frontiergate.stats.paired import PairedResult, cluster_bootstrap_diff, mcnemar_exact

__all__ = [
    "RateEstimate",
    "wilson_interval",
    "PairedResult",
    "mcnemar_exact",
    "cluster_bootstrap_diff",
]
