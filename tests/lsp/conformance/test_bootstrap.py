"""`initialize` answered before pygls is imported (`lsp/bootstrap.py`).

The answer must be the one pygls would have computed from the registered features, for
every client; what the client sends right after it (in the same write) must reach
pygls; anything other than `initialize` first goes to pygls untouched; and editors
spawn `orchestra serve --stdio`, which re-executes itself to keep secrets out of
`/proc/PID/environ` first.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from conftest import StartRaw
from raw_client import frame

from orchestra_lsp.lsp import bootstrap, create_server

SERVER_NOT_INITIALIZED = -32002
_PROFILES = Path(pytest_lsp.__file__).parent / "clients"


def _profile(name: str) -> dict[str, Any]:
    """A client's `initialize` as pytest-lsp recorded it from the real editor."""
    return dict(json.loads((_PROFILES / name).read_text()))


def _encodings(*offered: str) -> dict[str, Any]:
    return {"capabilities": {"general": {"positionEncodings": list(offered)}}}


CLIENTS: dict[str, dict[str, Any]] = {
    "vscode": _profile("visual_studio_code_v1.65.2.json"),
    "neovim-0.7": _profile("neovim_v0.7.0.json"),
    "neovim-0.10": _profile("neovim_v0.10.0.json"),
    "neovim-0.11": _profile("neovim_v0.11.0.json"),
    "eglot": _profile("emacs_v29.1.json"),
    "lsp-mode": {"capabilities": {}, "clientInfo": {"name": "emacs", "version": "GNU Emacs"}},
    "lsp-mode-utf-8": {**_encodings("utf-8"), "clientInfo": {"name": "emacs"}},
    "bare": {"capabilities": {}},
    "utf-8": _encodings("utf-8"),
    "utf-32-first": _encodings("utf-32", "utf-8", "utf-16"),
    "unknown-then-utf-8": _encodings("latin-1", "utf-8"),
    "unknown-only": _encodings("latin-1"),
    "none-offered": _encodings(),
    "dynamic-completion": {
        "capabilities": {"textDocument": {"completion": {"dynamicRegistration": True}}}
    },
}


def _params(workspace: Path, client: dict[str, Any]) -> dict[str, Any]:
    return {
        "processId": None,
        "rootUri": workspace.as_uri(),
        "workspaceFolders": [{"uri": workspace.as_uri(), "name": "ws"}],
        **client,
    }


class _Capture:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.sent.append(data)

    def close(self) -> None:
        pass


def pygls_answer(workspace: Path, params: dict[str, Any]) -> dict[str, Any]:
    """The InitializeResult pygls computes for `params` in a real server (this is the
    path a client takes when `initialize` is not its first message)."""
    server = create_server(workspace)
    capture = _Capture()
    server.protocol.set_writer(capture)
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params})
    server.protocol.handle_message(json.loads(body, object_hook=server.protocol.structure_message))
    (sent,) = capture.sent
    response = json.loads(sent.split(b"\r\n\r\n", 1)[1])
    return dict(response["result"])


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_the_early_answer_is_the_one_pygls_computes(workspace: Path, client: str) -> None:
    params = _params(workspace, CLIENTS[client])
    assert bootstrap.initialize_result(params) == pygls_answer(workspace, params)


def test_the_answer_follows_the_client() -> None:
    """The comparison above would hold for a constant: the answers do differ."""
    answers = {name: bootstrap.initialize_result(c) for name, c in CLIENTS.items()}
    encodings = {name: a["capabilities"]["positionEncoding"] for name, a in answers.items()}
    assert encodings["lsp-mode"] == encodings["utf-32-first"] == "utf-32"
    assert encodings["eglot"] == "utf-32"
    assert encodings["lsp-mode-utf-8"] == encodings["neovim-0.11"] == "utf-8"
    assert encodings["unknown-then-utf-8"] == "utf-8"
    assert encodings["unknown-only"] == encodings["bare"] == encodings["vscode"] == "utf-16"
    assert "completionProvider" not in answers["dynamic-completion"]["capabilities"]
    assert "completionProvider" in answers["bare"]["capabilities"]


def _orchestra_serve() -> list[str]:
    """What editors spawn: the `orchestra` console script beside this interpreter."""
    return [str(Path(sys.executable).parent / "orchestra"), "serve", "--stdio"]


def _secret_env(tmp_path: Path) -> dict[str, str]:
    return {
        "ORCHESTRA_BOOTSTRAP_SECRET": "sk-bootstrap-0123456789",
        "XDG_CONFIG_HOME": str(tmp_path),
    }


