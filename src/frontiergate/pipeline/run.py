"""Run orchestration: the one place where the layers meet.

A run lives in ``<out>/``: Inspect's logs under ``logs/`` (the raw evidence), ``run.json`` (the
plan, so a killed run can be resumed exactly), and the reports. The store indexes all of it.
Resuming calls Inspect's ``eval_set`` on the same log directory: finished tasks are skipped and
finished samples of interrupted tasks are reused, so nothing is redone and nothing is lost.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import shutil
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from inspect_ai import Task, task_with
from inspect_ai.dataset import MemoryDataset
from inspect_ai.log import EvalLog, list_eval_logs, read_eval_log
from sqlalchemy import select

from frontiergate.analysis.compute import compute_findings
from frontiergate.analysis.context import AnalysisContext
from frontiergate.analysis.load import load_contexts, mixed_scorer_versions
from frontiergate.analysis.metrics_foreign import METRIC_MAPPING_KEY
from frontiergate.analysis.paired_targets import compare_targets
from frontiergate.analysis.registry import FindingData
from frontiergate.decision.engine import decide
from frontiergate.decision.inputs import Mitigation, PreviousRun, RunFacts
from frontiergate.errors import FrontiergateError, RunError
from frontiergate.pipeline.early_stopping import DomainRule, ThresholdEarlyStopping, sequential_order
from frontiergate.pipeline.execute import Assignment, Executor, LocalExecutor, assign, release_freed_memory
from frontiergate.pipeline.fingerprints import (
    SCORERS_KEY,
    WEIGHTS_KEY,
    check_guard_head,
    check_release,
    check_weights,
    run_fingerprints,
)
from frontiergate.pipeline.ingest import ingest_log
from frontiergate.pipeline.lineage import paired_domains, previous_runs, resolve_previous
from frontiergate.pipeline.parts import DEFAULT_PART_SIZE, PART_TAG_PREFIX, Part, evaluation_key, split_task
from frontiergate.pipeline.plan import PlannedEvaluation, plan_run
from frontiergate.pipeline.safeguards import guard_config, is_safeguarded, mitigated_pairs
from frontiergate.pipeline.targets import TargetIdentity, scrub, validate_target
from frontiergate.pipeline.tasks import load_task
from frontiergate.pipeline.versions import code_version, library_versions, scorer_versions
from frontiergate.policy.loader import load_policy
from frontiergate.policy.schema import Policy
from frontiergate.report.write import write_reports
from frontiergate.safeguards.provenance import FITTED_KINDS, GuardProvenance, guard_provenance, held_out_seeds
from frontiergate.store.db import Store, default_store_url
from frontiergate.store.models import DecisionRow, EvaluationRow, FindingRow, RunRow

log = logging.getLogger(__name__)


LIMIT_KEY = "limit_cut"
"""Key, in the run's stored options, of what ``--limit`` left out of the plan (see ``_limit_cut``)."""


@dataclass
class RunOptions:
    """Everything that determines a run; stored in ``run.json`` so ``--resume`` repeats it exactly."""

    targets: list[str]
    policy_path: str | None = None
    quick: bool = False
    out: str | None = None
    runs_dir: str = "runs"
    store_url: str | None = None
    domains: list[str] | None = None
    epochs: int | None = None
    limit: int | None = None
    model_base_url: str | None = None
    model_args: dict[str, Any] = field(default_factory=dict)
    model_roles: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    task_args: dict[str, dict[str, Any]] = field(default_factory=dict)
    max_connections: int | None = None
    max_samples: int | None = None
    retry_attempts: int = 2
    log_buffer: int | None = None
    max_retries: int = 4
    attempt_timeout: int = 60
    sequential: bool = False
    claims_path: str | None = None
    # a sample that errors is run again this many times; each time costs up to a whole failing call
    # (see request_budget), and Inspect's per-call retries already absorb transient faults
    retry_on_error: int = 1
    # seconds one model call may spend on its attempts and backoff (Inspect's ``timeout``); with
    # max_retries and attempt_timeout it bounds how long a failing request holds up the run
    # (execute.worst_case_failing_sample_seconds); None: only max_retries bounds it
    request_budget: int | None = 120
    display: str | None = None
    seed: int = 0
    # the sequential order's seed, drawn at random when a sequential run starts (run.json keeps it for
    # --resume): a fixed, public order lets a model refuse exactly the prompts seen before the stop
    order_seed: int | None = None
    validate_targets: bool = True
    part_size: int | None = None
    workers: int = 1
    # per-target model args, over model_args (e.g. the guard of ``safeguarded/M``: the raw model must
    # not receive them); a target listed here is built by us and handed to Inspect as a Model
    target_args: dict[str, dict[str, Any]] = field(default_factory=dict)
    # --safeguards: {"target": "safeguarded/M", "of": "M", "args": {...}} (pipeline/safeguards.py)
    safeguards: dict[str, Any] | None = None
    # the run this one is compared with (--previous, or the latest finished run of the lineage),
    # resolved when the run starts so that a resume compares with the same run
    previous: str | None = None
    previous_from: str | None = None
    # the model lineage (default: the policy's ``lineage``)
    lineage: str | None = None
    # where the shares run (pipeline/execute.py, pipeline/ray_executor.py): "local" (this machine,
    # ``workers`` processes) or "ray" (``workers`` Ray tasks; 0: one per cluster CPU); how a run
    # executes, never what it measures, so neither is stored with the run's options
    executor: str = "local"
    ray_address: str | None = None

    def args_for(self, target: str) -> dict[str, Any]:
        """The model args ``target`` is built with: the run's, then its own on top."""
        return {**self.model_args, **self.target_args.get(target, {})}

    @property
    def effective_part_size(self) -> int:
        """Samples per part (0: never split); sequential runs are never split, since the stopping
        rule watches all of an evaluation's samples together, in one eval."""
        if self.sequential:
            return 0
        return DEFAULT_PART_SIZE if self.part_size is None else self.part_size


