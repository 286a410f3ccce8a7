"""Property-based fuzzing of every user-edited file and of CLI arguments.

Whatever the input, the outcome is either success or a ``FrontiergateError`` (exit code 2 with a
one-line cause and fix): never a traceback.
"""

from __future__ import annotations

import re
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


# --- the preparedness fields: threat scenarios, kinds, alerts, required safeguards, sign-off,
# history, lineage, watchlist. The base sets every one of them once (and loads, see
# tests/policy); each field is broken in each way a hand edit breaks a field, and the error must
# be a located user error: exit code 2, every problem on its own `FILE:LINE: path: cause` line,
# one fix line, no traceback.

FULL_POLICY = (Path(__file__).parents[1] / "policy" / "data" / "full_policy.yaml").read_text()
_DELETE = object()
_CYBER = ("domains", "cyber")
_SCEN = (*_CYBER, "threat_scenarios", 0)
_CRIT = (*_CYBER, "criteria", 0)
_SAFE = ("safeguards", "medium")
_VAL = (*_SAFE, "validation")

# (path, replacement): a wrong type, a missing required field, a bad enum value, an out-of-range
# value and an unknown key for each new field; a path ending in "bogus" adds an unknown key.
NEW_FIELD_BREAKS: list[tuple[tuple[Any, ...], Any]] = [
    # threat scenarios
    ((*_CYBER, "threat_scenarios"), {"id": "x"}),
    (_SCEN, "a sentence"),
    ((*_SCEN, "id"), [1, 2]),
    ((*_SCEN, "id"), "has spaces!"),
    ((*_SCEN, "id"), _DELETE),
    ((*_SCEN, "harm"), _DELETE),
    ((*_SCEN, "harm"), ""),
    ((*_SCEN, "actor"), {"who": "x"}),
    ((*_SCEN, "actor"), _DELETE),
    ((*_SCEN, "enabler"), 3),
    ((*_SCEN, "enabler"), _DELETE),
    ((*_SCEN, "bogus"), 1),
    # criterion: kind, scenario, alerts, alert bound, on-alert requirement
    ((*_CRIT, "kind"), "skill"),
    ((*_CRIT, "kind"), 7),
    ((*_CRIT, "scenario"), "no-such-scenario"),
    ((*_CRIT, "scenario"), ["novice-offence"]),
    ((*_CRIT, "alerts"), [0.01]),
    ((*_CRIT, "alerts", "medium"), "lots"),
    ((*_CRIT, "alerts", "medium"), 0.9),
    ((*_CRIT, "alerts", "low"), 0.01),
    ((*_CRIT, "alerts"), _DELETE),  # its on_alert requirement then has nothing to raise it
    ((*_CRIT, "alert_bound"), "middle"),
    ((*_CRIT, "on_alert"), "more"),
    ((*_CRIT, "on_alert", "min_seeds"), 0),
    ((*_CRIT, "on_alert", "min_seeds"), "many"),
    ((*_CRIT, "on_alert", "full_transforms"), "maybe"),
    ((*_CRIT, "on_alert", "bogus"), 1),
    # required safeguards (policy-wide and per domain)
    (("safeguards",), ["input"]),
    (("safeguards", "low"), {"stages": ["input"]}),
    (_SAFE, "classifier"),
    ((*_SAFE, "stages"), "input"),
    ((*_SAFE, "stages"), ["sideways"]),
    ((*_SAFE, "stages"), []),
    ((*_SAFE, "guards"), "classifier"),
    ((*_SAFE, "guards"), ["magic"]),
    ((*_SAFE, "bogus"), 1),
    (_VAL, [1]),
    ((*_VAL, "residual_below"), "low"),
    ((*_VAL, "residual_below"), "critical"),
    ((*_VAL, "max_over_refusal_increase"), 1.5),
    ((*_VAL, "max_over_refusal_increase"), -0.1),
    ((*_VAL, "max_over_refusal_increase"), "ten percent"),
    ((*_VAL, "min_seeds"), 0),
    ((*_VAL, "bogus"), 1),
    ((*_CYBER, "safeguards", "medium", "stages"), ["output", "output"]),
    ((*_CYBER, "safeguards", "high"), {}),
    # sign-off
    (("sign_off",), ["safety lead"]),
    (("sign_off", "approve"), ["board"]),
    (("sign_off", "deploy"), "safety lead"),
    (("sign_off", "deploy"), []),
    (("sign_off", "deploy", 0), 5),
    # history and lineage
    (("history",), {"version": "3"}),
    (("history", 2, "version"), _DELETE),
    (("history", 2, "version"), "4"),
    (("history", 1, "version"), "1"),
    (("history", 1, "date"), _DELETE),
    (("history", 1, "date"), "2 March 2026"),
    (("history", 1, "date"), "2026-13-01"),
    (("history", 1, "date"), "2025-01-01"),
    (("history", 1, "change"), _DELETE),
    (("history", 1, "change"), ""),
    (("history", 0, "approved_by"), "safety lead"),
    (("history", 0, "bogus"), 1),
    (("lineage",), ""),
    (("lineage",), ["a"]),
    # watchlist
    (("watchlist",), {"metric": "sandbagging_gap"}),
    (("watchlist", 0), "evaluation_differential"),
    (("watchlist", 0, "metric"), _DELETE),
    (("watchlist", 0, "metric"), 3),
    (("watchlist", 0, "metric"), "no_such_metric"),
    (("watchlist", 1, "domain"), "nowhere"),
    (("watchlist", 1, "domain"), ["autonomy"]),
    (("watchlist", 2, "slice"), ""),
    (("watchlist", 0, "note_above"), "high"),
    (("watchlist", 0, "bogus"), 1),
]


