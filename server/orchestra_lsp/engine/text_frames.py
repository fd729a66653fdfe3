"""The model's streamed text, handed on in frames rather than token by token.

A model streams its answer in many small deltas (a word or two each); front ends draw
text, and an editor gains nothing from a notification per word. Text is gathered for at
most one frame (:data:`FRAME_SECONDS`) and handed on as one `text_delta`, so a long
answer costs a front end, the journal and the LSP connection a few dozen events, not
thousands, while a person still sees it appear as it is written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

FRAME_SECONDS = 0.016
"""How long text may wait: about one screen refresh."""


class TextFrames:
    """Gathers text from :meth:`add` and passes it to `deliver` once per frame.

    :meth:`flush` hands on what is gathered at once: call it before anything that
    must come after the text (the turn's end, a retry, another event).
    """

    def __init__(self, deliver: Callable[[str], None], frame: float = FRAME_SECONDS) -> None:
        self._deliver = deliver
        self._frame = frame
        self._parts: list[str] = []
        self._timer: asyncio.TimerHandle | None = None

    def add(self, text: str) -> None:
        """Gather `text`; the first piece of a frame starts its timer."""
        self._parts.append(text)
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._frame, self.flush)

    def flush(self) -> None:
        """Hand on the gathered text now (nothing when none is gathered)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._parts:
            text = "".join(self._parts)
            self._parts = []
            self._deliver(text)
