"""Where a Markdown text's fenced code blocks are, as CommonMark defines them.

A fence is three or more backticks or tildes, indented at most three spaces. It
closes only with a fence of the same character at least as long, with nothing but
spaces after it; an unclosed fence runs to the end of the text. (A Markdown library
would parse everything else too; only this one question is asked, per line.)
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


def code_lines(lines: list[str]) -> list[bool]:
    """For each line: whether it belongs to a fenced code block (fences included)."""
    inside: list[bool] = []
    fence: str | None = None
    for line in lines:
        match = _FENCE.match(line)
        if fence is None:
            # A backtick fence's info string may not hold a backtick.
            if match and not (match.group(1)[0] == "`" and "`" in match.group(2)):
                fence = match.group(1)
                inside.append(True)
            else:
                inside.append(False)
            continue
        inside.append(True)
        if (
            match
            and match.group(1)[0] == fence[0]
            and len(match.group(1)) >= len(fence)
            and not match.group(2).strip()
        ):
            fence = None
    return inside
