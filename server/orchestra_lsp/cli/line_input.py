"""A terminal question asked in a worker thread, whose wait for a line can be abandoned.

A read of stdin cannot be interrupted: a thread blocked in `input()` or
`sys.stdin.readline()` keeps waiting after Ctrl-C cancelled whoever asked, and the
interpreter then waits for it at exit (asyncio's pool threads are joined when the loop
closes and again when Python exits), so Orchestra hung until more ^C came and
Python printed its `threading._shutdown` traceback. A daemon thread would not be
joined, but it holds stdin's buffer lock, which Python needs when it closes stdin at
exit. So the thread waits with `select` on stdin and on a pipe of its own: when the
question is cancelled, a byte on the pipe ends the wait and the thread returns.

On a terminal in canonical mode (the kernel's line editing: Backspace, ^U, ^W), one
`read` returns one line, as `input()` without readline would.
"""

from __future__ import annotations

import asyncio
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
    its `readline()`: what rich's `Prompt.ask(stream=...)` calls), run
    in a worker thread so the event loop (and cancellation) keeps going while the
    person thinks. Cancelled, it abandons the wait and the thread ends at once; its
    exceptions (EOFError at the end of input) are raised here."""
    line = InterruptibleLine()

    def work() -> T:
        try:
            return question(cast(TextIO, line))
        finally:
            line.close()

    try:
        return await asyncio.to_thread(work)
    except asyncio.CancelledError:
        line.abandon()
        raise
