"""Policy as configuration: which domains, measured how, with which thresholds, meaning what."""

from frontiergate.policy.loader import default_policy_path, load_policy, policy_sha256
from frontiergate.policy.schema import LEVELS, Criterion, Domain, EvaluationRef, Level, Policy

__all__ = [
    "LEVELS",
    "Level",
    "Criterion",
    "Domain",
    "EvaluationRef",
    "Policy",
    "load_policy",
    "default_policy_path",
    "policy_sha256",
]
