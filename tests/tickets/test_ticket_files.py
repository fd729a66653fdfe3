"""Reading ticket files: the lenient parts (how people write criteria and comments)
and the promise that no input crashes the parser."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestra_lsp.tickets import Ticket, TicketFileError, parse_ticket

HEAD = "---\nkey: SHOP-1\ntitle: A title\nstatus: to do\n---\n"


def parse(body: str, head: str = HEAD) -> Ticket:
    return parse_ticket(head + body, "SHOP-1.md")


def test_status_is_read_in_any_case_and_given_canonically() -> None:
    assert parse("").status == "To Do"


def test_criteria_as_bullets_checkboxes_and_numbers_with_continuations() -> None:
    ticket = parse(
        "Intro.\n\n## Acceptance Criteria:\n"
        "Some prose before the list is not a criterion.\n\n"
        "- [ ] first,\n  continued\n* second\n3) third\n   also continued\n"
        "10. tenth\n\n## Notes\nMore description.\n"
    )
    assert ticket.acceptance_criteria == [
        "first, continued",
        "second",
        "third also continued",
        "tenth",
    ]
    assert ticket.description == "Intro.\n\n## Notes\nMore description."


def test_criteria_written_as_paragraphs() -> None:
    ticket = parse("## Acceptance criteria\nOne thing\non two lines.\n\nAnother thing.\n")
    assert ticket.acceptance_criteria == ["One thing on two lines.", "Another thing."]


def test_headings_inside_code_blocks_are_text() -> None:
    ticket = parse("```\n## Acceptance criteria\n- not one\n```\n")
    assert ticket.acceptance_criteria == []
    assert "## Acceptance criteria" in ticket.description


def test_comments_with_and_without_headings() -> None:
    ticket = parse(
        "## Comments\nA note without a heading.\n\n"
        "### Ana — 2025-01-02\nHello\n\\### escaped\n\n### Bo\nNo date.\n"
    )
    assert [(c.author, c.date, c.body) for c in ticket.comments] == [
        ("unknown", "", "A note without a heading."),
        ("Ana", "2025-01-02", "Hello\n### escaped"),
        ("Bo", "", "No date."),
    ]


def test_optional_fields_and_labels() -> None:
    head = "---\nkey: SHOP-1\ntitle: 12\nstatus: Done\nlabels: a, b\ncreated: 2025-01-01\n---\n"
    ticket = parse("", head)
    assert ticket.title == "12"
    assert ticket.labels == ["a", "b"]
    assert ticket.type is None


def test_missing_title_names_the_line() -> None:
    try:
        parse("", "---\nkey: SHOP-1\ntitle:\nstatus: Done\n---\n")
    except TicketFileError as error:
        assert str(error) == "SHOP-1.md:3: 'title' is missing or empty"
    else:
        raise AssertionError("no error")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_no_text_crashes_the_parser(text: str) -> None:
    for candidate in (text, HEAD + text, "---\n" + text):
        with contextlib.suppress(TicketFileError):
            parse_ticket(candidate, "X-1.md")


def test_values_yaml_cannot_build_are_file_errors() -> None:
    for field in ("created: 2025-13-45", "deep: " + "[" * 5000, "x: !!python/object:os.system {}"):
        head = f"---\nkey: SHOP-1\ntitle: t\nstatus: Done\n{field}\n---\n"
        try:
            parse("", head)
        except TicketFileError as error:
            assert error.file == "SHOP-1.md"
        else:
            raise AssertionError(f"no error for {field[:30]}")
