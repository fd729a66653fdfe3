"""The workspace this server serves: its root folder and its engine.

The engine (and with it the workspace loader and the pydantic models of every file
kind; not its run loop, which the first run imports) is imported and built in a
thread after `initialize` has been answered,
so the editor gets its answer fast; requests that need it simply wait for it. What
only a run needs (the model SDK, the MCP SDK: some 40 MiB) is imported when the first
run (or MCP login) asks for it, in a thread of its own: an idle server stays small, the
palette and code actions never wait for it, and the first run does (a second or so),
while the editor's requests are still answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orchestra_lsp.engine import Engine
    from orchestra_lsp.lsp.prefetch import CommandsPrefetch

Buffers = Callable[[], Mapping[str, tuple[str, int]]]

#: How long the first `orchestra/commands` waits for the prefetch child before asking
#: the engine instead (which is being built meanwhile).
PREFETCH_WAIT_SECONDS = 10.0


class Session:
    def __init__(self, root: Path, prefetch: CommandsPrefetch | None = None) -> None:
        self.root = root.resolve()
        self._engine: asyncio.Task[Engine] | None = None
        self._warm: asyncio.Task[None] | None = None
        self._buffers: Buffers | None = None
        self._prefetch = prefetch
        """The first `orchestra/commands` answer, computed by a child (`prefetch`)."""

    async def prefetched_commands(self) -> dict[str, Any] | None:
        """The listing the prefetch child computed (or the stored one), while the engine
        is not built yet and nothing has changed since; else None (ask the engine).
        The first `orchestra/commands` and the code actions asked meanwhile use it."""
        prefetch = self._prefetch
        if prefetch is None or prefetch.root != self.root:
            self.discard_prefetch()
            return None
        if self._engine is not None and self._engine.done():
            self.discard_prefetch()  # the engine answers as fast, and is in force
            return None
        if prefetch.done:
            return prefetch.result()
        waiting = asyncio.ensure_future(asyncio.to_thread(prefetch.result, PREFETCH_WAIT_SECONDS))
        racing = {waiting} if self._engine is None else {waiting, self._engine}
        await asyncio.wait(racing, return_when=asyncio.FIRST_COMPLETED)
        if not waiting.done() or prefetch is not self._prefetch:  # engine first, or discarded
            return None
        return waiting.result()

    def discard_prefetch(self) -> None:
        """Forget the prefetched listing: the files may have changed since it was read."""
        if self._prefetch is not None:
            self._prefetch.close()
            self._prefetch = None

    def start(self, root: Path, buffers: Buffers) -> None:
        """Build the engine for `root` in the background (once)."""
        if self._engine is None:
            self.root = root.resolve()
            self._buffers = buffers
            self._engine = asyncio.create_task(asyncio.to_thread(_build, self.root, buffers))
            self._warm = None

    async def switch(self, root: Path, buffers: Buffers) -> None:
        """Serve `root` instead: its engine is built, the old one's runs are stopped."""
        old = self._engine
        self._engine = None
        self.start(root, buffers)
        if old is not None:
            if not old.done():
                await asyncio.wait({old})
            if not old.cancelled() and old.exception() is None:
                await old.result().aclose()

    async def engine(self) -> Engine:
        """The engine, waiting for it to be built if need be.

        Should a build have failed, the next request builds it again (the files may
        have been fixed since): a failure answers one request, not every later one.
        """
        if self._engine is None or self._buffers is None:
            raise RuntimeError("the server has not been initialized")
        task = self._engine
        if task.done() and not task.cancelled() and task.exception() is not None:
            task = self._engine = asyncio.create_task(
                asyncio.to_thread(_build, self.root, self._buffers)
            )
        return await asyncio.shield(task)

    async def runner(self) -> Engine:
        """The engine once what a run imports is imported too: a run started earlier
        would import the model SDK on the event loop and hold every request meanwhile."""
        engine = await self.engine()
        if self._warm is None:
            self._warm = asyncio.create_task(self._warm_up(engine))
        await asyncio.shield(self._warm)
        return engine

    async def _warm_up(self, engine: Engine) -> None:
        await _in_daemon_thread(engine.warm_up)

    async def aclose(self) -> None:
        """Stop the engine's runs and close its model client and MCP servers."""
        self.discard_prefetch()
        if self._engine is not None and self._engine.done() and not self._engine.exception():
            await self._engine.result().aclose()


async def _in_daemon_thread(function: Callable[[], None]) -> None:
    """`function()` in a daemon thread: unlike `asyncio.to_thread`'s pool, which
    `asyncio.run` and the interpreter join on the way out, the process does not wait
    for it, so an `exit` during the warm-up (`Engine.warm_up`: imports, seconds on a
    busy machine) is obeyed at once. Only for work that may be abandoned halfway."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def settle() -> None:
        if not done.done():
            done.set_result(None)

    def work() -> None:
        try:
            function()
        finally:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: exiting
                loop.call_soon_threadsafe(settle)

    threading.Thread(target=work, name="orchestra-warm-up", daemon=True).start()
    await done


def _build(root: Path, buffers: Buffers) -> Engine:
    from orchestra_lsp.engine import Engine

    return Engine(root, buffers=buffers)
