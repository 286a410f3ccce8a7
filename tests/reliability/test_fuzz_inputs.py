"""Property-based fuzzing of every user-edited file and of CLI arguments.

Whatever the input, the outcome is either success or a ``FrontiergateError`` (exit code 2 with a
one-line cause and fix): never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontiergate.errors import FrontiergateError
from frontiergate.policy.loader import default_policy_path, load_policy
from frontiergate.scenarios.library import bundled_seed_files, load_seed_file

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True), st.text(max_size=12))
json_like = st.recursive(
    scalars,
    lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(st.text(max_size=8), c, max_size=4)),
    max_leaves=12,
)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, (*prefix, i))
    return out


def _mutate(doc: Any, path: tuple[Any, ...], new: Any, delete: bool) -> Any:
    if not path:
        return new
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if delete and isinstance(parent, dict):
        parent.pop(path[-1], None)
    else:
        parent[path[-1]] = new
    return doc


def _only_user_errors(fn: Callable[[Path], Any], path: Path) -> None:
    try:
        fn(path)
    except FrontiergateError as exc:
        assert exc.render().startswith("error:")


def _structured(base_file: Path) -> st.SearchStrategy[str]:
    return _structured_text(base_file.read_text())


def _structured_text(base_text: str) -> st.SearchStrategy[str]:
    base = yaml.safe_load(base_text)
    paths = _paths(base)

    @st.composite
    def mutated(draw: st.DrawFn) -> str:
        doc = yaml.safe_load(base_text)
        for _ in range(draw(st.integers(1, 3))):
            candidates = _paths(doc)
            p = draw(st.sampled_from(candidates or paths))
            try:
                doc = _mutate(doc, p, draw(json_like), draw(st.booleans()))
            except (KeyError, IndexError, TypeError):
                continue
        return yaml.safe_dump(doc, allow_unicode=True)

    return mutated()


raw_text = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    st.sampled_from(
        [
            ":",
            "- [",
            "{a: b",
            "\t\tx: 1",
            "---\n---",
            "!!python/object:os.system x",
            "a: &x [*x]",
            "\x00",
            "name: [unclosed",
        ]
    ),
)


@FUZZ
@given(text=st.one_of(raw_text, _structured(default_policy_path())))
def test_policy_files(tmp_path: Path, text: str) -> None:
    f = tmp_path / "policy.yaml"
    f.write_text(text, encoding="utf-8", errors="surrogatepass") if "\udc80" not in text else f.write_bytes(b"\xff")
    _only_user_errors(lambda p: load_policy(p), f)


# the bundled policy with the newer fields set everywhere they may be: per-domain minimum seeds and
# unknown share, and foreign tasks with their metric mappings (one in a domain with frontiergate's own
# evaluations, one in a custom domain)
_FOREIGN = yaml.safe_load(default_policy_path().read_text())
_FOREIGN["domains"]["cyber"].update(min_seeds=5, max_unknown_share=0.2)
_FOREIGN["domains"]["cyber"]["evaluations"].append(
    {
        "task": "inspect_evals/wmdp_cyber",
        "metric": {
            "criterion": "wmdp_cyber_accuracy",
            "inspect_metric": "choice/accuracy",
            "direction": "higher_is_worse",
        },
    }
)
_FOREIGN["domains"]["cyber"]["criteria"].append(
    {"metric": "wmdp_cyber_accuracy", "thresholds": {"medium": 0.5, "high": 0.6, "critical": 0.7}}
)
_FOREIGN["domains"]["knowledge"] = {
    "custom": True,
    "max_unknown_share": 0.0,
    "evaluations": [
        {
            "task": "probe.py@probe",
            "metric": {"criterion": "probe", "inspect_metric": "mean", "direction": "lower_is_worse"},
        }
    ],
    "criteria": [{"metric": "probe", "direction": "lower_is_worse", "thresholds": {"medium": 0.5, "critical": 0.1}}],
}
FOREIGN_POLICY = yaml.safe_dump(_FOREIGN)


def _policy_checks() -> dict[str, Any]:
    from frontiergate.analysis.registry import metric_exists

    return {"task_exists": lambda name: not name.startswith("nosuch"), "metric_exists": metric_exists}


@FUZZ
@given(text=st.one_of(raw_text, _structured_text(FOREIGN_POLICY)))
def test_policy_files_with_new_fields(tmp_path: Path, text: str) -> None:
    f = tmp_path / "policy.yaml"
    f.write_text(text, encoding="utf-8")
    _only_user_errors(lambda p: load_policy(p, **_policy_checks()), f)


def test_foreign_policy_base_is_valid(tmp_path: Path) -> None:
    """The fuzzer's base document must itself load, or the fuzz only ever tests rejections."""
    f = tmp_path / "policy.yaml"
    f.write_text(FOREIGN_POLICY, encoding="utf-8")
    pol = load_policy(f, **_policy_checks())
    assert pol.domains["cyber"].min_seeds == 5 and pol.min_seeds == 10 and pol.max_unknown_share == 0.10
    mapping = pol.domains["knowledge"].evaluations[0].metric
    assert mapping is not None and mapping.direction == "lower_is_worse"


