"""The editor's unsaved buffers, read through the client's `fs/read_text_file`.

ACP cannot list a client's open buffers, only read one file "including unsaved
changes", so the run's view asks for each file as a tool reads it (`LiveBuffers`).
A text equal to the disk's (line endings aside) is not a buffer: the disk's own
encoding and bytes stay the base of an edit. Only where the client offers
`fs.readTextFile`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from pathlib import Path

from acp.interfaces import Client

from acp import RequestError
from orchestra_lsp.changes import NotText, decode_text
from orchestra_lsp.tools import LiveBuffers

#: How long a tool waits for the client's answer, in seconds; then it reads the disk.
READ_TIMEOUT = 30.0


class ClientBuffers(LiveBuffers):
    """Buffers of one ACP session's client, fetched from the tools' worker threads
    (the view's reads run there); on the event loop's own thread only what was fetched
    already is known, since waiting there for the client would stall the loop."""

    def __init__(
        self, client: Client, session_id: str, root: Path, loop: asyncio.AbstractEventLoop
    ) -> None:
        super().__init__()
        self._client = client
        self._session_id = session_id
        self._root = root
        self._loop = loop
        self._loop_thread = threading.get_ident()

    def fetch(self, relative: str) -> str | None:
        if threading.get_ident() == self._loop_thread:
            known = self._seen.get(relative)
            return known[0] if known else None
        request = self._client.read_text_file(
            session_id=self._session_id, path=str(self._root / relative)
        )
        future = asyncio.run_coroutine_threadsafe(request, self._loop)
        try:
            text = future.result(READ_TIMEOUT).content
        except (RequestError, ConnectionError, concurrent.futures.TimeoutError):
            future.cancel()
            return None  # no such file, one the client will not read, or no answer
        return None if _same_as_disk(self._root / relative, text) else text


def _same_as_disk(path: Path, text: str) -> bool:
    try:
        disk, _ = decode_text(path.read_bytes())
    except OSError:
        return False  # not on disk: a buffer not saved yet
    except NotText:
        return True  # the view says it is binary, whatever the client decoded
    return _lines(disk) == _lines(text)


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n")
