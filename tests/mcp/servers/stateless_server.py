"""A server that speaks only MCP 2026-07-28 (no `initialize` handshake: it answers it
with -32022, naming the version it supports), where a server cannot send requests in
the middle of a call: its tool asks the person through the multi-round-trip style
instead. `plan_trip` returns `input_required` with a question, the client retries
with the answer, and the next question (built from that answer: the city's hotels)
comes back the same way, then the result. `nag` asks again whatever the answer.

The questions are the SDK's resolvers (`Resolve`), which take the 2026-07-28 path
here; the answers are taken whole (`ElicitationResult`) so a decline or a cancel
reaches the result instead of failing the call.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.elicitation import AcceptedElicitation, ElicitationResult
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.resolve import Elicit, Resolve
from mcp.shared.exceptions import MCPError
from mcp_types import (
    UNSUPPORTED_PROTOCOL_VERSION,
    ElicitRequest,
    ElicitRequestFormParams,
    InputRequiredResult,
)
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import BaseModel, Field, create_model

app = MCPServer("stateless")

HOTELS = {"Lisbon": ["Alfama Inn", "Tejo Rooms"], "Oslo": ["Fjord House", "Nord Hotel"]}


class Where(BaseModel):
    city: str = Field(description="Lisbon or Oslo")
    nights: int


def ask_where() -> Elicit[Where]:
    return Elicit("Where to, and for how long?", Where)


def ask_hotel(
    where: Annotated[ElicitationResult[Where], Resolve(ask_where)],
) -> Elicit[Any]:
    city = where.data.city if isinstance(where, AcceptedElicitation) else ""
    hotels = tuple(HOTELS.get(city, ["(none)"]))
    choice = create_model("Hotel", hotel=(Literal[hotels], ...))  # type: ignore[arg-type]  # a Literal of run-time values
    return Elicit(f"Which hotel in {city}?", choice)


@app.tool()
async def plan_trip(
    where: Annotated[ElicitationResult[Where], Resolve(ask_where)],
    hotel: Annotated[ElicitationResult[Any], Resolve(ask_hotel)],
) -> str:
    """Plan a trip, asking the person for the city, then for a hotel there."""
    if not isinstance(where, AcceptedElicitation):
        return f"stopped at question 1: {where.action}"
    if not isinstance(hotel, AcceptedElicitation):
        return f"stopped at question 2: {hotel.action}"
    return f"booked {hotel.data.hotel} in {where.data.city} for {where.data.nights} nights"


@app.tool()
async def nag() -> InputRequiredResult:
    """Ask for confirmation again whatever the answer: it never finishes."""
    form = ElicitRequestFormParams(
        message="Are you sure?",
        requested_schema={"type": "object", "properties": {"sure": {"type": "boolean"}}},
    )
    return InputRequiredResult(
        input_requests={"sure": ElicitRequest(params=form)}, request_state="again"
    )


async def modern_only(ctx: Any, call_next: Any) -> Any:
    """Refuse the handshake era, as a server that speaks only 2026-07-28 does."""
    if ctx.method == "initialize":
        raise MCPError(
            code=UNSUPPORTED_PROTOCOL_VERSION,
            message="Unsupported protocol version",
            data={"supported": list(MODERN_PROTOCOL_VERSIONS), "requested": "handshake"},
        )
    return await call_next(ctx)


app._lowlevel_server.middleware.append(modern_only)

if __name__ == "__main__":
    app.run()
