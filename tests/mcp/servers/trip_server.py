"""A server whose one tool asks the person three times in one call, each question
built from the answers before it: where and how long (a form), which hotel there (a
choice among that city's hotels), then whether to book (yes/no). The result names
every answer, or the question at which the person stopped and how."""

from __future__ import annotations

from typing import Literal

from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel, Field, create_model

app = MCPServer("trip")

HOTELS = {"Lisbon": ["Alfama Inn", "Tejo Rooms"], "Oslo": ["Fjord House", "Nord Hotel"]}


class Where(BaseModel):
    city: str = Field(description="Lisbon or Oslo")
    nights: int


class Confirm(BaseModel):
    book: bool


@app.tool()
async def plan_trip(ctx: Context) -> str:
    """Plan a trip, asking the person for the city, the hotel and a confirmation."""
    where = await ctx.elicit("Where to, and for how long?", Where)
    if where.action != "accept":
        return f"stopped at question 1: {where.action}"
    city, nights = where.data.city, where.data.nights
    if city not in HOTELS:
        return f"no hotels known in {city}"
    # The second question exists only once the first is answered: its choices are
    # that city's hotels.
    choice = create_model("Hotel", hotel=(Literal[tuple(HOTELS[city])], ...))  # type: ignore[arg-type]  # a Literal of run-time values
    hotel = await ctx.elicit(f"Which hotel in {city}?", choice)
    if hotel.action != "accept":
        return f"stopped at question 2: {hotel.action}"
    name = hotel.data.hotel  # type: ignore[attr-defined]
    sure = await ctx.elicit(f"Book {name} in {city} for {nights} nights?", Confirm)
    if sure.action != "accept":
        return f"stopped at question 3: {sure.action}"
    if not sure.data.book:
        return f"not booked: {name} in {city}"
    return f"booked {name} in {city} for {nights} nights"


if __name__ == "__main__":
    app.run()
