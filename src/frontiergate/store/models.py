"""ORM tables. One vocabulary (run, evaluation, item, sample, score, finding, decision) is shared by
the store, the analysis and the report, so a figure in a report can always be traced to rows.

JSON columns hold lists and small dicts; everything that analyses join or filter on is a column.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(32), default="running")
    code_version: Mapped[str] = mapped_column(String(128))
    policy_name: Mapped[str] = mapped_column(String(256))
    policy_sha256: Mapped[str] = mapped_column(String(64))
    policy_text: Mapped[str] = mapped_column(Text)
    targets: Mapped[list[str]] = mapped_column(JSON)
    scenario_hash: Mapped[str] = mapped_column(String(64), default="")
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    out_dir: Mapped[str] = mapped_column(Text)

    evaluations: Mapped[list[EvaluationRow]] = relationship(back_populates="run", cascade="all, delete-orphan")


class EvaluationRow(Base):
    __tablename__ = "evaluations"
    __table_args__ = (UniqueConstraint("run_id", "target", "task", "task_args_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    target: Mapped[str] = mapped_column(String(512))
    role: Mapped[str] = mapped_column(String(32), default="target")
    task: Mapped[str] = mapped_column(String(256))
    task_args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    task_args_key: Mapped[str] = mapped_column(String(512), default="")
    domains: Mapped[list[str]] = mapped_column(JSON, default=list)
    log_path: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(32), default="pending")
    inspect_eval_id: Mapped[str] = mapped_column(String(64), default="")
    n_samples: Mapped[int] = mapped_column(Integer, default=0)
    n_errors: Mapped[int] = mapped_column(Integer, default=0)
    task_metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    run: Mapped[RunRow] = relationship(back_populates="evaluations")
    samples: Mapped[list[SampleRow]] = relationship(back_populates="evaluation", cascade="all, delete-orphan")


class ItemRow(Base):
    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("run_id", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(512))
    seed_id: Mapped[str] = mapped_column(String(256), default="")
    domain: Mapped[str] = mapped_column(String(64), default="")
    category: Mapped[str] = mapped_column(String(128), default="")
    severity: Mapped[str] = mapped_column(String(16), default="")
    harmful: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    family: Mapped[str] = mapped_column(String(64), default="none")
    transforms: Mapped[list[str]] = mapped_column(JSON, default=list)
    framing: Mapped[str] = mapped_column(String(64), default="plain")
    twin_id: Mapped[str | None] = mapped_column(String(512), nullable=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SampleRow(Base):
    __tablename__ = "samples"
    __table_args__ = (UniqueConstraint("evaluation_id", "sample_id", "epoch"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[str] = mapped_column(String(64), index=True)
    sample_id: Mapped[str] = mapped_column(String(512))
    item_id: Mapped[str] = mapped_column(String(512), index=True)
    epoch: Mapped[int] = mapped_column(Integer, default=1)
    input_text: Mapped[str] = mapped_column(Text, default="")
    output_text: Mapped[str] = mapped_column(Text, default="")
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    latency_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    retries: Mapped[int] = mapped_column(Integer, default=0)
    transcript_ref: Mapped[str] = mapped_column(Text, default="")

    evaluation: Mapped[EvaluationRow] = relationship(back_populates="samples")
    scores: Mapped[list[ScoreRow]] = relationship(back_populates="sample", cascade="all, delete-orphan")


class ScoreRow(Base):
    __tablename__ = "scores"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sample_pk: Mapped[int] = mapped_column(ForeignKey("samples.id", ondelete="CASCADE"), index=True)
    scorer: Mapped[str] = mapped_column(String(128))
    scorer_version: Mapped[str] = mapped_column(String(64), default="")
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    explanation: Mapped[str | None] = mapped_column(Text, nullable=True)
    judge_model: Mapped[str | None] = mapped_column(String(256), nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    sample: Mapped[SampleRow] = relationship(back_populates="scores")


class FindingRow(Base):
    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    target: Mapped[str] = mapped_column(String(512))
    domain: Mapped[str] = mapped_column(String(64))
    metric: Mapped[str] = mapped_column(String(128))
    slice: Mapped[str] = mapped_column(String(256), default="all")
    n: Mapped[int] = mapped_column(Integer)
    k: Mapped[int | None] = mapped_column(Integer, nullable=True)
    estimate: Mapped[float | None] = mapped_column(Float, nullable=True)
    ci_low: Mapped[float | None] = mapped_column(Float, nullable=True)
    ci_high: Mapped[float | None] = mapped_column(Float, nullable=True)
    test: Mapped[str | None] = mapped_column(String(64), nullable=True)
    p_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DecisionRow(Base):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    target: Mapped[str] = mapped_column(String(512))
    domain: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    level: Mapped[str | None] = mapped_column(String(16), nullable=True)
    action: Mapped[str] = mapped_column(String(64))
    confidence: Mapped[str] = mapped_column(String(16))
    rationale: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
