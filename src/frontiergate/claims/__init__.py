"""Published claims, checked against stored measurements: verified, refuted or inconclusive.

A claim such as "accuracy on suite X is at least 0.58" is only *verified* when the whole
confidence interval of the measurement lies on the claimed side; when the interval straddles the
claimed value the evidence cannot decide and the verdict is *inconclusive*, never verified.
"""

from frontiergate.claims.check import ClaimVerdict, check_claims, verdict_for
from frontiergate.claims.schema import Claim, ClaimsFile, default_claims_path, load_claims

__all__ = [
    "Claim",
    "ClaimsFile",
    "ClaimVerdict",
    "check_claims",
    "default_claims_path",
    "load_claims",
    "verdict_for",
]
