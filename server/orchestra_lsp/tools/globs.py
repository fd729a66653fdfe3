"""Gitignore-style globs, for `.gitignore` files and for the `glob` arguments of tools.

ripgrep's `-g` globs follow gitignore rules (no slash: match the name at any depth;
a slash: anchored to the search root), so one translation serves both, and the
Python fallback filters exactly as ripgrep does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@lru_cache(maxsize=512)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """Compile a gitignore-style glob matched against a relative POSIX path.

    `*` and `?` stay within one path segment, `**` spans segments, `[...]` and
    `{a,b}` work as in ripgrep. A pattern without a slash (other than a trailing
    one) matches at any depth.
    """
    body = pattern.rstrip("/")
    anchored = "/" in body
    body = body.removeprefix("/")
    prefix = "" if anchored or body.startswith("**/") else "(?:.*/)?"
    return re.compile(prefix + _translate(body) + r"\Z", re.DOTALL)


def glob_matches(pattern: str, path: str) -> bool:
    """True when the relative POSIX `path` matches the glob."""
    return glob_regex(pattern).match(path) is not None


def _translate(glob: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(glob):
        ch = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif ch == "*":
            out.append("[^/]*")
            i += 1
        elif ch == "?":
            out.append("[^/]")
            i += 1
        elif ch == "\\" and i + 1 < len(glob):
            out.append(re.escape(glob[i + 1]))
            i += 2
        elif ch == "[" and (end := glob.find("]", i + 2)) != -1:
            inner = glob[i + 1 : end]
            negate = inner[:1] in ("!", "^")
            inner = inner[1:] if negate else inner
            out.append("[" + ("^" if negate else "") + inner.replace("\\", "\\\\") + "]")
            i = end + 1
        elif ch == "{" and (end := glob.find("}", i)) != -1:
            options = glob[i + 1 : end].split(",")
            out.append("(?:" + "|".join(_translate(option) for option in options) + ")")
            i = end + 1
        else:
            out.append(re.escape(ch))
            i += 1
    return "".join(out)


@dataclass(frozen=True)
class IgnoreRule:
    """One line of a `.gitignore`."""

    regex: re.Pattern[str]
    negated: bool
    directories_only: bool


def parse_gitignore(text: str) -> list[IgnoreRule]:
    """The rules of a `.gitignore` file, in order (the last match wins)."""
    rules: list[IgnoreRule] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if raw.endswith("\\ "):
            line += " "
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        line = line[1:] if negated else line
        line = line[1:] if line.startswith(("\\#", "\\!")) else line
        rules.append(
            IgnoreRule(regex=glob_regex(line), negated=negated, directories_only=line.endswith("/"))
        )
    return rules


def ignored_by(rules: list[IgnoreRule], path: str, is_dir: bool) -> bool | None:
    """What the last matching rule says about `path` (relative to the rules' folder):
    True ignored, False re-included, None when no rule matches."""
    verdict: bool | None = None
    for rule in rules:
        if rule.directories_only and not is_dir:
            continue
        if rule.regex.match(path):
            verdict = not rule.negated
    return verdict
