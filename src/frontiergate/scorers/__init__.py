"""Scorers: refusal/compliance, and (in later modules) judges, autonomy predicates, awareness."""
