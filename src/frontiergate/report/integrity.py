"""Integrity of a run's report: a hash manifest, and an independent recomputation of every figure.

``write_manifest`` records SHA-256 hashes of the reports and of every file of raw evidence (the
Inspect logs and the run plan). ``verify_run`` then checks three things, so that neither an edited
report, an edited store nor an edited log goes unnoticed:

1. every file still has its recorded hash (and no file was added to or removed from the evidence);
2. the report recomputed from the store's samples (fresh analysis and decision in a scratch store)
   equals ``report.json`` value by value; a difference is named by its JSON path and both values;
3. the Inspect logs, re-ingested into another scratch store, give the same samples and scores as the
   store and, recomputed, the same report.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml
from sqlalchemy import Table, insert, select
from sqlalchemy.orm import selectinload

from frontiergate.pipeline.ingest import ingest_log
from frontiergate.pipeline.targets import scrub
from frontiergate.policy.schema import Policy
from frontiergate.report.build import build_report
from frontiergate.report.canonical import dumps
from frontiergate.store.db import Store
from frontiergate.store.models import Base, EvaluationRow, ItemRow, RunRow, SampleRow, ScoreRow

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "frontiergate.manifest/1"
REPORT_FILES = ("report.json", "report.md", "report.html", "slices.csv")
MAX_DIFFS = 20
"""At most this many value differences are listed; one is enough to fail, more help locate the cause."""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def evidence_files(run_dir: Path) -> list[str]:
    """Relative paths of the files a manifest covers: reports, the run plan, every log file."""
    names = [n for n in (*REPORT_FILES, "run.json") if (run_dir / n).is_file()]
    logs = run_dir / "logs"
    if logs.is_dir():
        names += sorted(p.relative_to(run_dir).as_posix() for p in logs.rglob("*") if p.is_file())
    return names


def write_manifest(run_dir: Path, run_id: str) -> Path:
    files = {name: sha256_file(run_dir / name) for name in evidence_files(run_dir)}
    path = run_dir / MANIFEST
    path.write_text(
        dumps({"format": MANIFEST_FORMAT, "run_id": run_id, "algorithm": "sha256", "files": files}),
        encoding="utf-8",
    )
    return path


@dataclass
class VerifyResult:
    run_id: str
    run_dir: Path
    checked_files: int = 0
    problems: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_manifest(run_dir: Path, result: VerifyResult) -> None:
    path = run_dir / MANIFEST
    if not path.is_file():
        result.problems.append(f"{path}: no manifest (regenerate it with `frontiergate report {result.run_id}`)")
        return
    manifest = json.loads(path.read_text(encoding="utf-8"))
    recorded: dict[str, str] = manifest.get("files", {})
    for name, digest in sorted(recorded.items()):
        f = run_dir / name
        if not f.is_file():
            result.problems.append(f"{name}: listed in the manifest but missing")
            continue
        now = sha256_file(f)
        result.checked_files += 1
        if now != digest:
            result.problems.append(f"{name}: SHA-256 changed (manifest {digest[:16]}…, file now {now[:16]}…)")
    for name in evidence_files(run_dir):
        if name not in recorded:
            result.problems.append(f"{name}: not in the manifest (added after the report was written)")
    result.checks.append(f"hashes of {result.checked_files} file(s)")


def json_diff(recorded: Any, recomputed: Any, path: str = "$") -> Iterator[str]:
    """Differences between two JSON values as 'path: recorded X, recomputed Y'."""
    if isinstance(recorded, dict) and isinstance(recomputed, dict):
        for k in sorted(set(recorded) | set(recomputed)):
            sub = f"{path}.{k}" if k.isidentifier() else f"{path}[{json.dumps(k)}]"
            if k not in recomputed:
                yield f"{sub}: in the report but not recomputed"
            elif k not in recorded:
                yield f"{sub}: recomputed ({json.dumps(recomputed[k])[:80]}) but missing from the report"
            else:
                yield from json_diff(recorded[k], recomputed[k], sub)
    elif isinstance(recorded, list) and isinstance(recomputed, list):
        if len(recorded) != len(recomputed):
            yield f"{path}: {len(recorded)} entries in the report, {len(recomputed)} recomputed"
        for i, (a, b) in enumerate(zip(recorded, recomputed, strict=False)):
            yield from json_diff(a, b, f"{path}[{i}]")
    elif recorded != recomputed or type(recorded) is not type(recomputed):
        yield f"{path}: report has {json.dumps(recorded)[:120]}, recomputed {json.dumps(recomputed)[:120]}"


def _rows(src: Store, table: Table, where: Any) -> list[dict[str, Any]]:
    with src.engine.connect() as conn:
        return [
            dict(r) for r in conn.execute(select(table).where(where).order_by(*table.primary_key.columns)).mappings()
        ]


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


def copy_run_records(src: Store, dst: Store, run_id: str, with_samples: bool = True) -> None:
    """Copy a run's primary records (not findings or decisions, which are derived) between stores.

    ``with_samples=False`` copies only the run and its evaluations, for a re-ingest from the logs.
    Rows get fresh primary keys in ``dst`` (it may hold other runs); foreign keys are remapped in
    insertion order, so the relative order of evaluations and samples is kept. Nothing in a report
    depends on primary keys, which is what makes this copy give the same report bytes.
    """
    run_t, eval_t, item_t = _table(RunRow), _table(EvaluationRow), _table(ItemRow)
    sample_t, score_t = _table(SampleRow), _table(ScoreRow)
    runs = _rows(src, run_t, run_t.c.id == run_id)
    evals = _rows(src, eval_t, eval_t.c.run_id == run_id)
    with dst.engine.begin() as conn:
        if runs:
            conn.execute(insert(run_t), runs)
        eval_ids = {}
        for row in evals:
            old = row.pop("id")
            eval_ids[old] = conn.execute(insert(eval_t).values(**row)).inserted_primary_key[0]  # type: ignore[index]
        if not with_samples:
            return
        items = _rows(src, item_t, item_t.c.run_id == run_id)
        for row in items:
            row.pop("id")
        if items:
            conn.execute(insert(item_t), items)
        sample_ids = {}
        for row in _rows(src, sample_t, sample_t.c.run_id == run_id):
            old = row.pop("id")
            row["evaluation_id"] = eval_ids[row["evaluation_id"]]
            sample_ids[old] = conn.execute(insert(sample_t).values(**row)).inserted_primary_key[0]  # type: ignore[index]
        of_run = select(sample_t.c.id).where(sample_t.c.run_id == run_id)
        scores = _rows(src, score_t, score_t.c.sample_pk.in_(of_run))
        for row in scores:
            row.pop("id")
            row["sample_pk"] = sample_ids[row["sample_pk"]]
        if scores:
            conn.execute(insert(score_t), scores)


def reingest_logs(dst: Store, run_id: str) -> None:
    """Rebuild samples and scores of every evaluation of the run from its Inspect log."""
    with dst.session() as s:
        for ev in s.scalars(select(EvaluationRow).where(EvaluationRow.run_id == run_id).order_by(EvaluationRow.id)):
            if ev.log_path and Path(ev.log_path).is_file():
                ingest_log(s, ev, Path(ev.log_path))


def recompute_report(store: Store, run_id: str, lineage_store: Store | None = None) -> dict[str, Any]:
    """Analysis, decision and report from the store's primary records (the store is modified).

    ``lineage_store``: where the previous run of the lineage lives (the original store), since a
    verification copy holds this run alone and its comparison must be recomputed, not dropped."""
    from frontiergate.pipeline.run import analyse_and_decide  # the pipeline imports this module's writer

    run = store.get_run(run_id)
    assert run is not None
    policy = Policy.model_validate(yaml.safe_load(run.policy_text))
    ctxs = analyse_and_decide(store, run_id, policy, lineage_store=lineage_store)
    canonical: dict[str, Any] = json.loads(scrub(dumps(build_report(store, run_id, ctxs))))
    return canonical


def _sample_table(store: Store, run_id: str) -> dict[tuple[str, str, str, int], dict[str, Any]]:
    """(task, target, sample id, epoch) → what the log must reproduce: output, error and scores."""
    out = {}
    with store.session() as s:
        evals = {e.id: e for e in s.scalars(select(EvaluationRow).where(EvaluationRow.run_id == run_id))}
        for r in s.scalars(select(SampleRow).where(SampleRow.run_id == run_id).options(selectinload(SampleRow.scores))):
            ev = evals[r.evaluation_id]
            out[(ev.target, ev.task, r.sample_id, r.epoch)] = {
                "output_text": r.output_text,
                "error": r.error,
                "scores": {sc.scorer: sc.value for sc in sorted(r.scores, key=lambda x: x.scorer)},
            }
    return out


def compare_samples(stored: Store, from_logs: Store, run_id: str, result: VerifyResult) -> None:
    a, b = _sample_table(stored, run_id), _sample_table(from_logs, run_id)
    if len(a) != len(b):
        result.problems.append(f"samples: the store has {len(a)}, the Inspect logs have {len(b)}")
    n_scores_a = sum(len(v["scores"]) for v in a.values())
    n_scores_b = sum(len(v["scores"]) for v in b.values())
    if n_scores_a != n_scores_b:
        result.problems.append(f"scores: the store has {n_scores_a}, the Inspect logs have {n_scores_b}")
    shown = 0
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key) and shown < MAX_DIFFS:
            target, task, sid, epoch = key
            where = f"sample {sid}/{epoch} of {task} on {target}"
            if key not in a or key not in b:
                result.problems.append(f"{where}: only in the {'store' if key in a else 'Inspect log'}")
            else:
                fields = [k for k in ("output_text", "error", "scores") if a[key][k] != b[key][k]]
                result.problems.append(
                    f"{where}: {', '.join(fields)} differ between the store "
                    f"({json.dumps(a[key][fields[0]])[:80]}) and the log "
                    f"({json.dumps(b[key][fields[0]])[:80]})"
                )
            shown += 1
    result.checks.append(f"{len(b)} samples and {n_scores_b} scores re-read from the Inspect logs")


def _compare_report(recorded: dict[str, Any], recomputed: dict[str, Any], source: str, result: VerifyResult) -> None:
    diffs = list(json_diff(recorded, recomputed))
    for d in diffs[:MAX_DIFFS]:
        result.problems.append(f"report.json {d} (recomputed from {source})")
    if len(diffs) > MAX_DIFFS:
        result.problems.append(f"… and {len(diffs) - MAX_DIFFS} more difference(s) from {source}")
    result.checks.append(f"report recomputed from {source}")


def check_schema(report: dict[str, Any], result: VerifyResult) -> None:
    """Validate against the published JSON Schema when ``jsonschema`` is installed (a dev dependency)."""
    try:
        from frontiergate.report.schema import schema_errors

        errors = schema_errors(report)
    except ImportError:
        return
    except FileNotFoundError:
        result.problems.append(f"report.json: unknown schema_version {report.get('schema_version')!r}")
        return
    result.problems.extend(f"report.json does not follow its schema: {e}" for e in errors[:MAX_DIFFS])
    result.checks.append("JSON Schema")


def verify_run(store: Store, run_id: str, run_dir: Path) -> VerifyResult:
    result = VerifyResult(run_id, run_dir)
    check_manifest(run_dir, result)
    report_path = run_dir / "report.json"
    if not report_path.is_file():
        result.problems.append(f"{report_path}: missing")
        return result
    try:
        recorded = json.loads(report_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        result.problems.append(f"{report_path}: not valid JSON ({exc})")
        return result
    check_schema(recorded, result)
    with tempfile.TemporaryDirectory(prefix="fg-verify-") as tmp:
        from_store = Store(f"sqlite:///{Path(tmp) / 'from_store.db'}")
        from_logs = Store(f"sqlite:///{Path(tmp) / 'from_logs.db'}")
        try:
            copy_run_records(store, from_store, run_id, with_samples=True)
            _compare_report(recorded, recompute_report(from_store, run_id, store), "the stored samples", result)
            copy_run_records(store, from_logs, run_id, with_samples=False)
            reingest_logs(from_logs, run_id)
            compare_samples(from_store, from_logs, run_id, result)
            _compare_report(recorded, recompute_report(from_logs, run_id, store), "the Inspect logs", result)
        finally:
            from_store.close()
            from_logs.close()
    return result