@dataclass
class RunResult:
    run_id: str
    out_dir: Path
    store_url: str
    report: dict[str, Any]
    report_paths: dict[str, Path]


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)


def _plan_tag(pe: PlannedEvaluation) -> str:
    return "fg-plan-" + hashlib.sha256(pe.key.encode()).hexdigest()[:12]


MEASURED_EXTRA_KEYS = frozenset({"test_likeness", "bare_test_likeness", "realism_not_measured"})
"""Per-item figures measured on the machine that built the task (the realism meter's scores, or why it
could not run): they describe the prompts, they are not the prompts, so they stay out of the scenario hash
(a resume on a machine without the ``ml`` extra, or a lineage comparison, must see the same scenarios)."""


def _hashed_metadata(meta: dict[str, Any] | None) -> dict[str, Any] | None:
    if not meta or not isinstance(meta.get("extra"), dict):
        return meta
    extra = {k: v for k, v in meta["extra"].items() if k not in MEASURED_EXTRA_KEYS}
    return {**meta, "extra": extra}


def _scenario_hash(tasks: list[Task]) -> str:
    h = hashlib.sha256()
    for t in tasks:
        h.update((t.name or "").encode())
        for s in t.dataset:
            h.update(
                json.dumps(
                    {
                        "id": s.id,
                        "input": s.input if isinstance(s.input, str) else str(s.input),
                        "meta": _hashed_metadata(s.metadata),
                    },
                    sort_keys=True,
                    default=str,
                ).encode()
            )
    return h.hexdigest()


# paired designs: stopping on a rate would cut one arm of a pair; their value is the paired gap
UNSTOPPABLE_TASKS = ("frontiergate/awareness", "frontiergate/awareness_prefill", "frontiergate/awareness_steer",
                     "frontiergate/awareness_steer_autonomy")
"""Paired designs: stopping on a rate could cut one arm of a pair."""


def _stopping_for(
    pe: PlannedEvaluation, policy: Policy, order_seed: str | None = None
) -> ThresholdEarlyStopping | None:
    """Sequential stopping for evaluations whose domains decide on attack success: one rule per
    domain, on that domain's own thresholds and minimum evidence (samples and seed scenarios)."""
    if pe.task in UNSTOPPABLE_TASKS:
        return None
    rules: dict[str, DomainRule] = {}
    for dom in pe.domains:
        d = policy.domains[dom]
        for crit in d.criteria:
            if crit.metric == "attack_success_rate" and crit.direction == "higher_is_worse":
                min_seeds = policy.seed_floor(dom)
                rules[dom] = DomainRule(
                    {str(k): v for k, v in crit.thresholds.items()},
                    min_samples=d.min_samples or policy.min_samples,
                    min_seeds=int(min_seeds),
                    skip_benign=not any(c.metric == "over_refusal_rate" for c in d.criteria),
                )
                break
    if not rules:
        return None
    return ThresholdEarlyStopping(rules, alpha=1 - policy.confidence, order_seed=order_seed)


def _order_seed(opts: RunOptions) -> int:
    """The sequential order's seed: the run's drawn one (runs from before it was drawn: ``seed``)."""
    return opts.seed if opts.order_seed is None else opts.order_seed


