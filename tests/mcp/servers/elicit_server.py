"""A server that asks the person for input in the middle of a call: `book` in form mode
(a date, a number of guests, a yes/no), `login` in URL mode."""

from __future__ import annotations

from mcp.server.mcpserver import Context, MCPServer
from pydantic import BaseModel, Field

app = MCPServer("elicit")


class Booking(BaseModel):
    date: str = Field(description="YYYY-MM-DD")
    guests: int
    vegetarian: bool = False


@app.tool()
async def book(ctx: Context) -> str:
    """Book a table, asking the person for the details."""
    answer = await ctx.elicit("Details of the booking?", Booking)
    if answer.action != "accept":
        return f"booking {answer.action}d"
    data = answer.data
    return f"booked {data.date} for {data.guests} (vegetarian={data.vegetarian})"


@app.tool()
async def login(ctx: Context) -> str:
    """Ask the person to log in on a page."""
    answer = await ctx.elicit_url("Log in to continue", "https://example.test/login", "e-1")
    return f"login {answer.action}"


if __name__ == "__main__":
    app.run()