async def test_serve_stdio_reads_what_follows_initialize_in_the_same_write(
    raw: StartRaw, workspace: Path, tmp_path: Path
) -> None:
    client = await raw(
        workspace, command=_orchestra_serve(), cwd=workspace, env=_secret_env(tmp_path)
    )
    params = _params(workspace, CLIENTS["neovim-0.11"])
    client.send_bytes(
        frame({"id": "init", "method": "initialize", "params": params})
        + frame({"method": "initialized", "params": {}})
        + frame({"id": "commands", "method": "orchestra/commands", "params": {}})
    )
    initialized = await client.response("init")
    assert initialized["result"] == pygls_answer(workspace, params)
    assert initialized["result"]["capabilities"]["positionEncoding"] == "utf-8"
    commands = await client.response("commands", timeout=60)
    names = {command["name"] for command in commands["result"]["commands"]}
    assert {"change", "fix-here"} <= names
    # Still re-executed without the secret in its exec-time environment.
    environ = Path(f"/proc/{client.process.pid}/environ").read_bytes()
    assert b"sk-bootstrap-0123456789" not in environ
    assert b"ORCHESTRA_BOOTSTRAP_SECRET" not in environ
    assert await client.close() == 0
    assert len(client.responses("init")) == 1  # pygls' own answer was not sent again
    stderr = await client.stderr()
    assert "Traceback" not in stderr
    assert "Fatal Python error" not in stderr  # the reading thread let it exit
    assert "differs" not in stderr


async def test_messages_around_an_early_listing_reach_pygls_in_order(
    raw: StartRaw, workspace: Path, tmp_path: Path
) -> None:
    """`orchestra/commands` may be answered before pygls runs; what the client sent
    around it (a buffer opened, with an error the file on disk does not have; a
    request after it) is still handled."""
    client = await raw(
        workspace, command=_orchestra_serve(), cwd=workspace, env=_secret_env(tmp_path)
    )
    command = workspace / ".orchestra" / "commands" / "change.md"
    text = command.read_text().replace("agent: planner", "agent: nobody-here")
    document = {"uri": command.as_uri(), "languageId": "markdown", "version": 1, "text": text}
    params = _params(workspace, {"capabilities": {}})
    client.send_bytes(
        frame({"id": "init", "method": "initialize", "params": params})
        + frame({"method": "initialized", "params": {}})
        + frame({"method": "textDocument/didOpen", "params": {"textDocument": document}})
        + frame({"id": "commands", "method": "orchestra/commands", "params": {}})
        + frame({"id": "agents", "method": "orchestra/agents", "params": {}})
    )
    commands = await client.response("commands", timeout=60)
    assert {"change", "fix-here"} <= {c["name"] for c in commands["result"]["commands"]}
    agents = await client.response("agents", timeout=60)
    assert {"planner", "coder"} <= {a["name"] for a in agents["result"]["agents"]}
    await client.wait_for(
        "textDocument/publishDiagnostics",
        lambda p: p["uri"] == command.as_uri() and "nobody-here" in str(p["diagnostics"]),
        timeout=60,
    )
    assert await client.close() == 0
    assert len(client.responses("commands")) == 1


async def test_end_of_stdin_after_initialize(
    raw: StartRaw, workspace: Path, tmp_path: Path
) -> None:
    client = await raw(
        workspace, command=_orchestra_serve(), cwd=workspace, env=_secret_env(tmp_path)
    )
    assert "result" in await client.request("initialize", _params(workspace, {"capabilities": {}}))
    assert client.process.stdin is not None
    client.process.stdin.close()
    assert await client.wait_exit() == 0
    stderr = await client.stderr()
    assert "Fatal Python error" not in stderr
    assert "Traceback" not in stderr


async def test_serve_stdio_initialize_split_across_writes(
    raw: StartRaw, workspace: Path, tmp_path: Path
) -> None:
    """The header and the body arrive apart, as a pipe may deliver them."""
    client = await raw(
        workspace, command=_orchestra_serve(), cwd=workspace, env=_secret_env(tmp_path)
    )
    whole = frame(
        {"id": 7, "method": "initialize", "params": _params(workspace, {"capabilities": {}})}
    )
    header, body = whole.split(b"\r\n\r\n", 1)
    client.send_bytes(header + b"\r\n")
    await client.process.stdin.drain()  # type: ignore[union-attr]
    client.send_bytes(b"\r\n" + body[:10])
    await client.process.stdin.drain()  # type: ignore[union-attr]
    client.send_bytes(body[10:])
    assert "result" in await client.response(7)
    client.notify("initialized", {})
    assert "result" in await client.request("orchestra/commands", {}, timeout=60)
    assert await client.close() == 0