def _build_tasks(
    plan: list[PlannedEvaluation], policy: Policy, sequential: bool = False, order_seed: int = 0
) -> list[Task]:
    """The run's tasks. Sequential runs stop early, so they see the dataset in a seeded order
    stratified by seed scenario and transform family (keyed by ``order_seed`` and the task's own
    ``seed`` arg, so a resume rebuilds the same order)."""
    tasks: list[Task] = []
    for pe in plan:
        t = load_task(pe.task, pe.args)
        if sequential:
            key = f"{order_seed}:{pe.args.get('seed', 0)}"
            stopping = _stopping_for(pe, policy, order_seed=key)
            if stopping is not None:
                ordered = sequential_order(list(t.dataset), key)
                t = task_with(t, dataset=MemoryDataset(ordered, name=t.dataset.name, location=t.dataset.location),
                              early_stopping=stopping)
        tasks.append(task_with(t, epochs=pe.epochs, tags=[_plan_tag(pe)]))
    return tasks


def _limited(pe: PlannedEvaluation, t: Task, opts: RunOptions) -> Task:
    """``t`` with at most ``--limit`` samples: a stratified subset, never a prefix.

    Why: the misuse expansion lists every plain item before its attacked variants, so the first N
    items of a plan with jailbreak transforms are plain requests only, and a run on them looked
    cleaner than the plan. The subset is the head of the seeded order sequential runs use (one block
    per seed scenario per round, rotating over transform families), kept in dataset order; the same
    options select the same subset on resume.
    """
    if opts.limit is None or len(t.dataset) <= opts.limit:
        return t
    samples = list(t.dataset)
    chosen = {id(s) for s in sequential_order(samples, f"{_order_seed(opts)}:{pe.args.get('seed', 0)}")[: opts.limit]}
    kept = [s for s in samples if id(s) in chosen]
    return task_with(t, dataset=MemoryDataset(kept, name=t.dataset.name, location=t.dataset.location))


def _limit_cut(plan: list[PlannedEvaluation], tasks: list[Task], opts: RunOptions) -> dict[str, int] | None:
    """How many of the plan's samples (items times epochs, per target) ``--limit`` keeps, when it cuts any."""
    if opts.limit is None:
        return None
    planned = kept = 0
    for pe, t in zip(plan, tasks, strict=True):
        epochs = pe.epochs or 1
        planned += len(t.dataset) * epochs
        kept += min(len(t.dataset), opts.limit) * epochs
    return {"limit": opts.limit, "kept": kept, "planned": planned} if kept < planned else None


def _build_parts(plan: list[PlannedEvaluation], tasks: list[Task], opts: RunOptions) -> list[Part]:
    """The run's units of execution (see ``pipeline/parts.py``), rebuilt identically on resume."""
    size = opts.effective_part_size
    parts: list[Part] = []
    for pe, t in zip(plan, tasks, strict=True):
        # applied here, not by Inspect, so that it limits the evaluation and not each part
        parts.extend(split_task(_limited(pe, t, opts), _plan_tag(pe), size, opts.workers))
    return parts


def _manifest(out_dir: Path) -> dict[str, Any]:
    path = out_dir / "run.json"
    if not path.exists():
        raise RunError(f"run has no manifest at {path}", "the run directory was moved or deleted")
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _from_manifest(manifest: dict[str, Any]) -> tuple[RunOptions, Policy, list[PlannedEvaluation]]:
    opts = RunOptions(**manifest["options"])
    policy = Policy.model_validate(yaml.safe_load(manifest["policy_text"]))
    plan = [PlannedEvaluation(p["task"], p["args"], p["epochs"], p["domains"]) for p in manifest["plan"]]
    return opts, policy, plan


def load_manifest_parts(out_dir: Path, workers: int) -> tuple[RunOptions, list[Assignment]]:
    """What a worker process needs: the run's options and every worker's share of the parts."""
    opts, policy, plan = _from_manifest(_manifest(out_dir))
    parts = _build_parts(plan, _build_tasks(plan, policy, opts.sequential, _order_seed(opts)), opts)
    return opts, assign(parts, workers, out_dir / "logs")


def _store_for(opts: RunOptions) -> Store:
    return Store(opts.store_url or default_store_url(Path(opts.runs_dir)))


EXECUTORS = ("local", "ray")


def check_execution(opts: RunOptions, store_url: str) -> None:
    """Refuse, before anything is written, an executor, output location or store that cannot work."""
    if opts.executor not in EXECUTORS:
        raise RunError(f"unknown executor '{opts.executor}'", f"choose one of: {', '.join(EXECUTORS)}")
    if opts.out is not None and "://" in opts.out:
        raise RunError(
            f"--out {opts.out}: object-store URLs are not supported yet (logs, journal and run.json need a filesystem)",
            "pass a directory; for a cluster, one every node mounts at the same path (e.g. NFS, /shared/runs/X)",
        )
    if opts.ray_address and opts.executor != "ray":
        raise RunError("--ray-address is given without --executor ray", "add --executor ray, or drop --ray-address")
    if opts.executor == "ray":
        from frontiergate.pipeline import ray_executor

        ray_executor.check_options(opts, store_url)


