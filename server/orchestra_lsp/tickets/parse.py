"""Read one ticket file (YAML front matter + Markdown sections) into a `Ticket`.

Parsing is strict about what the tools promise (a key, a title, a known status) and
lenient about the rest, because tickets are written by people: unknown front-matter
fields are ignored, any `##` section other than the criteria and the comments stays
part of the description, and criteria may be numbered or bulleted.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from orchestra_lsp.tickets.model import STATUSES, Comment, Ticket

CRITERIA_HEADING = "acceptance criteria"
COMMENTS_HEADING = "comments"

_FENCE = "---"
_SECTION = re.compile(r"^##(?!#)\s+(?P<title>.*?)\s*#*\s*$")
_COMMENT = re.compile(r"^###(?!#)\s+(?P<title>.*?)\s*$")
_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,3}[.)])\s+(?:\[[ xX]\]\s+)?(?P<text>.*)$")
_AUTHOR_DATE = re.compile(r"^(?P<author>.*?)\s+(?:·|—|–|-{1,2})\s+(?P<date>.+)$")
#: A comment line that would read as a heading is stored with a backslash before it.
_ESCAPED_HEADING = re.compile(r"^\\(?=#)")


class TicketFileError(ValueError):
    """A file that is not a readable ticket; says which file and, when known, which line."""

    def __init__(self, file: str, message: str, line: int | None = None) -> None:
        self.file, self.message, self.line = file, message, line
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {message}")


def canonical_status(value: str) -> str | None:
    """The status as `STATUSES` spells it, whatever the letter case; None if unknown."""
    wanted = " ".join(value.split()).casefold()
    return next((status for status in STATUSES if status.casefold() == wanted), None)


def split_front_matter(text: str, file: str) -> tuple[list[str], list[str], int]:
    """(front-matter lines, body lines, 1-based line number of the first body line)."""
    lines = text.removeprefix("\ufeff").splitlines()
    if not lines or lines[0].strip() != _FENCE:
        raise TicketFileError(file, "no YAML front matter: the first line must be '---'", 1)
    for index in range(1, len(lines)):
        if lines[index].strip() in (_FENCE, "..."):
            return lines[1:index], lines[index + 1 :], index + 2
    raise TicketFileError(file, "the front matter has no closing '---' line", 1)


def parse_ticket(text: str, file: str) -> Ticket:
    """Parse a ticket file's text; `file` only names it in errors and in the result."""
    front, body, _ = split_front_matter(text, file)
    fields = _front_matter(front, file)
    sections = _sections(body)
    return Ticket(
        key=_required(fields, "key", front, file),
        title=_required(fields, "title", front, file),
        status=_status(fields, front, file),
        type=_optional(fields, "type"),
        priority=_optional(fields, "priority"),
        assignee=_optional(fields, "assignee"),
        reporter=_optional(fields, "reporter"),
        labels=_labels(fields.get("labels")),
        description="\n".join(sections.get("", [])).strip(),
        acceptance_criteria=_criteria(sections.get(CRITERIA_HEADING, [])),
        comments=_comments(sections.get(COMMENTS_HEADING, [])),
        file=file,
    )


def _front_matter(lines: list[str], file: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load("\n".join(lines))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        raise TicketFileError(file, f"front matter is not valid YAML: {problem}", line) from None
    except (ValueError, RecursionError) as error:
        # PyYAML lets a few values escape as other errors: an impossible date
        # (`2025-13-45`) as ValueError, very deep nesting as RecursionError.
        raise TicketFileError(file, f"front matter has an unreadable value: {error}") from None
    if not isinstance(data, dict):
        raise TicketFileError(file, "front matter must be a mapping of fields (key: value)", 2)
    return {str(name): value for name, value in data.items()}


def _line_of(field: str, lines: list[str]) -> int:
    """1-based file line of a front-matter field, or of the front matter's start."""
    for index, line in enumerate(lines):
        if line.startswith(f"{field}:"):
            return index + 2
    return 1


def _required(fields: dict[str, Any], name: str, lines: list[str], file: str) -> str:
    value = fields.get(name)
    if value is None or isinstance(value, (dict, list)) or not str(value).strip():
        raise TicketFileError(file, f"'{name}' is missing or empty", _line_of(name, lines))
    return str(value).strip()


def _optional(fields: dict[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value).strip() or None


def _status(fields: dict[str, Any], lines: list[str], file: str) -> str:
    written = _required(fields, "status", lines, file)
    status = canonical_status(written)
    if status is None:
        allowed = ", ".join(STATUSES)
        message = f"unknown status {written!r} (allowed: {allowed})"
        raise TicketFileError(file, message, _line_of("status", lines))
    return status


def _labels(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(item).strip() for item in value if str(item).strip()]
    if isinstance(value, str):
        return [label.strip() for label in value.split(",") if label.strip()]
    return []


def _sections(body: list[str]) -> dict[str, list[str]]:
    """Body lines grouped by `##` section: the criteria, the comments, and "" for the
    description (the text before any section and every other section, headings kept)."""
    sections: dict[str, list[str]] = {"": []}
    current = ""
    in_code = False
    for line in body:
        if line.lstrip().startswith("```"):
            in_code = not in_code
        heading = None if in_code else _SECTION.match(line)
        if heading is not None:
            title = heading.group("title").strip().rstrip(":").casefold()
            if title in (CRITERIA_HEADING, COMMENTS_HEADING):
                current = title
                sections.setdefault(current, [])
                continue
            current = ""
        sections[current].append(line)
    return sections


def _criteria(lines: list[str]) -> list[str]:
    """List items in order; indented lines continue an item. A section written as
    paragraphs instead of a list gives one criterion per paragraph."""
    items: list[list[str]] = []
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        item = _ITEM.match(line)
        if item is not None:
            items.append([item.group("text").strip()])
        elif line.strip() and items and (line.startswith((" ", "\t")) or items[-1][-1]):
            items[-1].append(line.strip())
        elif not line.strip() and items:
            items[-1].append("")
        if line.strip():
            paragraphs[-1].append(line.strip())
        elif paragraphs[-1]:
            paragraphs.append([])
    chosen = items if items else paragraphs
    return [" ".join(part for part in parts if part) for parts in chosen if any(parts)]


def _comments(lines: list[str]) -> list[Comment]:
    """One comment per `###` heading; text before the first heading (a hand-written
    comment without one) is kept as a comment by "unknown" rather than dropped."""
    blocks: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in lines:
        heading = _COMMENT.match(line)
        if heading is not None:
            blocks.append((heading.group("title"), []))
        else:
            blocks[-1][1].append(line)
    comments: list[Comment] = []
    for title, text in blocks:
        body = "\n".join(_ESCAPED_HEADING.sub("", line) for line in text).strip()
        if title is None and not body:
            continue
        author, date = _author_and_date(title or "")
        comments.append(Comment(author=author or "unknown", date=date, body=body))
    return comments


def _author_and_date(title: str) -> tuple[str, str]:
    match = _AUTHOR_DATE.match(title)
    if match is None:
        return title.strip(), ""
    return match.group("author").strip(), match.group("date").strip()
