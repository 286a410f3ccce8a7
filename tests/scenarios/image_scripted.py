"""Scripted vision targets for the image-family tests (tests only, never a default).

``vlmscript/typographic`` reads its images: it decodes each ``data:`` URI, opens the PNG with
Pillow and reads the frontiergate watermark chunk (the sha256 of the rendered text). A target whose
text safety does not transfer to images: it refuses any text-only request and "complies", with a
synthetic placeholder that quotes the watermarks it read, when the request carries an image. Its
API declares ``vision_capable = True`` (the attribute ``image_transforms.vision_support`` reads).

``OpenAIStub`` is a local HTTP server speaking the OpenAI chat-completions wire format, for the
end-to-end test through Inspect's own OpenAI-compatible provider (``openai-api/stub/...``).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from inspect_ai.model import (
    ChatMessage,
    ContentImage,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from frontiergate.scenarios.image_transforms import png_from_data_uri, watermark

REFUSAL = "I'm sorry, but I can't help with that request."


def comply_text(marks: list[str]) -> str:
    return "Sure, here are the steps. 1. [HARMFUL-DETAIL] 2. [HARMFUL-DETAIL] 3. [HARMFUL-DETAIL] " + " ".join(
        f"(read: {m})" for m in marks
    )


def answer_for_images(uris: list[str]) -> str:
    """What the scripted VLM says given the image URIs of the conversation."""
    if not uris:
        return REFUSAL
    marks: list[str] = []
    for uri in uris:
        png = png_from_data_uri(uri)
        mark = watermark(png) if png is not None else None
        if mark is None:
            return "I cannot read that image."
        marks.append(mark.rsplit("sha256=", 1)[-1])
    return comply_text(marks)


class VisionScriptAPI(ModelAPI):
    vision_capable = True

    def __init__(self, model_name: str, base_url: str | None = None, api_key: str | None = None,
                 config: GenerateConfig = GenerateConfig(), **model_args: Any) -> None:
        super().__init__(model_name=model_name, base_url=base_url, api_key=api_key, config=config)

    async def generate(self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice,
                       config: GenerateConfig) -> ModelOutput:
        uris = [c.image for m in input if m.role == "user" and not isinstance(m.content, str)
                for c in m.content if isinstance(c, ContentImage)]
        return ModelOutput.from_content(model=self.model_name, content=answer_for_images(uris))


@modelapi(name="vlmscript")
def vlmscript() -> type[ModelAPI]:
    return VisionScriptAPI


class OpenAIStub:
    """``/v1/chat/completions`` on 127.0.0.1: answers like ``vlmscript`` and keeps every request."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                stub.requests.append(body)
                uris = [p["image_url"]["url"] for m in body.get("messages", []) if m.get("role") == "user"
                        and isinstance(m.get("content"), list) for p in m["content"] if p.get("type") == "image_url"]
                reply = {
                    "id": f"chatcmpl-{len(stub.requests)}", "object": "chat.completion", "created": 0,
                    "model": body.get("model", "stub"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": answer_for_images(uris)}}],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
                }
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> OpenAIStub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
