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
Side by side only with cores to spare: on a busy machine the two processes would share
one core's worth of time, and the server waits for the child before it imports pygls
(`yield_cpu`): the listing comes in half the time, and the server is up no later.

The child's answer is the engine's answer: the same loader, reading the same files from
disk (the engine's first load reads no editor buffer either), through the same
`listing.commands_result`. It is used only for requests that arrive before the engine
is built, for the folder it was computed for, and it is dropped at the first sign that
the files changed (a save, a watched-file change, `orchestra.reload`: see
`Session.discard_prefetch`). When MCP servers are configured the listing includes
their prompts, which only the engine can list: the child then declines.

The child also records every outside fact its load consulted (`workspace.inputs`) and,
after printing, stores the listing with them (`workspace.result_cache`, as `listing`).
The next server on that folder verifies the stored listing before it starts a child
(right after `initialize` is answered, before pygls is imported): if every fact holds
and Orchestra, Python and the installed distributions are the same, that listing is
the answer at once and no child runs. A folder with no listing of its own (a first
start there) may reuse one stored for another folder whose facts, read relative to
this folder, all hold: a folder with no definitions of its own lists what every such
folder lists, the built-ins and the person's own (`result_cache`, relocation: only
listings that name nothing under their folder, while nothing they depend on is
ambiguous). With nothing stored at all (the first start on this machine), such a
folder whose person defines nothing either gets the listing Orchestra was built with
(`workspace/shipped_listing.py`). Otherwise the child computes it as above. A load
whose recording is incomplete, or a listing the child declines, is not stored.

Wire format of the child's stdout: `{"root": PATH, "commands": CommandsResult | null}`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestra_lsp.workspace import inputs

if TYPE_CHECKING:
    import subprocess
    from collections.abc import Callable

#: How the child is started: `-c`, not `-m`, which would import runpy first; neither
#: `subprocess` nor `threading` is imported in the child (they are the parent's).
_CHILD = f"from {__name__} import main; main()"


#: The listing's entries in the cache (`result_cache`).
CACHE_NAME = "listing"

#: The child's environment, beyond the server's: pydantic would otherwise read every
#: installed distribution's entry points for plugins (which only observe validation,
#: never change it) before its first model is built.
_CHILD_ENVIRONMENT = {"PYDANTIC_DISABLE_PLUGINS": "__all__"}

#: `yield_cpu` runs the server's start beside the child only with this many cores to
#: spare (one for each process, give or take the load's noise).
PARALLEL_SPARE_CORES = 1.5
#: How long `yield_cpu` waits for the child at most: its work is a few hundred ms of CPU,
#: but a machine busy enough to need the wait stretches that to seconds, and a server
#: that stops waiting halfway only slows the child down again.
YIELD_SECONDS = 5.0


def spare_cores() -> float:
    """The cores this process may run on minus the machine's load (its one-minute
    average of runnable tasks); `inf` where the platform cannot tell."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    try:
        return cores - os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows; no load average
        return float("inf")


class CommandsPrefetch:
    """The listing of `root`: the stored one when its inputs hold (`stored` is then
    True), else a running child computing it; `result()` once it is done."""

    def __init__(self, root: Path) -> None:
        import threading

        from orchestra_lsp.workspace import result_cache

        self.root = root.resolve()
        self._answer: dict[str, Any] | None = result_cache.cached(
            CACHE_NAME, self.root, relocate=True
        )
        if self._answer is None:  # a first start: in a folder that defines nothing,
            # the listing Orchestra was built with (`shipped_listing`)
            from orchestra_lsp.workspace import shipped_listing

            self._answer = shipped_listing.listing(self.root)
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []
        self._process: subprocess.Popen[bytes] | None = None
        self.stored = self._answer is not None
        """Whether the listing is a stored or the shipped one (no child was started)."""
        if self.stored:
            self._finish()
            return
        import subprocess

        try:
            self._process = subprocess.Popen(
                [sys.executable, "-c", _CHILD, str(self.root)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env={**os.environ, **_CHILD_ENVIRONMENT},
            )
        except OSError:  # no child here: the engine answers, a little later
            self._process = None
            self._finish()
            return
        threading.Thread(target=self._collect, name="orchestra-prefetch", daemon=True).start()

    def _collect(self) -> None:
        process = self._process
        assert process is not None and process.stdout is not None
        try:
            # To the end of its stdout, not its exit: it closes stdout once it has
            # printed, and stores the listing after that.
            message = json.loads(process.stdout.read())
            if isinstance(message, dict) and message.get("root") == str(self.root):
                commands = message.get("commands")
                self._answer = commands if isinstance(commands, dict) else None
        except (OSError, ValueError):
            self._answer = None
        finally:
            self._finish()
        process.wait()

    def _finish(self) -> None:
        with self._lock:
            self._done.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def on_done(self, callback: Callable[[], None]) -> None:
        """Call `callback` (no arguments, from any thread) once the listing is ready or
        known to be missing; at once if it is already."""
        with self._lock:
            if not self._done.is_set():
                self._callbacks.append(callback)
                return
        callback()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def yield_cpu(self, timeout: float = YIELD_SECONDS, spare: float | None = None) -> None:
        """Wait for the child (at most `timeout` seconds) unless the machine has about
        two cores to spare (`spare`: `spare_cores()` unless given).

        What the server does next (importing pygls: about half a second of CPU) would
        otherwise take the core the child needs, and on a busy machine both would end
        late: the first listing after twice its time, the server itself no sooner.
        With cores to spare, they run side by side."""
        if self.done:
            return
        if (spare_cores() if spare is None else spare) >= PARALLEL_SPARE_CORES:
            return
        self._done.wait(timeout)

    def result(self, timeout: float | None = None) -> dict[str, Any] | None:
        """The `orchestra/commands` result, or None (the child failed or declined, or
        `timeout` seconds passed). Blocks: call it from a thread unless `done`."""
        self._done.wait(timeout)
        return self._answer if self._done.is_set() else None

    def close(self) -> None:
        """Stop the child if it is still computing (the server is leaving, or the files
        changed). One that has answered is only storing its listing, with the facts it
        read: it is left to finish (milliseconds) so that the next start can reuse it."""
        if self._process is not None and not self.done and self._process.poll() is None:
            self._process.kill()


def _listing(root: Path) -> tuple[dict[str, Any] | None, inputs.Recording]:
    """The listing of `root` (None: left to the engine) and what its load consulted."""
    from orchestra_lsp.lsp import listing
    from orchestra_lsp.workspace import load_workspace

    with inputs.recording() as recording:
        workspace = load_workspace(root)
        if workspace.mcp_servers or not workspace.complete:
            return None, recording  # their prompts are commands too / the engine says
        # No secret can be in it: they come from MCP servers' configuration only.
        return listing.commands_result(workspace.commands, workspace), recording


def main() -> None:
    root = Path(sys.argv[1]).resolve()
    commands, recording = _listing(root)
    sys.stdout.write(json.dumps({"root": str(root), "commands": commands}))
    sys.stdout.flush()
    os.close(1)  # the server has its answer: storing it is no longer on its way
    if commands is not None:
        from orchestra_lsp.workspace import result_cache

        result_cache.store(CACHE_NAME, root, recording, commands, relocatable=True)
    os._exit(0)  # nothing to tidy: spare the interpreter's teardown


if __name__ == "__main__":
    main()