def executor_for(opts: RunOptions) -> Executor:
    """The executor ``opts`` names; a ray run joins its cluster here, and without ``--workers`` takes
    one share per cluster CPU (one per node for an in-process model)."""
    if opts.executor != "ray":
        return LocalExecutor()
    from frontiergate.pipeline import ray_executor

    if opts.workers < 1:
        ray_executor.connect(opts)
        opts.workers = ray_executor.default_workers(opts)
    return ray_executor.RayExecutor()


def start_run(opts: RunOptions, policy: Policy | None = None) -> RunResult:
    """Plan, run, ingest, analyse, decide and report a new run."""
    check_execution(opts, opts.store_url or default_store_url(Path(opts.runs_dir)))
    policy_path = Path(opts.policy_path) if opts.policy_path else None
    if policy is None:
        from frontiergate.analysis.registry import metric_direction, metric_exists
        from frontiergate.pipeline.tasks import task_exists

        policy = load_policy(policy_path, task_exists=task_exists, metric_exists=metric_exists,
                             metric_direction=metric_direction)
    from frontiergate.policy.loader import default_policy_path

    policy_file = policy_path or default_policy_path()
    policy_text = policy_file.read_text(encoding="utf-8")
    claims: dict[str, Any] = {}
    if opts.claims_path:
        from frontiergate.analysis.registry import metric_exists
        from frontiergate.claims.schema import claims_sha256, load_claims

        load_claims(opts.claims_path, metric_exists)  # fail before any model call
        claims = {
            "claims": yaml.safe_load(Path(opts.claims_path).read_text(encoding="utf-8")),
            "claims_source": f"{Path(opts.claims_path).name} (sha256 {claims_sha256(opts.claims_path)[:16]})",
        }
    if opts.validate_targets:
        logged_as: dict[str, str] = {}
        for t in opts.targets:
            name = validate_target(t, opts.model_base_url, opts.args_for(t))
            if name in logged_as and logged_as[name] != t:
                # their logs would carry the same model name, so no log could be told apart
                raise RunError(
                    f"targets '{logged_as[name]}' and '{t}' are both logged by Inspect as '{name}'",
                    "evaluate them in separate runs (then `frontiergate compare RUN_A RUN_B`)",
                )
            logged_as[name] = t
        for role, m in sorted(opts.model_roles.items()):
            try:
                validate_target(m, None, {})
            except FrontiergateError as exc:
                raise FrontiergateError(f"model role '{role}': {exc.cause}", exc.fix) from None
        for t in opts.targets:
            guard_model = opts.args_for(t).get("guard_model") if is_safeguarded(t) else None
            if isinstance(guard_model, str):
                try:
                    validate_target(guard_model, None, {})
                except FrontiergateError as exc:
                    raise FrontiergateError(f"guard model of {t}: {exc.cause}", exc.fix) from None
    store = _store_for(opts)
    # before anything is written: an unknown or unfinished --previous is a usage error
    opts.lineage = opts.lineage or policy.lineage
    opts.previous, opts.previous_from = resolve_previous(store, opts.previous, opts.lineage)
    executor = executor_for(opts)  # before the manifest: it may settle the number of shares
    # what a resume must find unchanged (pipeline/fingerprints.py): the targets' local weights and the scorers
    weights = run_fingerprints(opts.targets, opts.args_for)
    scorers = scorer_versions()
    run_id = new_run_id()
    out_dir = Path(opts.out) if opts.out else Path(opts.runs_dir) / run_id
    if out_dir.exists() and any(out_dir.iterdir()):
        raise RunError(f"output directory {out_dir} is not empty", "choose another --out or remove it")
    out_dir.mkdir(parents=True, exist_ok=True)
    opts.out = str(out_dir)
    if "grader" in opts.model_roles:
        # a judge model is available: score misuse with the principle-based judge as well as the rules
        opts.task_args.setdefault("frontiergate/misuse", {}).setdefault("judge", True)
    plan = plan_run(policy, quick=opts.quick, domains=opts.domains, epochs=opts.epochs, extra_task_args=opts.task_args)
    if opts.sequential and opts.order_seed is None:
        opts.order_seed = secrets.randbits(63)
    tasks = _build_tasks(plan, policy, opts.sequential, _order_seed(opts))
    manifest = {
        "run_id": run_id,
        "options": asdict(opts),
        "plan": [p.as_dict() for p in plan],
        "policy_text": policy_text,
    }
    (out_dir / "run.json").write_text(scrub(json.dumps(manifest, indent=2, sort_keys=True)), encoding="utf-8")
    with store.session() as s:
        s.add(
            RunRow(
                id=run_id,
                started_at=datetime.now(UTC).replace(tzinfo=None, microsecond=0),
                status="running",
                code_version=code_version(),
                policy_name=policy.name,
                policy_sha256=hashlib.sha256(policy_text.encode()).hexdigest(),
                policy_text=policy_text,
                targets=list(opts.targets),
                # of the items in plan order: the same scenario set hashes the same whatever the order
                scenario_hash=_scenario_hash(_build_tasks(plan, policy) if opts.sequential else tasks),
                options=json.loads(scrub(json.dumps({
                    **_stored_options(opts),
                    **claims,
                    WEIGHTS_KEY: weights,
                    SCORERS_KEY: scorers,
                    LIMIT_KEY: _limit_cut(plan, tasks, opts),
                }))),
                out_dir=str(out_dir.resolve()),
            )
        )
    parts = _build_parts(plan, tasks, opts)
    del tasks  # the parts hold what runs; a large sweep's samples are packed there (see parts.py)
    return _execute(store, run_id, opts, policy, plan, parts, executor)