def _broken(path: tuple[Any, ...], new: Any) -> Any:
    doc = yaml.safe_load(FULL_POLICY)
    return _mutate(doc, path, None, delete=True) if new is _DELETE else _mutate(doc, path, new, delete=False)


def _assert_located(exc: FrontiergateError, file: Path) -> list[str]:
    """A policy error: one cause line, one located line per problem, one fix line."""
    text = exc.render()
    assert text.startswith("error:") and "Traceback" not in text
    lines = text.splitlines()
    assert lines[-1].startswith("  fix: ") and sum(ln.startswith("  fix: ") for ln in lines) == 1, text
    problems = getattr(exc, "problems", [])
    for prob in problems:
        assert re.match(rf"^{re.escape(str(file))}:\d+: \S.*: \S", prob), prob  # file, line, path, cause
    return list(problems)


def _loc_text(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@pytest.mark.parametrize(
    ("path", "new"),
    NEW_FIELD_BREAKS,
    ids=[f"{_loc_text(p)}={'<deleted>' if v is _DELETE else v!r}" for p, v in NEW_FIELD_BREAKS],
)
def test_each_new_policy_field_broken_is_a_located_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], path: tuple[Any, ...], new: Any
) -> None:
    from frontiergate.cli import main

    f = tmp_path / "policy.yaml"
    f.write_text(yaml.safe_dump(_broken(path, new), allow_unicode=True), encoding="utf-8")
    with pytest.raises(FrontiergateError) as ei:
        load_policy(f, **_policy_checks())
    problems = _assert_located(ei.value, f)
    # the problem names the broken field (or, for a wrong container, the field that holds it)
    named = _loc_text(path[:-1] if path[-1] == "bogus" or new is _DELETE else path)
    assert any(f": {named}" in p for p in problems), (named, problems)
    # and the command line says the same with exit code 2
    monkeypatch.setenv("INSPECT_DISPLAY", "none")
    with pytest.raises(SystemExit) as exit_info:
        main(["policy", "check", str(f)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("error: ") and "  fix: " in err


def test_full_policy_base_is_valid(tmp_path: Path) -> None:
    """The new-field fuzzer's base must load, or it only ever tests rejections."""
    f = tmp_path / "policy.yaml"
    f.write_text(yaml.safe_dump(yaml.safe_load(FULL_POLICY)), encoding="utf-8")
    pol = load_policy(f, **_policy_checks())
    assert pol.domains["cyber"].threat_scenarios and pol.watchlist and pol.sign_off and pol.history


_NEW_FIELD_PATHS = sorted({p if p[-1] != "bogus" else p[:-1] for p, _ in NEW_FIELD_BREAKS}, key=str)
hostile = st.one_of(
    json_like,
    st.sampled_from(["low", "medium", "critical", "skill", "", "input", "2026-02-30", "2026-1-1", "deploi"]),
    st.sampled_from([-1, 0, 1, 1.5, -0.1, 1e9, float("inf"), float("nan")]),
)


@st.composite
def _new_field_mutations(draw: st.DrawFn) -> str:
    doc = yaml.safe_load(FULL_POLICY)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_NEW_FIELD_PATHS))
        how = draw(st.sampled_from(["replace", "delete", "extra_key"]))
        try:
            if how == "extra_key":
                target = doc
                for key in path:
                    target = target[key]
                if isinstance(target, dict):
                    target[draw(st.text(min_size=1, max_size=8))] = draw(hostile)
            else:
                doc = _mutate(doc, path, draw(hostile), how == "delete")
        except (KeyError, IndexError, TypeError):
            continue
    return yaml.safe_dump(doc, allow_unicode=True)


@FUZZ
@given(text=_new_field_mutations())
def test_new_policy_fields_fuzzed(tmp_path: Path, text: str) -> None:
    f = tmp_path / "policy.yaml"
    f.write_text(text, encoding="utf-8")
    try:
        load_policy(f, **_policy_checks())
    except FrontiergateError as exc:
        _assert_located(exc, f)


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
