"""Real models end to end: the embedded Gemma in-process, and over a local OpenAI-compatible server."""

from __future__ import annotations

import html
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from frontiergate.pipeline.run import RunOptions, start_run

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_embedded_gemma_runs_the_pipeline(misuse_policy: Path) -> None:
    res = start_run(
        RunOptions(targets=["frontiergate/gemma-3-270m"], policy_path=str(misuse_policy), limit=4, display="none")
    )
    t = res.report["targets"][0]
    assert t["model_card"]["caveat"].startswith("A 270M-parameter base model")
    assert any("embedded model frontiergate/gemma-3-270m" in x and "base model" in x for x in t["limitations"])
    ev = t["evaluations"]
    assert ev and all(e["n_samples"] == 4 and e["n_errors"] == 0 for e in ev)
    # 4 samples per evaluation are below the policy's minimum, and no safeguarded configuration ran:
    # neither deploy nor deploy_with_safeguards can be granted on them
    assert t["decision"]["overall"]["action"] in {"do_not_deploy", "stop_scaling"}
    _first_screen_has_banner_and_paragraphs(res.report, res.report_paths)


def _first_screen_has_banner_and_paragraphs(report: dict[str, Any], paths: dict[str, Path]) -> None:
    """Every format opens with the pipeline-check banner, then the decision, then one plain-language
    paragraph per domain, before any detailed section."""
    banner = report["banner"]
    assert banner and "not a deployment decision" in banner
    rows = report["sections"]["domain_summary"]["targets"][0]["domains"]
    assert {r["domain"] for r in rows} == set(report["targets"][0]["decision"]["domains"])
    md = paths["md"].read_text(encoding="utf-8")
    page = paths["html"].read_text(encoding="utf-8")
    # the HTML as a reader sees it: tags dropped, entities decoded
    shown = html.unescape(re.sub(r"<[^>]+>", "", page[page.index("<body") :]))
    for text, detail in ((md.replace("`", "").replace("*", ""), "Model and scope"), (shown, "Model and scope")):
        at_banner = text.index("not a deployment decision")
        at_detail = text.index(detail)
        assert at_banner < at_detail
        for r in rows:
            head = r["paragraph"].replace("`", "").replace("*", "")[:60]
            assert at_banner < text.index(head) < at_detail, (r["domain"], head)


def test_embedded_model_emulates_tool_calls() -> None:
    import asyncio

    from inspect_ai.model import ChatMessageUser, GenerateConfig, get_model
    from inspect_ai.tool import ToolInfo, ToolParam, ToolParams

    from frontiergate.models.tool_emulation import parse_tool_calls

    tool = ToolInfo(
        name="bash",
        description="run a command",
        parameters=ToolParams(properties={"command": ToolParam(type="string")}, required=["command"]),
    )
    text, calls = parse_tool_calls('I will look.\nCALL bash {"command": "ls /home"}', [tool])
    assert text == "I will look." and calls[0].function == "bash" and calls[0].arguments == {"command": "ls /home"}
    _, calls = parse_tool_calls("CALL bash cat notes.txt", [tool])
    assert calls[0].arguments == {"command": "cat notes.txt"}
    assert parse_tool_calls("CALL rm_rf {}", [tool])[1] == []
    model = get_model("frontiergate/gemma-3-270m")
    out = asyncio.run(
        model.generate(
            [ChatMessageUser(content="List the files. CALL bash")], tools=[tool], config=GenerateConfig(max_tokens=24)
        )
    )
    assert out.completion is not None  # a base model may or may not call; the round trip must hold


def test_openai_compatible_server_target(misuse_policy: Path, tmp_path: Path) -> None:
    from frontiergate.models.embedded import gguf_path

    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(gguf_path()),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
        ],
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        os.environ["LOCALGEMMA_API_KEY"] = "sk-test-not-a-real-key-123456"
        res = start_run(
            RunOptions(
                targets=["openai-api/localgemma/gemma"],
                policy_path=str(misuse_policy),
                model_base_url=f"http://127.0.0.1:{port}/v1",
                limit=3,
                display="none",
                max_connections=2,
            )
        )
        evs = res.report["targets"][0]["evaluations"]
        assert evs and all(e["n_samples"] == 3 for e in evs)
        assert sum(e["n_errors"] for e in evs) == 0
        text = (res.out_dir / "report.json").read_text() + (res.out_dir / "run.json").read_text()
        assert "sk-test-not-a-real-key-123456" not in text
    finally:
        os.environ.pop("LOCALGEMMA_API_KEY", None)
        proc.terminate()
        proc.wait(timeout=30)
