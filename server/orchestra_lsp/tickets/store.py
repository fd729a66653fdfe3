"""The tickets folder: find, read, search and update ticket files.

Updates edit the file's text in place (the front matter's `status:` line, a comment
appended to `## Comments`) instead of re-serialising the ticket, so a person's
formatting and any fields the tools do not know survive. Every update is parsed back
before it is written, and written atomically, so a tool never leaves a ticket the
tools cannot read.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from pathlib import Path

from pydantic import BaseModel

from orchestra_lsp.changes.files import write_atomic
from orchestra_lsp.tickets.model import (
    STATUSES,
    Comment,
    SearchResult,
    Ticket,
    TicketSummary,
)
from orchestra_lsp.tickets.parse import (
    COMMENTS_HEADING,
    TicketFileError,
    canonical_status,
    parse_ticket,
    split_front_matter,
)

#: A key as Jira writes it; also what a ticket's file name must be (`SHOP-12.md`).
KEY = re.compile(r"^[A-Z][A-Z0-9_]*-[0-9]+$")
_SECTION = re.compile(r"^##(?!#)\s+(?P<title>.*?)\s*#*\s*$")
_STATUS_LINE = re.compile(r"^status\s*:")


class TicketError(Exception):
    """A request the tools refuse (unknown ticket, bad status, empty comment)."""


class Transition(BaseModel):
    key: str
    previous_status: str
    status: str
    changed: bool


class CommentAdded(BaseModel):
    key: str
    comment: Comment
    comment_count: int


class TicketStore:
    """Tickets in one folder, one `<KEY>.md` file each. Other files are ignored."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()
        self._writing = threading.Lock()

    def keys(self) -> list[str]:
        """Keys of the ticket files present, in project then number order."""
        if not self.folder.is_dir():
            raise TicketError(f"the tickets folder {self.folder} does not exist")
        keys = [path.stem for path in self.folder.glob("*.md") if KEY.match(path.stem)]
        return sorted(keys, key=_key_order)

    def get(self, key: str) -> Ticket:
        path = self._path(key)
        return self._parse(path, _read(path))

    def search(self, query: str | None = None, status: str | None = None) -> SearchResult:
        """Tickets whose text contains every word of `query` (any case), optionally in
        one status. Unreadable files are listed, not fatal: one bad file must not hide
        the others."""
        wanted_status = _checked_status(status) if status else None
        words = (query or "").casefold().split()
        found: list[TicketSummary] = []
        unreadable: list[str] = []
        for key in self.keys():
            try:
                ticket = self.get(key)
            except (TicketFileError, TicketError) as error:
                unreadable.append(str(error))
                continue
            if wanted_status and ticket.status != wanted_status:
                continue
            if all(word in _searchable(ticket) for word in words):
                found.append(
                    TicketSummary(
                        key=ticket.key, title=ticket.title, status=ticket.status, type=ticket.type
                    )
                )
        return SearchResult(tickets=found, unreadable=unreadable)

    def add_comment(self, key: str, body: str, author: str = "Orchestra") -> CommentAdded:
        body = body.strip()
        if not body:
            raise TicketError("the comment is empty")
        author = " ".join(author.split()) or "Orchestra"
        date = dt.date.today().isoformat()
        with self._writing:
            path = self._path(key)
            text = _read(path)
            self._parse(path, text)  # never append to a file the tools cannot read
            updated = _with_comment(text, f"### {author} · {date}", _escaped(body))
            ticket = self._parse(path, updated)
            _write(path, updated)
        return CommentAdded(
            key=ticket.key, comment=ticket.comments[-1], comment_count=len(ticket.comments)
        )

    def transition(self, key: str, status: str) -> Transition:
        target = _checked_status(status)
        with self._writing:
            path = self._path(key)
            text = _read(path)
            before = self._parse(path, text)
            if before.status == target:
                return Transition(
                    key=before.key, previous_status=target, status=target, changed=False
                )
            updated = _with_status(text, target, path.name)
            after = self._parse(path, updated)
            _write(path, updated)
        return Transition(key=after.key, previous_status=before.status, status=target, changed=True)

    def _path(self, key: str) -> Path:
        normal = key.strip().upper()
        if not KEY.match(normal):
            raise TicketError(f"{key!r} is not a ticket key (like SHOP-12)")
        path = self.folder / f"{normal}.md"
        if not path.is_file():
            known = ", ".join(self.keys()) or "none"
            raise TicketError(f"ticket {normal} not found (tickets: {known})")
        return path

    def _parse(self, path: Path, text: str) -> Ticket:
        ticket = parse_ticket(text, path.name)
        if ticket.key.upper() != path.stem:
            raise TicketFileError(
                path.name, f"its key {ticket.key!r} does not match the file name", 2
            )
        return ticket


def _key_order(key: str) -> tuple[str, int]:
    project, _, number = key.rpartition("-")
    return project, int(number)


def _checked_status(status: str) -> str:
    canonical = canonical_status(status)
    if canonical is None:
        raise TicketError(f"unknown status {status!r} (allowed: {', '.join(STATUSES)})")
    return canonical


def _searchable(ticket: Ticket) -> str:
    parts = [ticket.key, ticket.title, ticket.description, *ticket.acceptance_criteria]
    parts += [ticket.type or "", *ticket.labels, *(c.body for c in ticket.comments)]
    return "\n".join(parts).casefold()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise TicketFileError(path.name, f"not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise TicketError(f"cannot read {path.name}: {error.strerror}") from None


def _write(path: Path, text: str) -> None:
    """Replace the file atomically: a reader sees the old or the new ticket, never half."""
    write_atomic(path, text)


def _escaped(body: str) -> str:
    """A comment line starting with `#` would read back as a heading; a backslash
    keeps it text (Markdown shows it unchanged, the parser strips the backslash)."""
    return "\n".join(f"\\{line}" if line.startswith("#") else line for line in body.splitlines())


def _with_comment(text: str, heading: str, body: str) -> str:
    """Insert the comment at the end of the `## Comments` section, adding the section
    at the end of the file when there is none."""
    lines = text.splitlines()
    start = next(
        (
            index
            for index, line in enumerate(lines)
            if (match := _SECTION.match(line))
            and match.group("title").rstrip(":").casefold() == COMMENTS_HEADING
        ),
        None,
    )
    block = [heading, "", *body.splitlines()]
    if start is None:
        return "\n".join([*_trimmed(lines), "", "## Comments", "", *block]) + "\n"
    end = next((i for i in range(start + 1, len(lines)) if _SECTION.match(lines[i])), len(lines))
    head, tail = _trimmed(lines[:end]), lines[end:]
    return "\n".join([*head, "", *block, *([""] if tail else []), *tail]) + "\n"


def _trimmed(lines: list[str]) -> list[str]:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def _with_status(text: str, status: str, file: str) -> str:
    _, _, body_line = split_front_matter(text, file)
    lines = text.splitlines(keepends=True)
    for index in range(1, body_line - 2):  # the front matter's lines, fences excluded
        if _STATUS_LINE.match(lines[index]):
            ending = lines[index][len(lines[index].rstrip("\r\n")) :]
            lines[index] = f"status: {status}{ending}"
            return "".join(lines)
    raise TicketFileError(file, "no 'status:' line in the front matter", 1)
