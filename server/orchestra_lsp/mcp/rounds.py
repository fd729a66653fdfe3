"""The multi-round-trip style of asking (MCP 2026-07-28): instead of sending
`elicitation/create` in the middle of a call, a server answers `tools/call` (or
`prompts/get`, `resources/read`) with `input_required` carrying its questions; the
client answers them and sends the request again with the answers and the server's
opaque `requestState`, until a real result comes back.

The SDK's `Client` drives this loop too, but asks a round's questions concurrently;
here each goes to a person, so they are asked one after another, in the server's
order, through the same elicitation callback as the older style (the session's
`dispatch_input_request`), so both styles reach the person the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import mcp_types as types
from mcp.client.session import ClientRequestContext, ClientSession
from mcp.shared.exceptions import MCPError
from mcp_types import INTERNAL_ERROR

#: Rounds a request may take before it is given up (the SDK's default).
MAX_ROUNDS = 10
#: A round with state but no questions means "not ready yet": wait, doubling to a cap.
_FIRST_WAIT, _MOST_WAIT = 0.05, 0.25

R = TypeVar("R")
#: Sends the request: `(answers, request_state) -> result`, both None the first time.
Send = Callable[[types.InputResponses | None, str | None], Awaitable[R | types.InputRequiredResult]]


async def resolved(session: ClientSession, send: Send[R]) -> R:
    """Send a request and answer its rounds of questions until its final result.

    Raises MCPError after MAX_ROUNDS (a server that never stops asking), and when an
    answer is an error (a request type this client does not serve: sampling, roots).
    """
    current, rounds, wait = await send(None, None), 0, _FIRST_WAIT
    while isinstance(current, types.InputRequiredResult):
        rounds += 1
        if rounds > MAX_ROUNDS:
            message = f"still asking for input after {MAX_ROUNDS} rounds; given up"
            raise MCPError(code=INTERNAL_ERROR, message=message)
        answers: types.InputResponses = {}
        for key, request in (current.input_requests or {}).items():
            context = ClientRequestContext(session=session, request_id=key)
            answer = await session.dispatch_input_request(context, request)
            if isinstance(answer, types.ErrorData):
                raise MCPError.from_error_data(answer)
            answers[key] = answer
        if answers:
            wait = _FIRST_WAIT
        else:
            await asyncio.sleep(wait)
            wait = min(wait * 2, _MOST_WAIT)
        current = await send(answers or None, current.request_state)
    return current
