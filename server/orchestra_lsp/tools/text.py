"""Showing file text to a model: numbered lines, bounded, long lines cut.

Lines end at `\\n`, `\\r\\n` or a lone `\\r`, as the editor (LSP) counts them, so a
line number `read_file` shows is the one `edit` uses and the one the person sees.
(ripgrep, behind `search` on disk, ends lines only at `\\n`: the numbers differ in
the rare file that ends lines with a lone `\\r`.) A file whose last line has no
newline shows `NO_FINAL_NEWLINE` after it, so a model can keep that, or fix it.
"""

from __future__ import annotations

from orchestra_lsp.changes.lines import split_lines

MAX_LINE_CHARS = 2000
NO_FINAL_NEWLINE = "\\ No newline at end of file"
"""Shown after a last line that has no line ending (the marker `diff` prints)."""


def numbered(lines: list[str], first_number: int) -> str:
    """`cat -n` style lines (`     12\\tcode`), each cut at `MAX_LINE_CHARS`."""
    return "\n".join(
        f"{number:6}\t{clip(line, MAX_LINE_CHARS)}"
        for number, line in enumerate(lines, start=first_number)
    )


def numbered_tail(text: str, lines: list[str], first_number: int) -> str:
    """`numbered`, plus the no-final-newline marker when `lines` reach the end of a
    non-empty `text` whose last line has no ending."""
    body = numbered(lines, first_number)
    if first_number - 1 + len(lines) == len(text_lines(text)) and not ends_with_newline(text):
        body += "\n" + NO_FINAL_NEWLINE
    return body


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, saying so."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit} more characters]"


def text_lines(text: str) -> list[str]:
    """The lines of `text` without terminators; no phantom line after a final newline."""
    if "\r" not in text:
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()
        return lines
    return [line.rstrip("\r\n") for line in split_lines(text)]


def ends_with_newline(text: str) -> bool:
    """True for an empty text or one whose last line has a line ending."""
    return not text or text.endswith(("\n", "\r"))


def line_ending_at(text: str, offset: int) -> str:
    """The line ending the file uses where `offset` is: that of its line, else (the
    last line, with none) that of the line before, else `\\n`."""
    ends = [at for at in (text.find("\n", offset), text.find("\r", offset)) if at != -1]
    if ends:
        at = min(ends)
        if text[at] == "\n":
            return "\n"
        return "\r\n" if text.startswith("\n", at + 1) else "\r"
    at = max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset))
    if at == -1:
        return "\n"
    if text[at] == "\r":
        return "\r"
    return "\r\n" if at > 0 and text[at - 1] == "\r" else "\n"


def line_number_at(text: str, offset: int) -> int:
    """The 1-based line of `offset` (line endings as in `text_lines`)."""
    before = text[:offset]
    return before.count("\n") + before.count("\r") - before.count("\r\n") + 1


def with_line_endings(text: str, ending: str) -> str:
    """`text` with each `\\n` written as `ending`, unless the text already has a `\\r`
    (then its line endings were chosen on purpose and are kept)."""
    if ending == "\n" or "\r" in text:
        return text
    return text.replace("\n", ending)
