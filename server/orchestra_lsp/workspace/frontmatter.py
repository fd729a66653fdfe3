"""Split a Markdown file into YAML front matter and body, keeping line numbers.

Libraries such as python-frontmatter return the metadata but not where it sat in
the file; every diagnostic here needs a line, so this small splitter keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass

_FENCE = "---"


@dataclass(frozen=True)
class MarkdownParts:
    front_matter: str | None
    """The YAML between the `---` fences, or None when the file has none."""
    front_matter_line: int
    """0-based line of the first YAML line in the file."""
    body: str
    body_line: int
    """0-based line where the body starts."""
    unterminated: bool = False


def split_front_matter(text: str) -> MarkdownParts:
    text = text.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n").rstrip() != _FENCE:
        return MarkdownParts(None, 0, text, 0)
    for index in range(1, len(lines)):
        if lines[index].rstrip("\r\n").rstrip() in (_FENCE, "..."):
            return MarkdownParts(
                front_matter="".join(lines[1:index]),
                front_matter_line=1,
                body="".join(lines[index + 1 :]),
                body_line=index + 1,
            )
    return MarkdownParts("".join(lines[1:]), 1, "", len(lines), unterminated=True)
