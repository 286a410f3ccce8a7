"""Results store: runs, evaluations, items, samples, scores, findings, decisions (SQLAlchemy 2)."""

from frontiergate.store.db import Store, default_store_url
from frontiergate.store.models import (
    Base,
    DecisionRow,
    EvaluationRow,
    FindingRow,
    ItemRow,
    RunRow,
    SampleRow,
    ScoreRow,
)

__all__ = [
    "Store",
    "default_store_url",
    "Base",
    "RunRow",
    "EvaluationRow",
    "ItemRow",
    "SampleRow",
    "ScoreRow",
    "FindingRow",
    "DecisionRow",
]
