"""A call's time limit that stops while a person answers the server.

`[mcp] call_timeout_seconds` bounds how long a server may take, not how long a person
may think: while an elicitation the call is waiting on is with the person (one
question or several rounds of them), the limit is suspended, and it resumes with
what was left once they answer. The SDK's own request time-out cannot do this (it
counts the whole request), so the call runs under an `asyncio.timeout` this clock
reschedules.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator


class CallClock:
    def __init__(self) -> None:
        self._timeout: asyncio.Timeout | None = None
        self._left: float | None = None
        self._asking = 0

    @contextlib.asynccontextmanager
    async def running(self, seconds: float) -> AsyncIterator[None]:
        """Bound the body by `seconds` of the server's time. Raises TimeoutError."""
        async with asyncio.timeout(seconds) as timeout:
            self._timeout = timeout
            try:
                yield
            finally:
                self._timeout = None

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """The server waits for a person: stop the limit until they answer (nested
        and overlapping questions keep it stopped until the last is answered)."""
        timeout = self._timeout
        if timeout is None or timeout.expired():
            yield
            return
        loop = asyncio.get_running_loop()
        if self._asking == 0:
            when = timeout.when()
            self._left = None if when is None else max(when - loop.time(), 0.0)
            timeout.reschedule(None)
        self._asking += 1
        try:
            yield
        finally:
            self._asking -= 1
            # The call may have ended meanwhile (cancelled: Ctrl-C), its limit with it.
            ended = self._timeout is not timeout
            if self._asking == 0 and self._left is not None and not (ended or timeout.expired()):
                timeout.reschedule(loop.time() + self._left)