def _stored_options(opts: RunOptions) -> dict[str, Any]:
    d = {
        k: v
        for k, v in asdict(opts).items()
        if k not in ("store_url", "validate_targets", "display", "executor", "ray_address")
    }
    d["versions"] = library_versions()
    d["roles"] = dict(opts.roles)
    for model, role in opts.roles.items():
        if role in ("baseline", "candidate"):
            d[role] = model
    return d


def resume_run(
    run_id: str,
    runs_dir: str = "runs",
    store_url: str | None = None,
    display: str | None = None,
    executor: str | None = None,
    ray_address: str | None = None,
) -> RunResult:
    """Continue a run that was interrupted: finished samples are reused, not redone.

    ``executor``/``ray_address`` (default: those the run started with) may move the rest of the run,
    e.g. onto a cluster; the shares stay those in ``run.json``, so what was journaled is found again.
    """
    url = store_url or default_store_url(Path(runs_dir))
    store = Store(url)
    row = store.get_run(run_id)
    if row is None:
        known = ", ".join(r.id for r in store.list_runs()[:5]) or "none"
        raise RunError(
            f"no run '{run_id}' in store {store.url.split('@')[-1]}",
            f"pass a run id from `frontiergate runs` (recent: {known}) or the same --store/--runs-dir",
        )
    opts, policy, plan = _from_manifest(_manifest(Path(row.out_dir)))
    recorded = dict(row.options or {})
    # finished samples are reused as they were scored, from the weights they were generated by: a resume
    # under another release, scorer version, model file or guard head would mix two runs into one
    check_release(run_id, row.code_version, code_version(), recorded.get(SCORERS_KEY), scorer_versions())
    check_weights(run_id, recorded.get(WEIGHTS_KEY), run_fingerprints(opts.targets, opts.args_for))
    check_guard_head(run_id, recorded)
    opts.store_url = store_url
    opts.display = display
    if executor is not None:
        opts.executor = executor
        opts.ray_address = ray_address if executor == "ray" else None
    elif ray_address is not None:
        opts.ray_address = ray_address
    check_execution(opts, url)
    chosen = executor_for(opts)
    tasks = _build_tasks(plan, policy, opts.sequential, _order_seed(opts))
    now = _scenario_hash(_build_tasks(plan, policy) if opts.sequential else tasks)
    if row.scenario_hash and now != row.scenario_hash:
        # finished samples of the old items next to new samples of the changed ones would be one run's
        # evidence about two scenario sets, certified as one
        raise RunError(
            f"the scenario set of run {run_id} changed since it started (a scenario file, the library or "
            "the code that expands it)",
            "start a new run; this one can only be resumed with the scenarios it started with",
        )
    parts = _build_parts(plan, tasks, opts)
    with store.session() as s:
        r = s.get(RunRow, run_id)
        assert r is not None
        r.status = "running"
    return _execute(store, run_id, opts, policy, plan, parts, chosen)