@FUZZ
@given(text=st.one_of(raw_text, _structured(bundled_seed_files()[0])))
def test_scenario_files(tmp_path: Path, text: str) -> None:
    f = tmp_path / "seeds.yaml"
    f.write_text(text, encoding="utf-8")
    _only_user_errors(load_seed_file, f)


def _optional_loader(module: str, name: str, default: str) -> tuple[Callable[[Path], Any], Path]:
    mod = pytest.importorskip(module)
    return getattr(mod, name), Path(getattr(mod, default)())


@FUZZ
@given(data=st.data())
def test_constitution_files(tmp_path: Path, data: st.DataObject) -> None:
    load, default = _optional_loader(
        "frontiergate.safeguards.constitution", "load_constitution", "default_constitution_path"
    )
    text = data.draw(st.one_of(raw_text, _structured(default)))
    f = tmp_path / "constitution.yaml"
    f.write_text(text, encoding="utf-8")
    _only_user_errors(load, f)


@FUZZ
@given(data=st.data())
def test_claims_files(tmp_path: Path, data: st.DataObject) -> None:
    load, default = _optional_loader("frontiergate.claims.schema", "load_claims", "default_claims_path")
    text = data.draw(st.one_of(raw_text, _structured(default)))
    f = tmp_path / "claims.yaml"
    f.write_text(text, encoding="utf-8")
    _only_user_errors(load, f)


CLI_WORDS = [
    "run",
    "policy",
    "check",
    "show",
    "models",
    "scenarios",
    "stats",
    "expand",
    "validate",
    "refusal",
    "guard",
    "realism",
    "--model",
    "--policy",
    "--domain",
    "--epochs",
    "--limit",
    "-M",
    "-T",
    "--quick",
    "--resume",
    "--json",
    "--out",
    "x",
    "0",
    "-1",
    "nosuch/model",
    "a=b",
    "frontiergate/misuse:x=1",
    "missing.yaml",
    "--help-me",
    "--store",
    "sqlite:////nonexistent/dir/x.db",
]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=st.lists(st.sampled_from(CLI_WORDS) | st.text(max_size=10), max_size=5))
def test_cli_arguments_never_traceback(args: list[str]) -> None:
    from typer.testing import CliRunner

    from frontiergate.cli import app

    if args[:1] == ["run"] and not any(a in args for a in ("--resume", "--model", "--policy", "-M", "-T")):
        args = [*args, "--model", "nosuch/model"]  # never start a real evaluation from the fuzzer
    if "run" in args and "--model" not in args:
        args = [*args, "--model", "nosuch/model"]
    result = CliRunner().invoke(app, args, catch_exceptions=True)
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit | FrontiergateError), repr(exc)
    assert "Traceback" not in result.output
    if isinstance(exc, FrontiergateError):
        assert exc.exit_code == 2
