"""``frontiergate run``: evaluate one or more targets against a policy and write the report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from frontiergate.errors import FrontiergateError
from frontiergate.models.card import EMBEDDED_MODEL
from frontiergate.report.decision_text import level_text
from frontiergate.report.markdown import ACTION_TEXT

console = Console(stderr=False)

# the defaults of the retry options and their worst cases (execute.worst_case_*; a test keeps these equal),
# written out so that `--help` does not import Inspect
MAX_RETRIES_DEFAULT = 4
ATTEMPT_TIMEOUT_DEFAULT = 60
REQUEST_BUDGET_DEFAULT = 120
RETRY_ON_ERROR_DEFAULT = 1
WORST_CALL_S = 126
WORST_SAMPLE_S = 252


def _parse_kv(values: list[str], flag: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for v in values:
        if "=" not in v:
            raise FrontiergateError(f"{flag} expects key=value, got '{v}'", f"write e.g. {flag} n_ctx=2048")
        k, val = v.split("=", 1)
        try:
            out[k.strip()] = json.loads(val)
        except json.JSONDecodeError:
            out[k.strip()] = val
    return out


def _parse_task_args(values: list[str]) -> dict[str, dict[str, Any]]:
    """``-T frontiergate/misuse:max_seeds=3`` → {task: {arg: value}}."""
    out: dict[str, dict[str, Any]] = {}
    for v in values:
        if ":" not in v.split("=", 1)[0]:
            raise FrontiergateError(
                f"-T expects TASK:key=value, got '{v}'", "write e.g. -T frontiergate/misuse:max_seeds=3"
            )
        # the task ends at the first ':' (task names have none); the value may hold more (a:b, URLs)
        task, kv = v.split(":", 1)
        out.setdefault(task, {}).update(_parse_kv([kv], "-T"))
    return out


def _with_safeguards(
    targets: list[str], spec: str, before_after: bool
) -> tuple[list[str], dict[str, str], dict[str, dict[str, Any]], dict[str, Any]]:
    """``--safeguards``: (targets, roles, per-target args, stored option) for M and ``safeguarded/M``.

    One model only: the run's before/after roles, the report's pre/post-mitigation section and the
    stored option each describe one pair, and a second pair would be silently left out of them.
    """
    from frontiergate.pipeline.safeguards import is_safeguarded, parse_safeguards, safeguarded_target, safeguards_option

    if before_after:
        raise FrontiergateError(
            "--safeguards cannot be combined with --baseline/--candidate",
            "use --model M --safeguards ... (it evaluates M before and after its safeguards)",
        )
    if len(targets) != 1:
        raise FrontiergateError(
            f"--safeguards evaluates one model before and after its safeguards, got {len(targets)} --model",
            "give one --model per run (then `frontiergate compare RUN_A RUN_B`)",
        )
    model = targets[0]
    if is_safeguarded(model):
        raise FrontiergateError(
            f"--model {model} is already a safeguarded configuration",
            f"give the raw model (--model {model.removeprefix('safeguarded/')}) with --safeguards",
        )
    args = parse_safeguards(spec)
    wrapped = safeguarded_target(model)
    return [model, wrapped], {model: "baseline", wrapped: "candidate"}, {wrapped: args}, safeguards_option(model, args)


def _num(x: Any) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def key_figure(metric: str, f: dict[str, Any]) -> str:
    """One line a person can read at a glance: estimate, interval, samples, seeds and unknowns."""
    ci = "not estimable" if f.get("ci_low") is None else f"[{_num(f['ci_low'])}, {_num(f['ci_high'])}]"
    det = f.get("details") or {}
    extra = f" seeds={det['seeds']}" if isinstance(det.get("seeds"), int) else ""
    extra += f" unknown={det['unknown']}" if det.get("unknown") else ""
    return f"{metric} {_num(f.get('estimate'))} {ci} n={f['n']}{extra}"


def lineage_line(lineage: dict[str, Any]) -> str:
    """One line on the comparison with the previous run of the lineage: which domains' risk grew."""
    doms = lineage.get("domains") or {}
    grew = [str(d.get("text") or name) for name, d in sorted(doms.items()) if isinstance(d, dict) and d.get("grew")]
    head = f"compared with run {lineage.get('previous_run')} ({lineage.get('previous_target')}): "
    if grew:
        return head + "risk grew in " + "; ".join(grew)
    return head + f"no domain's risk grew significantly ({len(doms)} compared)"