def _execute(
    store: Store,
    run_id: str,
    opts: RunOptions,
    policy: Policy,
    plan: list[PlannedEvaluation],
    parts: list[Part],
    executor: Executor,
) -> RunResult:
    out_dir = Path(opts.out or ".")
    log_dir = out_dir / "logs"
    journal_dir = out_dir / "journal"
    assignments = assign(parts, opts.workers, log_dir)
    success = False
    try:
        success = executor.run(out_dir, assignments, opts)
    except FrontiergateError:
        # the executor refused to go on (a node cannot see the run): the run waits for --resume
        with store.session() as s:
            r = s.get(RunRow, run_id)
            if r is not None:
                r.status = "incomplete"
        raise
    finally:
        # ingest whatever exists, even after a failure: partial evidence is still evidence
        _ingest_all(store, run_id, opts, plan, log_dir)
        release_freed_memory()  # the logs' decoded samples, before the analysis loads its views
    if success:
        # every sample is in the logs now; the journal (uncompressed, larger than the logs) only served resuming
        shutil.rmtree(journal_dir, ignore_errors=True)
    with store.session() as s:
        r = s.get(RunRow, run_id)
        assert r is not None
        r.status = "complete" if success else "incomplete"
        r.finished_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    ctxs = analyse_and_decide(store, run_id, policy)
    report, paths = write_reports(store, run_id, out_dir, ctxs)
    return RunResult(run_id, out_dir, store.url, report, paths)


def _ingest_all(store: Store, run_id: str, opts: RunOptions, plan: list[PlannedEvaluation], log_dir: Path) -> None:
    by_tag = {_plan_tag(p): p for p in plan}
    latest: dict[tuple[str, str], tuple[EvalLog, Path]] = {}
    if not log_dir.exists():
        return
    for info in list_eval_logs(str(log_dir)):
        path = Path(info.name.removeprefix("file://"))
        try:
            header = read_eval_log(str(path), header_only=True)
        except Exception as exc:  # a log cut short by a kill is retried by eval_set, not fatal here
            log.warning("skipping unreadable log %s: %s", path.name, exc)
            continue
        tags = header.eval.tags or []
        tag = next((t for t in tags if t in by_tag), None)
        if tag is None:
            continue
        tag_of_part = next((t for t in tags if t.startswith(PART_TAG_PREFIX)), None)
        model_key = (header.eval.model, evaluation_key(tag, tag_of_part))
        prev = latest.get(model_key)
        if prev is None or header.eval.created > prev[0].eval.created:
            latest[model_key] = (header, path)
    identity = TargetIdentity(opts.targets, opts.model_base_url, opts.model_args, opts.target_args)
    mappings = _metric_mappings(log_dir.parent, plan)
    with store.session() as s:
        for (model, key), (_header, path) in sorted(latest.items(), key=lambda kv: kv[0]):
            tag, _, part = key.partition("#")
            pe = by_tag[tag]
            owner = identity.target_for(model)
            if owner is None:
                # kept under its own name, so it is visible, but attributed to no target of the run
                log.warning("log %s names model '%s', which is none of the run's targets", path.name, model)
            target = owner or model
            row = s.scalars(
                select(EvaluationRow).where(
                    EvaluationRow.run_id == run_id,
                    EvaluationRow.target == target,
                    EvaluationRow.task == pe.task,
                    EvaluationRow.task_args_key == key,
                )
            ).first()
            if row is None:
                row = EvaluationRow(
                    run_id=run_id,
                    target=target,
                    role=opts.roles.get(target, "target"),
                    task=pe.task,
                    task_args={
                        **pe.args,
                        "epochs": pe.epochs,
                        **({"part": part} if part else {}),
                        **({METRIC_MAPPING_KEY: mappings[tag]} if tag in mappings else {}),
                    },
                    task_args_key=key,
                    domains=list(pe.domains),
                )
                s.add(row)
                s.flush()
            ingest_log(s, row, path)


