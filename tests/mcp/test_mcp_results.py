"""What the model receives from MCP tools, through `orchestra run` with the scripted
model recording every request: structured content not doubled, images as image
blocks (scaled to the API's limits with a note), audio saved with a note, resource
links followed on demand, and a huge result cut once with one truthful note that
names the file holding all of it — which the context fitter leaves alone."""

from __future__ import annotations

import base64
import io
import sys
from typing import Any

import pytest
from client_helpers import SERVERS, CliRun, mcp_workspace, run_cli
from PIL import Image

from orchestra_lsp.context.messages import parse_cut_note

HUGE = 3_000_000


def _call(tool: str, **arguments: Any) -> dict[str, Any]:
    return {"reply": {"tool_use": [{"name": f"mcp__r__{tool}", "input": arguments}]}}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> CliRun:
    root = mcp_workspace(
        tmp_path_factory.mktemp("ws"),
        {"r": {"command": sys.executable, "args": [str(SERVERS / "results_server.py")]}},
        tools=["mcp__r__*", "read_file"],
        # The scripted model counts an image's base64 as text: lift the cost cap.
        config='max_cost_usd = 1000.0\n[permissions]\nallow = ["mcp__r__*"]\n',
    )
    script = [
        _call("image_twice"),
        _call("weather"),
        _call("huge", chars=HUGE),
        _call("big_image", width=8200, height=60),
        _call("big_image", width=1400, height=1400),
        _call("beep"),
        _call("link"),
        _call("read_resource", uri="results://doc"),
        {"reply": {"text": "Seen it all."}},
    ]
    done = run_cli(root, script)
    assert done.done.returncode == 0, done.done.stdout + done.done.stderr
    done.model.assert_no_failures()
    return done


def _texts(result: dict[str, Any]) -> list[str]:
    return [b["text"] for b in result["content"] if b["type"] == "text"]


def test_an_image_repeated_in_structured_content_is_sent_once(run: CliRun) -> None:
    image_result = run.tool_results()[0]
    assert [b["type"] for b in image_result["content"]] == ["image"]
    decoded = base64.b64decode(image_result["content"][0]["source"]["data"])
    assert Image.open(io.BytesIO(decoded)).size == (120, 80)


def test_structured_content_the_text_lacks_is_added(run: CliRun) -> None:
    assert _texts(run.tool_results()[1]) == [
        "Weather report follows.",
        '{"temperature": 21.5, "conditions": "light drizzle"}',
    ]


def test_a_huge_result_is_cut_once_with_a_truthful_note(run: CliRun) -> None:
    huge = run.tool_results()[2]
    texts = _texts(huge)
    note = texts[-1]
    assert sum(t.startswith("[... cut ") for t in texts) == 1  # one note, the last block
    assert texts[0].startswith("line 0000000 of the huge result")
    parsed = parse_cut_note(note)
    assert parsed is not None
    cut, total, hint = parsed
    # 3,000,000 characters of this text are about 800k tokens: nearly all were left out.
    assert 700_000 < total < 1_000_000 and total - cut < 20_000
    saved = hint.split("saved at ")[1].split(";")[0]
    whole = (run.root / saved).read_text()
    assert len(whole) == HUGE and whole.endswith(whole.splitlines()[-1])
    assert saved.startswith(".orchestra/runs/")
    # The journal holds the same note, and no second cut by the context fitter.
    finished = [e for e in run.events("tool_call_finished") if e["tool"] == "mcp__r__huge"]
    assert finished[0]["cut"] == note
    cuts = [e["manifest"]["cuts"] for e in run.events("context")]
    assert cuts and not any(cuts), cuts


def test_images_above_the_api_limits_are_scaled_with_a_note(run: CliRun) -> None:
    for result, original in zip(run.tool_results()[3:5], ["8200x60", "1400x1400"], strict=True):
        note, image = result["content"]
        assert note["type"] == "text" and f"(image/png, {original}," in note["text"]
        assert "the API takes images up to 5 MB and 8000 px a side" in note["text"]
        data = base64.b64decode(image["source"]["data"])
        assert len(data) <= 5 * 1024 * 1024
        assert max(Image.open(io.BytesIO(data)).size) <= 8000


def test_audio_is_saved_and_named(run: CliRun) -> None:
    [note] = _texts(run.tool_results()[5])
    assert note.startswith(
        "[audio (audio/wav, 1,644 bytes): Claude cannot take audio; it is saved at "
    )
    saved = run.root / note.split("saved at ")[1].rstrip("]")
    assert saved.read_bytes().startswith(b"RIFF")


def test_a_resource_link_is_followed_on_demand(run: CliRun) -> None:
    link, read = run.tool_results()[6:8]
    assert "results://doc" in _texts(link)[1] and "mcp__r__read_resource" in _texts(link)[1]
    assert "LINKED-DOCUMENT-BODY" not in str(link)
    assert "LINKED-DOCUMENT-BODY" in _texts(read)[0]
