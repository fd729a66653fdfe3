"""Secrets never reach the journal or the logs: everything is redacted before it is written.

A :class:`Redactor` knows literal secrets (the API key, every value of `env` and `headers`
in mcp.json — the engine passes them) and patterns for secrets it was not told about
(`sk-ant-...` keys, `Authorization: Bearer ...`, `x-api-key: ...`). It replaces them with
``[redacted]`` in every string of an event, however deeply nested; dictionary keys are
left alone (they are field names, and rewriting them would change an event's shape).

Literal secrets shorter than 4 characters are ignored: values such as ``1`` or ``on`` in
an `env` block are configuration, not secrets, and replacing them everywhere would
mangle ordinary text. Longer literal values are redacted even if they look harmless —
the journal cannot tell a token from a word.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 4

#: Secrets recognised by shape. A pattern with a group `keep` keeps that prefix.
DEFAULT_PATTERNS: tuple[str, ...] = (
    r"sk-ant-[A-Za-z0-9_\-]{8,}",
    r"(?P<keep>(?i:authorization)\"?\s*[:=]\s*\"?(?i:bearer|basic)\s+)[^\s\"',;]+",
    r"(?P<keep>(?i:x-api-key)\"?\s*[:=]\s*\"?)[^\s\"',;]+",
)


#: Text each default pattern needs (lower-cased): where none occurs, none can match.
_DEFAULT_KEYWORDS = ("sk-ant-", "authorization", "x-api-key")
#: Characters JSON writes escaped: a secret holding one may not appear verbatim in JSON.
_JSON_ESCAPED = re.compile(r'["\\\x00-\x1f]')


class Redactor:
    """Replaces known secrets and secret-shaped strings with ``[redacted]``."""

    def __init__(
        self, secrets: Iterable[str] = (), *, patterns: Iterable[str] = DEFAULT_PATTERNS
    ) -> None:
        literal = sorted(
            {secret for secret in secrets if len(secret.strip()) >= MIN_SECRET_LENGTH},
            key=len,
            reverse=True,  # longest first, so a secret containing another is replaced whole
        )
        self._secrets = tuple(literal)
        self._patterns = tuple(patterns)
        alternatives = [re.escape(secret) for secret in literal]
        alternatives += [
            _rename_keep_group(pattern, index) for index, pattern in enumerate(self._patterns)
        ]
        self._regex = re.compile("|".join(alternatives)) if alternatives else None
        self._screens = self._patterns == DEFAULT_PATTERNS and not any(
            _JSON_ESCAPED.search(secret) for secret in literal
        )

    def with_secrets(self, secrets: Iterable[str]) -> Redactor:
        """A redactor that also knows `secrets` (e.g. after mcp.json was reloaded)."""
        return Redactor((*self._secrets, *secrets), patterns=self._patterns)

    def redact_text(self, text: str) -> str:
        """`text` with every secret replaced."""
        if self._regex is None:
            return text
        return self._regex.sub(_replacement, text)

    def may_hold_secret(self, json_text: str) -> bool:
        """False only when no string of the value `json_text` encodes (as JSON, non-ASCII
        kept) can hold a secret: a cheap screen that spares walking most events."""
        if not self._screens:
            return True
        lowered = json_text.lower()
        return any(secret in json_text for secret in self._secrets) or any(
            keyword in lowered for keyword in _DEFAULT_KEYWORDS
        )

    def redact(self, value: Any) -> Any:
        """A copy of `value` with every string redacted, recursing into mappings (values
        only), lists and tuples; other values are returned as they are."""
        if isinstance(value, str):
            return self.redact_text(value)
        if isinstance(value, Mapping):
            return {key: self.redact(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.redact(item) for item in value]
        return value


def _rename_keep_group(pattern: str, index: int) -> str:
    """Give each pattern's `keep` group a unique name so they can share one regex."""
    return f"(?:{pattern.replace('(?P<keep>', f'(?P<keep{index}>')})"


def _replacement(match: re.Match[str]) -> str:
    kept = next(
        (text for name, text in match.groupdict().items() if text and name.startswith("keep")), ""
    )
    return kept + REDACTED


class RedactingFilter(logging.Filter):
    """A logging filter that redacts a record's message, arguments, exception text and
    stack before any handler formats it.

    Attach it to handlers (``handler.addFilter(...)``): filters on a logger do not see
    records propagated from its children. Replace `redactor` to learn new secrets.
    """

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that don't fit the format string
            message = f"{record.msg} {record.args!r}"
        record.msg = self.redactor.redact_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.redact_text(record.stack_info)
        return True