def print_summary(result: Any) -> None:
    from frontiergate.report.plain import post_mitigation_of

    report = result.report
    if report.get("banner"):  # the same words the reports open with: a pipeline check is no decision
        console.print(f"[bold yellow]{escape(str(report['banner']))}[/bold yellow]")
    covered = post_mitigation_of(report)
    for t in report["targets"]:
        ov = t["decision"].get("overall", {})
        verdict = (
            f"post-mitigation configuration of {covered[t['model']]} (its residual risk; not a decision of its own)"
            if t["model"] in covered
            else ACTION_TEXT.get(ov.get("action", ""), "n/a")
        )
        table = Table(
            title=f"{t['model']}: {verdict} (level {ov.get('level') or 'n/a'}, {ov.get('status')})",
            show_lines=False,
        )
        for col in ("domain", "status", "level", "action", "key figure"):
            table.add_column(col)
        for name, d in t["decision"].get("domains", {}).items():
            fig = ""
            for c in d.get("criteria", []):
                f = c.get("finding")
                if f:
                    fig = key_figure(c["metric"], f)
            table.add_row(name, d["status"], level_text(d), d["action"], fig)
        console.print(table)
        console.print(f"[dim]{ov.get('rationale', '')}[/dim]")
        lineage = ov.get("lineage")
        if isinstance(lineage, dict):
            console.print(escape(lineage_line(lineage)))
    console.print(
        f"run [bold]{result.run_id}[/bold] · report: {result.report_paths['md']} · "
        f"json: {result.report_paths['json']}"
        + (f" · html: {result.report_paths['html']}" if "html" in result.report_paths else "")
    )


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run(
        model: list[str] = typer.Option(
            [],
            "--model",
            "-m",
            help=f"Inspect model string; repeat for several targets. Default: {EMBEDDED_MODEL} (embedded).",
        ),
        policy: Path | None = typer.Option(None, "--policy", "-p", help="Policy YAML (default: bundled policy)."),
        quick: bool = typer.Option(False, "--quick", help="Small subset of every evaluation (minutes on a CPU)."),
        out: Path | None = typer.Option(
            None, "--out", help="Directory for this run's artefacts (default runs/<run-id>)."
        ),
        runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", help="Where runs and the default SQLite store live."),
        store: str | None = typer.Option(
            None,
            "--store",
            envvar="FRONTIERGATE_STORE",
            help="SQLAlchemy URL of the results store (default SQLite in --runs-dir).",
        ),
        domain: list[str] = typer.Option([], "--domain", "-d", help="Only these policy domains (repeatable)."),
        epochs: int | None = typer.Option(None, "--epochs", min=1, help="Samples per item (overrides the policy)."),
        limit: int | None = typer.Option(None, "--limit", min=1, help="At most this many samples per evaluation."),
        model_base_url: str | None = typer.Option(None, "--model-base-url", help="Base URL for the target's API."),
        model_arg: list[str] = typer.Option([], "-M", help="Model arg key=value (e.g. -M n_ctx=2048)."),
        task_arg: list[str] = typer.Option(
            [], "-T", help="Task arg TASK:key=value (e.g. -T frontiergate/misuse:max_seeds=3)."
        ),
        grader: str | None = typer.Option(None, "--grader", help="Model for the `grader` role (judges)."),
        attacker: str | None = typer.Option(None, "--attacker", help="Model for the `attacker` role (PAIR)."),
        guard: str | None = typer.Option(None, "--guard", help="Model for the `guard` role (safeguards)."),
        safeguards: str | None = typer.Option(
            None,
            "--safeguards",
            help="Also evaluate the model behind these safeguards (target safeguarded/MODEL, paired item by "
            "item): guard=principled|rules|classifier|tuned[,stages=input+output][,fail=closed|open]"
            "[,guard_model=M][,constitution=FILE][,principles=ID+ID]. One --model only.",
        ),
        cascade: str | None = typer.Option(
            None,
            "--cascade",
            help="Also sweep compromised agents in contemplating mode (target contemplate/MODEL, misuse items): "
            "n=3[,aggregators=vote+judge+synthesise][,compromise=scripted|system_prompt|model][,model=M]"
            "[,prompt=TEXT][,layers=1|2][,k=K]. One plain --model only.",
        ),
        previous: str | None = typer.Option(
            None,
            "--previous",
            help="Compare with this finished run (default: the latest finished run of the policy's lineage).",
        ),
        baseline: str | None = typer.Option(None, "--baseline", help="Before/after: the baseline model."),
        candidate: str | None = typer.Option(None, "--candidate", help="Before/after: the candidate model."),
        max_connections: int | None = typer.Option(None, "--max-connections", min=1),
        max_samples: int | None = typer.Option(None, "--max-samples", min=1),
        resume: str | None = typer.Option(None, "--resume", help="Continue an interrupted run by its id."),
        claims: Path | None = typer.Option(None, "--claims", help="claims.yaml of published statements to check."),
        pairs: Path | None = typer.Option(None, "--pairs", help="External paired-prompt CSV/JSONL for the bias task."),
        sequential: bool = typer.Option(
            False,
            "--sequential",
            help="Stop sampling a domain once its risk level is "
            "settled by an anytime-valid confidence sequence (fewer model calls).",
        ),
        max_retries: int = typer.Option(
            MAX_RETRIES_DEFAULT, "--max-retries", min=0, help="Retries per model call (429/5xx/timeouts)."
        ),
        attempt_timeout: int = typer.Option(
            ATTEMPT_TIMEOUT_DEFAULT, "--attempt-timeout", min=1, help="Seconds before one call attempt is abandoned."
        ),
        request_budget: int = typer.Option(
            REQUEST_BUDGET_DEFAULT,
            "--request-budget",
            min=1,
            help="Seconds one model call may spend on all its attempts and backoff before it fails. "
            "Worst case per failing call: the budget, plus one backoff (at most 3*2^(k-1)+3 s before "
            "attempt k+1), plus one --attempt-timeout, and never more than --max-retries retries "
            f"allow ({WORST_CALL_S} s at the defaults).",
        ),
        retry_on_error: int = typer.Option(
            RETRY_ON_ERROR_DEFAULT,
            "--retry-on-error",
            min=0,
            help="Times a sample that ended in an error is run again. A sample whose call fails for "
            "good becomes an error (unknown, never safe) after at most (this + 1) failing calls "
            f"({WORST_SAMPLE_S} s at the defaults), so a failing endpoint cannot stall the run.",
        ),
        log_buffer: int | None = typer.Option(
            None,
            "--log-buffer",
            min=1,
            help="Samples buffered before Inspect rewrites the log (default: about 20 writes per task). "
            "Finished samples are journaled as they end, so a killed run loses none whatever this is.",
        ),
        display: str | None = typer.Option(None, "--display", help="Inspect display: full, rich, plain, none."),
        workers: int | None = typer.Option(
            None,
            "--workers",
            min=1,
            max=1024,
            help="Processes (or, with --executor ray, Ray tasks) that share the run's samples (for fast "
            "endpoints: one Inspect process is CPU-bound near 80 requests/s). Default 1; with --executor ray "
            "one per cluster CPU. --max-connections and --max-samples stay run-wide totals.",
        ),
        executor: str | None = typer.Option(
            None,
            "--executor",
            help="Where the run's parts run: local (this machine, default) or ray (a Ray cluster; "
            "docs/scale-out.md). With --resume: default the executor the run started with.",
        ),
        ray_address: str | None = typer.Option(
            None,
            "--ray-address",
            help="Ray cluster to join with --executor ray (e.g. ray://HEAD:10001; default RAY_ADDRESS, else "
            "a local Ray instance on this machine). A remote cluster needs a shared store and --out.",
        ),
        part_size: int | None = typer.Option(
            None,
            "--part-size",
            min=0,
            help="Run evaluations in parts of at most this many samples, each with its own log, so "
            "memory stays bounded on long sweeps (default 2000; 0: never split).",
        ),
    ) -> None:
        """Run the policy's evaluations on the target(s); write report.json and report.md."""
        from frontiergate.pipeline.run import RunOptions, resume_run, start_run

        if resume:
            result = resume_run(resume, str(runs_dir), store, display, executor, ray_address)
            print_summary(result)
            return
        targets = list(model)
        roles: dict[str, str] = {}
        if baseline or candidate:
            if not (baseline and candidate):
                raise FrontiergateError("--baseline and --candidate go together", "give both model strings")
            if targets:
                raise FrontiergateError("use either --model or --baseline/--candidate", "drop --model")
            targets = [baseline, candidate]
            if baseline == candidate:
                raise FrontiergateError(
                    "--baseline and --candidate are the same model", "compare two different targets"
                )
            roles = {baseline: "baseline", candidate: "candidate"}
        targets = targets or [EMBEDDED_MODEL]
        target_args: dict[str, dict[str, Any]] = {}
        safeguards_opt: dict[str, Any] | None = None
        if safeguards is not None:
            targets, roles, target_args, safeguards_opt = _with_safeguards(targets, safeguards, bool(roles))
        if cascade is not None:
            from frontiergate.pipeline.cascade import sweep_timeouts, with_cascade

            targets, target_args = with_cascade(targets, target_args, cascade)
            # one sweep answer holds all its inner calls within one attempt (see sweep_timeouts)
            attempt_timeout, request_budget = sweep_timeouts(target_args[targets[-1]], attempt_timeout,
                                                             request_budget)
        if len(set(targets)) != len(targets):
            raise FrontiergateError("the same --model is given twice", "list each target once")
        model_roles = {k: v for k, v in (("grader", grader), ("attacker", attacker), ("guard", guard)) if v}
        opts = RunOptions(
            targets=targets,
            policy_path=str(policy) if policy else None,
            quick=quick,
            out=str(out) if out else None,
            runs_dir=str(runs_dir),
            store_url=store,
            domains=list(domain) or None,
            epochs=epochs,
            limit=limit,
            model_base_url=model_base_url,
            model_args=_parse_kv(model_arg, "-M"),
            model_roles=model_roles,
            roles=roles,
            task_args=_parse_task_args(task_arg),
            max_connections=max_connections,
            max_samples=max_samples,
            display=display,
            log_buffer=log_buffer,
            max_retries=max_retries,
            attempt_timeout=attempt_timeout,
            request_budget=request_budget,
            retry_on_error=retry_on_error,
            sequential=sequential,
            claims_path=str(claims) if claims else None,
            workers=workers if workers is not None else (0 if executor == "ray" else 1),
            part_size=part_size,
            executor=executor or "local",
            ray_address=ray_address,
            target_args=target_args,
            safeguards=safeguards_opt,
            previous=previous,
        )
        if cascade is not None:
            from frontiergate.pipeline.cascade import cascade_task_args

            cascade_task_args(opts.task_args)
        if pairs is not None:
            if not pairs.exists():
                raise FrontiergateError(
                    f"--pairs file not found: {pairs}", "pass an existing CSV/JSONL of paired prompts"
                )
            opts.task_args.setdefault("frontiergate/bias", {})["pairs"] = str(pairs.resolve())
        result = start_run(opts)
        print_summary(result)
