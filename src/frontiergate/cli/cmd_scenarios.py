"""``frontiergate scenarios expand | stats | transforms``: inspect and export the scenario library.

``expand`` streams JSONL (one item per line) so a 100,000-variant export never sits in memory;
``stats`` shows what the library covers before anyone spends model time on it.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from frontiergate.errors import DataFileError
from frontiergate.scenarios.expand import count_items, expand
from frontiergate.scenarios.external import ColumnMapping, load_external
from frontiergate.scenarios.library import load_seed_file, load_seeds
from frontiergate.scenarios.schema import Seed
from frontiergate.scenarios.transforms import families, registry, resolve_chains


def _seeds(domains: list[str] | None, source: Path | None, mapping: ColumnMapping) -> list[Seed]:
    if source is None:
        seeds = load_seeds(domains=domains)
    elif source.suffix.lower() in (".yaml", ".yml"):
        seeds = [s for s in load_seed_file(source) if not domains or s.domain in domains]
    else:
        seeds = [s for s in load_external(source, mapping) if not domains or s.domain in domains]
    if not seeds:
        where = str(source) if source else "the bundled library"
        raise DataFileError(f"no scenarios in {where} for domain(s) {', '.join(domains or [])}",
                            "check --domain (see `frontiergate scenarios stats`)")
    return seeds


def library_stats(seeds: list[Seed], transforms: str | list[str] | None = "all") -> dict[str, Any]:
    """Counts per domain, category, severity and transform family, computed without expanding."""
    per_domain: dict[str, Any] = {}
    for d in sorted({s.domain for s in seeds}):
        ds = [s for s in seeds if s.domain == d]
        per_domain[d] = {
            "seeds": len(ds),
            "benign_twins": sum(1 for s in ds if s.benign is not None),
            "multi_turn": sum(1 for s in ds if s.multi_turn),
            "severity": dict(sorted(Counter(s.severity for s in ds).items())),
            "categories": dict(sorted(Counter(s.category for s in ds).items())),
        }
    n_seeds = len(seeds)
    n_twins = sum(1 for s in seeds if s.benign is not None)
    per_base = n_seeds + n_twins
    selected = {n for c in resolve_chains(transforms, 1) for n in c}
    fam = {
        f: {"transforms": [n for n in names if n in selected],
            "variants": per_base * sum(1 for n in names if n in selected)}
        for f, names in families().items()
    }
    n_tf = len(selected)
    return {
        "domains": per_domain,
        "severity": dict(sorted(Counter(s.severity for s in seeds).items())),
        "families": fam,
        "totals": {
            "seeds": n_seeds, "benign_twins": n_twins,
            "multi_turn": sum(1 for s in seeds if s.multi_turn),
            "base_items": per_base, "transforms": n_tf,
            "families": sum(1 for v in fam.values() if v["transforms"]),
            "items_stack_depth_1": count_items(n_seeds, n_twins, n_tf),
            "items_stack_depth_2": count_items(n_seeds, n_twins, n_tf + n_tf * max(0, n_tf - 1)),
        },
    }


def _render_stats(st: dict[str, Any]) -> str:
    head = f"{'domain':<14}{'seeds':>7}{'benign':>8}{'multi-turn':>12}"
    lines = [head + "  severity (low/medium/high/critical)"]
    for d, v in st["domains"].items():
        sev = "/".join(str(v["severity"].get(k, 0)) for k in ("low", "medium", "high", "critical"))
        lines.append(f"{d:<14}{v['seeds']:>7}{v['benign_twins']:>8}{v['multi_turn']:>12}  {sev}")
    t = st["totals"]
    lines.append(f"{'total':<14}{t['seeds']:>7}{t['benign_twins']:>8}{t['multi_turn']:>12}")
    lines.append("")
    lines.append(f"{'transform family':<22}{'n':>3}{'variants':>10}  transforms")
    for f, v in st["families"].items():
        lines.append(f"{f:<22}{len(v['transforms']):>3}{v['variants']:>10}  {', '.join(v['transforms'])}")
    lines.append("")
    lines.append(
        f"{t['transforms']} transforms in {t['families']} families; {t['base_items']} base items; "
        f"{t['items_stack_depth_1']} items at stack depth 1, {t['items_stack_depth_2']} at depth 2"
    )
    lines.append("categories: " + "; ".join(
        f"{d}: " + ", ".join(f"{c} {n}" for c, n in v["categories"].items()) for d, v in st["domains"].items()
    ))
    return "\n".join(lines)


def _autonomy_counts() -> dict[str, int] | None:
    try:
        env_scenarios = importlib.import_module("frontiergate.envs.scenarios")
    except ImportError:
        return None
    fn: Callable[[], dict[str, int]] | None = getattr(env_scenarios, "family_counts", None)
    return dict(fn()) if fn is not None else None


def _mapping_opts(
    prompt_column: str, id_column: str | None, category_column: str | None, domain: str | None,
    domain_column: str | None, severity_column: str | None, benign_column: str | None,
    context_column: str | None,
) -> ColumnMapping:
    return ColumnMapping(prompt=prompt_column, id=id_column, category=category_column, domain=domain,
                         domain_column=domain_column, severity=severity_column, benign=benign_column,
                         context=context_column)


def register(app: typer.Typer) -> None:
    sc = typer.Typer(help="Inspect and export the misuse scenario library and its transforms.",
                     no_args_is_help=True)
    app.add_typer(sc, name="scenarios")

    @sc.command("expand")
    def expand_cmd(
        domain: list[str] = typer.Option([], "--domain", "-d", help="Domain(s) to include (default all)."),
        transforms: str | None = typer.Option(
            None, "--transforms", "-t", help="Names, families, 'all' or chains a+b, comma-separated."),
        stack_depth: int = typer.Option(1, "--stack-depth", help="Stack up to N distinct transforms."),
        seed: int = typer.Option(0, "--seed", help="Expansion seed: same seed, same bytes."),
        limit: int | None = typer.Option(None, "--limit", "-n", help="At most N items (balanced prefix)."),
        out: Path | None = typer.Option(None, "--out", "-o", help="Write JSONL here (default stdout)."),
        no_benign: bool = typer.Option(False, "--no-benign", help="Leave out the benign look-alikes."),
        no_base: bool = typer.Option(False, "--no-base", help="Leave out the untransformed items."),
        source: Path | None = typer.Option(None, "--from", help="Scenario file: our YAML, or CSV/JSONL."),
        prompt_column: str = typer.Option("prompt", "--prompt-column"),
        id_column: str | None = typer.Option(None, "--id-column"),
        category_column: str | None = typer.Option(None, "--category-column"),
        domain_column: str | None = typer.Option(None, "--domain-column"),
        file_domain: str | None = typer.Option(None, "--file-domain",
                                               help="Domain for every row of a CSV/JSONL file."),
        severity_column: str | None = typer.Option(None, "--severity-column"),
        benign_column: str | None = typer.Option(None, "--benign-column"),
        context_column: str | None = typer.Option(None, "--context-column"),
    ) -> None:
        """Stream items (one JSON object per line): base items, then transformed variants."""
        from frontiergate.tasks.common import as_list  # imports Inspect: only when listing

        domains = [d for x in domain for d in (as_list(x) or [])] or None
        mapping = _mapping_opts(prompt_column, id_column, category_column,
                                file_domain or (domains[0] if domains and len(domains) == 1 else None),
                                domain_column, severity_column, benign_column, context_column)
        seeds = _seeds(domains, source, mapping)
        stream = expand(seeds, transforms=transforms, stack_depth=stack_depth, include_benign=not no_benign,
                        include_base=not no_base, seed=seed, max_variants=limit)
        fh = out.open("w", encoding="utf-8", newline="\n") if out is not None else sys.stdout
        n = 0
        try:
            for it in stream:
                fh.write(json.dumps(it.model_dump(), ensure_ascii=False, separators=(",", ":")) + "\n")
                n += 1
        finally:
            if out is not None:
                fh.close()
        if out is not None:
            typer.echo(f"wrote {n} items to {out}", err=True)

    @sc.command("stats")
    def stats_cmd(
        domain: list[str] = typer.Option(
            [], "--domain", "-d", help="Domain(s); 'autonomy' lists its behaviour families."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
        transforms: str = typer.Option("all", "--transforms", "-t", help="Transforms counted as variants."),
    ) -> None:
        """Counts per domain, severity and transform family (seeds, twins, multi-turn, variants)."""
        from frontiergate.tasks.common import as_list  # imports Inspect: only when listing

        domains = [d for x in domain for d in (as_list(x) or [])] or None
        if domains and "autonomy" in domains:
            counts = _autonomy_counts()
            if counts is None:
                typer.echo("autonomy scenarios are not available in this installation "
                           "(frontiergate.envs.scenarios.family_counts is missing)", err=True)
                raise typer.Exit(2)
            if as_json:
                typer.echo(json.dumps({"autonomy": {"families": counts, "total": sum(counts.values())}},
                                      indent=2))
            else:
                typer.echo(f"{'autonomy behaviour family':<34}{'scenarios':>10}")
                for fam, n in sorted(counts.items()):
                    typer.echo(f"{fam:<34}{n:>10}")
                typer.echo(f"{'total':<34}{sum(counts.values()):>10}")
            domains = [d for d in domains if d != "autonomy"]
            if not domains:
                return
        st = library_stats(_seeds(domains, None, ColumnMapping()), transforms)
        typer.echo(json.dumps(st, indent=2) if as_json else _render_stats(st))

    @sc.command("transforms")
    def transforms_cmd(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
        """List the transforms by family, with what each does."""
        reg = registry()
        if as_json:
            typer.echo(json.dumps({n: {"family": t.family, "description": t.description}
                                   for n, t in sorted(reg.items())}, indent=2))
            return
        for fam, names in families().items():
            typer.echo(f"{fam}:")
            for n in names:
                typer.echo(f"  {n:<22}{reg[n].description}")
