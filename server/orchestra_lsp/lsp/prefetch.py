"""The first `orchestra/commands` answer, computed by a child process while the server
itself starts.

An editor asks for the commands as soon as the server is initialized. Answering needs
the workspace loaded (pydantic, the definition models, YAML: a few hundred ms of
imports), and the server's own start (pygls, lsprotocol) takes about as long; in one
process, on the GIL, they add up. So `serve`, once `initialize` is answered
(`bootstrap`), starts this module's `main` in a child for the folder the client named,
before it imports pygls: the child loads the workspace from disk on another core,
prints the listing as JSON and exits, and the first request is answered from it at once
(`bootstrap.EarlyAnswers`, while pygls is still being imported; then the session,
while the engine is still being built). (A thread would not help: imports hold the GIL.)

The child's answer is the engine's answer: the same loader, reading the same files from
disk (the engine's first load reads no editor buffer either), through the same
`listing.commands_result`. It is used only for requests that arrive before the engine
is built, for the folder it was computed for, and it is dropped at the first sign that
the files changed (a save, a watched-file change, `orchestra.reload`: see
`Session.discard_prefetch`). When MCP servers are configured the listing includes
their prompts, which only the engine can list: the child then declines.

Wire format of the child's stdout: `{"root": PATH, "commands": CommandsResult | null}`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import subprocess

#: How the child is started: `-c`, not `-m`, which would import runpy first; neither
#: `subprocess` nor `threading` is imported in the child (they are the parent's).
_CHILD = f"from {__name__} import main; main()"


class CommandsPrefetch:
    """A running child computing the listing of `root`; `result()` once it is done."""

    def __init__(self, root: Path) -> None:
        import subprocess
        import threading

        self.root = root.resolve()
        self._answer: dict[str, Any] | None = None
        self._done = threading.Event()
        try:
            self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-c", _CHILD, str(self.root)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:  # no child here: the engine answers, a little later
            self._process = None
            self._done.set()
            return
        threading.Thread(target=self._collect, name="orchestra-prefetch", daemon=True).start()

    def _collect(self) -> None:
        assert self._process is not None
        try:
            out, _ = self._process.communicate()
            if self._process.returncode == 0:
                message = json.loads(out)
                if isinstance(message, dict) and message.get("root") == str(self.root):
                    commands = message.get("commands")
                    self._answer = commands if isinstance(commands, dict) else None
        except (OSError, ValueError):
            self._answer = None
        finally:
            self._done.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def result(self, timeout: float | None = None) -> dict[str, Any] | None:
        """The `orchestra/commands` result, or None (the child failed or declined, or
        `timeout` seconds passed). Blocks: call it from a thread unless `done`."""
        self._done.wait(timeout)
        return self._answer if self._done.is_set() else None

    def close(self) -> None:
        """Stop the child if it still runs (the server is leaving)."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()


def _listing(root: Path) -> dict[str, Any] | None:
    from orchestra_lsp.lsp import listing
    from orchestra_lsp.workspace import load_workspace

    workspace = load_workspace(root)
    if workspace.mcp_servers or not workspace.complete:
        return None  # their prompts are commands too / the engine says what failed
    return listing.commands_result(workspace.commands, workspace)


def main() -> None:
    root = Path(sys.argv[1]).resolve()
    answer = {"root": str(root), "commands": _listing(root)}
    sys.stdout.write(json.dumps(answer))
    sys.stdout.flush()
    os._exit(0)  # nothing to tidy: spare the interpreter's teardown


if __name__ == "__main__":
    main()
