"""Elicitation: test a model at its best before judging its capabilities.

A capability threshold compared with an under-elicited score is a false negative waiting to
happen, so this package measures what extra test-time compute buys: a thinking budget
(``budget``), parallel agents with an aggregator (``frontiergate.models.contemplating``), the curves
of accuracy, tokens and latency against both (``curves``), and the authored/generated capability
proxy questions they are measured on (``questions``, ``generated``).
"""
