"""Decision: apply the policy's thresholds to the findings, fail-safe, with a rationale."""
