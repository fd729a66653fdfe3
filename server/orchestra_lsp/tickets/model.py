"""What the ticket tools return: plain pydantic models, so MCP clients get both a
JSON text block and structured content with a schema."""

from __future__ import annotations

from pydantic import BaseModel, Field

#: The workflow's statuses, in order. Jira-like names, so prompts written for Jira read
#: the same here; `transition` accepts them in any letter case.
STATUSES: tuple[str, ...] = ("To Do", "In Progress", "In Review", "Ready for QA", "Done")


class Comment(BaseModel):
    author: str
    date: str = Field(description="As written in the file, e.g. 2025-03-03; may be empty")
    body: str


class Ticket(BaseModel):
    key: str
    title: str
    status: str
    type: str | None = None
    priority: str | None = None
    assignee: str | None = None
    reporter: str | None = None
    labels: list[str] = Field(default_factory=list)
    description: str = Field(description="Everything but the criteria and the comments")
    acceptance_criteria: list[str] = Field(description="One entry per criterion, in order")
    comments: list[Comment] = Field(default_factory=list, description="Oldest first")
    file: str = Field(description="The ticket's file, relative to the tickets folder")


class TicketSummary(BaseModel):
    key: str
    title: str
    status: str
    type: str | None = None


class SearchResult(BaseModel):
    tickets: list[TicketSummary]
    unreadable: list[str] = Field(
        default_factory=list,
        description="Files that could not be read as tickets, with the reason",
    )
