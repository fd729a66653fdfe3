"""A terminal question asked in a worker thread, whose wait for a line can be abandoned.

A read of stdin cannot be interrupted: a thread blocked in `input()` or
`sys.stdin.readline()` keeps waiting after Ctrl-C cancelled whoever asked, and the
interpreter then waits for it at exit (asyncio's pool threads are joined when the loop
closes and again when Python exits), so Orchestra hung until more ^C came and
Python printed its `threading._shutdown` traceback. A daemon thread would not be
joined, but `sys.stdin.readline()` holds stdin's buffer lock, which Python needs when
it closes stdin at exit. So the question runs in a daemon thread that reads the
descriptor itself (`os.read`, no lock of Python's), waiting with `select` on stdin and
on a pipe of its own: when the question is cancelled, a byte on the pipe ends the wait
and the thread returns; if the cancel never comes (a second ^C interrupted the
cleanup), nothing waits for the thread.

On a terminal in canonical mode (the kernel's line editing: Backspace, ^U, ^W), one
`read` returns one line, as `input()` without readline would.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import sys
import threading
from collections.abc import Callable
from typing import TextIO, TypeVar, cast

T = TypeVar("T")


class Abandoned(Exception):
    """The question was cancelled while its thread waited for a line."""


class InterruptibleLine:
    """`readline()` for rich's `Prompt.ask(stream=...)`: the next line typed on
    stdin (with its newline), EOFError at the end of input (Ctrl-D), Abandoned once
    `abandon()` was called, from any thread. `close()` releases the pipe."""

    def __init__(self, fd: int | None = None) -> None:
        self._fd = sys.stdin.fileno() if fd is None else fd
        self._encoding = sys.stdin.encoding or "utf-8"
        self._wake_read, self._wake_write = os.pipe()
        self._lock = threading.Lock()
        self._closed = False

    def readline(self) -> str:
        ready, _, _ = select.select([self._fd, self._wake_read], [], [])
        if self._wake_read in ready:
            raise Abandoned
        data = os.read(self._fd, 65536)
        if not data:
            raise EOFError
        return data.decode(self._encoding, errors="replace")

    def abandon(self) -> None:
        with self._lock:
            if not self._closed:
                os.write(self._wake_write, b"\0")

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                os.close(self._wake_read)
                os.close(self._wake_write)


async def ask_in_thread(question: Callable[[TextIO], T]) -> T:
    """`question(line)`, a blocking terminal prompt reading its answer from `line` (only
    its `readline()`: what rich's `Prompt.ask(stream=...)` calls), run in a thread of
    its own so the event loop (and cancellation) keeps going while the person thinks.
    Cancelled, it abandons the wait and the thread ends at once; its exceptions
    (EOFError at the end of input) are raised here.

    A daemon thread, not asyncio's pool: a second Ctrl-C lands wherever the loop is,
    and may come before the cancel reaches this coroutine; the pool's threads are
    joined when the loop closes and at exit, and one still waiting would hang there.
    The wait holds no lock of Python's (`os.read`, not `sys.stdin`), so an interpreter
    ending under it is not held up either."""
    loop = asyncio.get_running_loop()
    answered: asyncio.Future[T] = loop.create_future()
    line = InterruptibleLine()

    def settle(result: T | None, error: BaseException | None) -> None:
        if answered.done():
            return
        if error is not None:
            answered.set_exception(error)
        else:
            answered.set_result(cast(T, result))

    def work() -> None:
        try:
            result, error = question(cast(TextIO, line)), None
        except Abandoned:
            return
        except BaseException as raised:  # handed to the asker, who raises it
            result, error = None, raised
        finally:
            line.close()
        # The loop may have closed meanwhile (RuntimeError): nobody waits for the answer.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=work, name="orchestra-prompt", daemon=True).start()
    try:
        return await answered
    except asyncio.CancelledError:
        line.abandon()
        raise