def _metric_mappings(out_dir: Path, plan: list[PlannedEvaluation]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per plan tag, per domain: how a foreign task's score feeds a criterion (from the run's policy).

    Stored with the evaluation so that the analysis, which sees evaluations and not the policy, turns
    exactly the declared score into the declared criterion's evidence (see analysis/metrics_foreign.py).
    """
    try:
        _opts, policy, _plan = _from_manifest(_manifest(out_dir))
    except (RunError, KeyError, ValueError, TypeError) as exc:
        log.warning("no policy in the run manifest, foreign tasks map to no criterion: %s", exc)
        return {}
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for pe in plan:
        for dom in pe.domains:
            domain = policy.domains.get(dom)
            if domain is None:
                continue
            refs = [ev for ev in domain.evaluations if ev.task == pe.task and ev.metric is not None]
            # of several references to one task, the one whose args this evaluation carries
            ref = next((ev for ev in refs if all(pe.args.get(k) == v for k, v in ev.args.items())), None)
            if ref is None or ref.metric is None:
                continue
            crit = next((c for c in domain.criteria if c.metric == ref.metric.criterion), None)
            out.setdefault(_plan_tag(pe), {})[dom] = {
                **ref.metric.model_dump(),
                "criterion_direction": crit.direction if crit is not None else ref.metric.direction,
            }
    return out


def _evaluated_domains(ctx: AnalysisContext | None) -> set[str]:
    return {d for e in ctx.evaluations for d in e.domains} if ctx is not None else set()


def _provenance(options: dict[str, Any], safeguarded: str, guard: str | None) -> GuardProvenance | None:
    """The guard's provenance as recorded when the run started.

    A run from before the record: an unfitted guard (rules, principled) is the same guard today, so
    its provenance is read from the installed one. A fitted head may have been retrained since, and
    the installed head's training seeds would decide which samples are left out of the residual, so
    its training data counts as not established (the independence check fails; rerun to record it).
    """
    sg = options.get("safeguards")
    if isinstance(sg, dict) and sg.get("target") == safeguarded and isinstance(sg.get("provenance"), dict):
        return GuardProvenance.from_dict(sg["provenance"])
    prov = guard_provenance(guard)
    if prov is None:
        return None
    if guard in FITTED_KINDS:
        return replace(prov, recorded=False, scenario_seed_ids=frozenset(),
                       basis=f"the run did not record which {guard} head its guard used (it predates the "
                             "record), and the installed head may have been retrained since",
                       fix=f"rerun the {safeguarded} target so that the run records its guard")
    return replace(prov, basis=f"{prov.basis} (read from the installed guard; the run did not record it)")


def held_out_view(ctx: AnalysisContext, prov: GuardProvenance | None) -> tuple[AnalysisContext, dict[str, Any]]:
    """``ctx`` without the samples on scenario seeds the guard was trained on, and what was left out.

    The residual of a guard on items it was fitted to says nothing about a novel attack, so those
    samples never reach the safeguarded configuration's findings, its decision or the paired
    comparison with the raw model.
    """
    seeds = {s.seed_id for s in ctx.samples}
    kept, trained = held_out_seeds(prov, seeds)
    if not trained:
        return ctx, {}
    samples = [s for s in ctx.samples if s.seed_id not in trained]
    held = {
        "excluded_samples": len(ctx.samples) - len(samples),
        "excluded_seeds": len(trained),
        "kept_seeds": len(kept),
    }
    return replace(ctx, samples=samples), held


def _guards(run: RunRow, ctxs: dict[str, AnalysisContext]) -> dict[str, tuple[GuardProvenance | None, dict[str, Any]]]:
    """Per safeguarded target: its guard's provenance and what was held out; replaces its view in
    ``ctxs`` by the held-out one (see ``held_out_view``)."""
    options = run.options or {}
    base = dict(options.get("model_args") or {})
    own = dict(options.get("target_args") or {})
    out: dict[str, tuple[GuardProvenance | None, dict[str, Any]]] = {}
    for _raw, safeguarded in mitigated_pairs(list(run.targets)):
        guard, _stages = guard_config({**base, **dict(own.get(safeguarded) or {})})
        prov = _provenance(dict(options), safeguarded, guard)
        held: dict[str, Any] = {}
        if safeguarded in ctxs:
            ctxs[safeguarded], held = held_out_view(ctxs[safeguarded], prov)
        out[safeguarded] = (prov, held)
    return out


def _mitigations(
    run: RunRow,
    policy: Policy,
    ctxs: dict[str, AnalysisContext],
    findings: dict[str, list[FindingData]],
    guards: dict[str, tuple[GuardProvenance | None, dict[str, Any]]],
) -> dict[str, Mitigation]:
    """Per raw target M with ``safeguarded/M`` in the run: its post-mitigation configuration.

    The guard kind and stages come from the stored model args of the safeguarded target (the run's
    ``-M`` args, then its own), i.e. from what actually ran, never from the live command line.
    """
    options = run.options or {}
    base = dict(options.get("model_args") or {})
    own = dict(options.get("target_args") or {})
    out: dict[str, Mitigation] = {}
    for raw, safeguarded in mitigated_pairs(list(run.targets)):
        guard, stages = guard_config({**base, **dict(own.get(safeguarded) or {})})
        ca, cb = ctxs.get(raw), ctxs.get(safeguarded)
        paired = (compare_targets(ca, cb, paired_domains(policy, ca, cb), policy.seed_floor)
                  if ca is not None and cb is not None else [])
        prov, held = guards.get(safeguarded, (None, {}))
        out[raw] = Mitigation(
            target=safeguarded,
            findings=findings[safeguarded],
            evaluated_domains=_evaluated_domains(cb),
            guard=guard,
            stages=stages,
            paired=paired,
            provenance=prov,
            held_out=held,
        )
    return out


def _incomplete(
    status: str | None, ctxs: dict[str, AnalysisContext], options: dict[str, Any] | None = None
) -> tuple[str, ...]:
    """Why this run's evidence is partial, if it is: the run stopped, evaluations did not finish, or
    ``--limit`` ran only part of the plan (the samples it left out are missing, as a stopped run's are)."""
    why = [] if status in (None, "complete") else [f"run status {status}"]
    failed = sorted({e.task for ctx in ctxs.values() for e in ctx.evaluations if e.status != "success"})
    if failed:
        why.append(f"evaluation(s) not completed successfully: {', '.join(failed)}")
    opts = options or {}
    cut = opts.get(LIMIT_KEY)
    if isinstance(cut, dict):
        why.append(f"{cut.get('kept')} of {cut.get('planned')} planned samples per target (--limit {cut.get('limit')})")
    elif LIMIT_KEY not in opts and opts.get("limit") is not None:
        # a run from before the cut was recorded: whether --limit left samples out is not known
        why.append(f"--limit {opts['limit']}: planned samples may have been left out")
    return tuple(why)


def _families_run(ctxs: dict[str, AnalysisContext]) -> dict[str, frozenset[str]]:
    """Per domain, the transform families of the harmful samples every target of the run holds: what
    the full-transform requirement of a previous run's alert is checked against."""
    per_target: list[dict[str, set[str]]] = []
    for ctx in ctxs.values():
        fams: dict[str, set[str]] = {}
        for s in ctx.samples:
            if s.harmful:
                fams.setdefault(s.domain, set()).add(s.family)
        per_target.append(fams)
    domains = {d for t in per_target for d in t}
    return {d: frozenset.intersection(*(frozenset(t.get(d, ())) for t in per_target)) for d in domains}


def analyse_and_decide(
    store: Store, run_id: str, policy: Policy, lineage_store: Store | None = None
) -> dict[str, AnalysisContext]:
    """(Re)compute findings and decisions for every target from the stored samples; returns the
    views they were computed from, for the report.

    A raw target decides with its safeguarded configuration (when the run has one) and with the
    previous run of its lineage (looked up in ``lineage_store``, default this store); everything
    is read from the store, so a resume or a recomputation gives the same decision.
    """
    ctxs = load_contexts(store, run_id, policy.confidence)
    run = store.get_run(run_id)
    assert run is not None
    targets = list(run.targets)
    options = dict(run.options or {})
    guards = _guards(run, ctxs)
    findings = {t: compute_findings(ctxs[t], policy) if t in ctxs else [] for t in targets}
    mitigations = _mitigations(run, policy, ctxs, findings, guards)
    previous: dict[str, PreviousRun] = previous_runs(
        lineage_store or store, options.get("previous"), ctxs, targets, policy
    )
    facts = RunFacts(quick=bool(options.get("quick", False)), families_run=_families_run(ctxs),
                     incomplete=_incomplete(run.status, ctxs, options))
    # one target's samples scored by two versions of one scorer (a resume across releases, a merged
    # store): its evidence is not one measurement, so none of its domains is cleared on it
    release = set((options.get(SCORERS_KEY) or {}).values()) or set(scorer_versions().values())
    facts_of = {
        t: replace(facts, incomplete=facts.incomplete + mixed)
        if (mixed := mixed_scorer_versions(ctxs[t], release))
        else facts
        for t in targets
        if t in ctxs
    }
    with store.session() as s:
        store.clear_derived(s, run_id)
        for target in targets:
            for f in findings[target]:
                s.add(
                    FindingRow(
                        run_id=run_id,
                        target=target,
                        domain=f.domain,
                        metric=f.metric,
                        slice=f.slice,
                        n=f.n,
                        k=f.k,
                        estimate=f.estimate,
                        ci_low=f.ci_low,
                        ci_high=f.ci_high,
                        test=f.test,
                        p_value=f.p_value,
                        details=f.details,
                    )
                )
            dec = decide(
                policy,
                findings[target],
                _evaluated_domains(ctxs.get(target)),
                mitigation=mitigations.get(target),
                previous=previous.get(target),
                run_facts=facts_of.get(target, facts),
                target=target,
            )
            # the lineage comparison is stored with the overall decision, where the report reads it
            ov = {**dec["overall"], "lineage": dec.get("lineage")}
            s.add(
                DecisionRow(
                    run_id=run_id,
                    target=target,
                    domain="_overall",
                    status=ov["status"],
                    level=ov["level"],
                    action=ov["action"],
                    confidence=ov["confidence"],
                    rationale=ov["rationale"],
                    details=ov,
                )
            )
            for name, d in dec["domains"].items():
                s.add(
                    DecisionRow(
                        run_id=run_id,
                        target=target,
                        domain=name,
                        status=d["status"],
                        level=d["level"],
                        action=d["action"],
                        confidence=d["confidence"],
                        rationale=d["rationale"],
                        details=d,
                    )
                )
    return ctxs