async def test_serve_stdio_request_before_initialize_goes_to_pygls(
    raw: StartRaw, workspace: Path, tmp_path: Path
) -> None:
    client = await raw(
        workspace, command=_orchestra_serve(), cwd=workspace, env=_secret_env(tmp_path)
    )
    refused = await client.request("orchestra/commands", {})
    assert refused["error"]["code"] == SERVER_NOT_INITIALIZED, refused
    params = _params(workspace, CLIENTS["eglot"])
    answer = await client.request("initialize", params)
    # pygls answered this one: the same answer the bootstrap gives first.
    assert answer["result"] == bootstrap.initialize_result(params)
    client.notify("initialized", {})
    commands = await client.request("orchestra/commands", {}, timeout=60)
    assert {"change", "fix-here"} <= {c["name"] for c in commands["result"]["commands"]}
    assert await client.close() == 0
    assert "Traceback" not in await client.stderr()


@pytest.mark.parametrize(
    "first",
    [
        b"Content-Length: 9\r\n\r\nnot json!",
        b"Content-Length: 2\r\n\r\n[]",
        b"garbage line\r\n",
        frame({"method": "initialize", "params": {"capabilities": {}}}),
    ],
    ids=["bad-json", "not-an-object", "stray-header", "as-notification"],
)
async def test_anything_but_initialize_first_reaches_pygls_whole(
    raw: StartRaw, workspace: Path, first: bytes
) -> None:
    """pygls reads it as it always did (an error logged, or answered), and the
    `initialize` after it is answered: the bytes the bootstrap read were not lost."""
    client = await raw(workspace)
    client.send_bytes(first)
    result = await client.initialize(workspace)
    assert result == bootstrap.initialize_result(_params(workspace, {"capabilities": {}}))
    assert "result" in await client.request("orchestra/commands", {}, timeout=60)
    assert await client.close() == 0


@pytest.mark.parametrize(
    "capabilities",
    [{"general": {"positionEncodings": "utf-8"}}, {"textDocument": {"completion": []}}, "none"],
)
async def test_initialize_params_of_an_unexpected_shape_are_left_to_pygls(
    raw: StartRaw, workspace: Path, capabilities: Any
) -> None:
    """pygls reads them leniently and answers (once): as it did before the bootstrap."""
    client = await raw(workspace)
    params = {"processId": None, "rootUri": workspace.as_uri(), "capabilities": capabilities}
    client.send_bytes(
        frame({"id": "odd", "method": "initialize", "params": params})
        + frame({"method": "initialized", "params": {}})
    )
    answer = await client.response("odd")
    assert answer["result"]["capabilities"]["positionEncoding"] == "utf-16"
    assert "result" in await client.request("orchestra/commands", {}, timeout=60)
    assert await client.close() == 0
    assert len(client.responses("odd")) == 1


async def test_end_of_stdin_before_any_message(raw: StartRaw, workspace: Path) -> None:
    client = await raw(workspace, command=_orchestra_serve(), cwd=workspace)
    assert client.process.stdin is not None
    client.process.stdin.close()
    assert await client.wait_exit() == 0
    assert "Traceback" not in await client.stderr()


async def test_folders_that_do_not_exist_here_are_refused_by_pygls(
    raw: StartRaw, workspace: Path
) -> None:
    client = await raw(workspace)
    answer = await client.request(
        "initialize",
        {"processId": None, "rootUri": "file:///c%3A/Users/dev/proj", "capabilities": {}},
    )
    assert "not an existing absolute folder" in answer["error"]["message"]


_ANSWER_ONLY = """
import io, json, os, sys
from orchestra_lsp.cli import serve  # what `orchestra serve` has imported by then
from orchestra_lsp.lsp import bootstrap

read, write = os.pipe()
os.write(write, sys.argv[1].encode())
os.close(write)
out = io.BytesIO()
opening = bootstrap.answer_initialize(os.fdopen(read, "rb"), out)
heavy = ("lsprotocol", "attrs", "attr", "cattrs", "pydantic", "orchestra_lsp.engine")
loaded = [m for m in sys.modules if m.startswith(heavy) or m.startswith("pygls.")]
print(json.dumps({"answered": opening.answer is not None, "loaded": loaded}))
"""


def test_the_answer_imports_neither_pygls_nor_lsprotocol(workspace: Path) -> None:
    """What makes it fast: only the standard library (and pygls' URI helpers) run
    before the answer is written."""
    import subprocess

    message = frame(
        {"id": 1, "method": "initialize", "params": _params(workspace, CLIENTS["vscode"])}
    )
    done = subprocess.run(
        [sys.executable, "-c", _ANSWER_ONLY, message.decode()],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    report = json.loads(done.stdout)
    assert report["answered"]
    assert set(report["loaded"]) <= {"pygls.uris"}, report["loaded"]
