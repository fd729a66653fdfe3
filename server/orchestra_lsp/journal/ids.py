"""Run ids that sort by start time, so a folder listing is already the run history."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

RUN_ID_PATTERN = re.compile(r"\d{8}-\d{6}-[0-9a-f]{6}")


def new_run_id(now: datetime | None = None) -> str:
    """`YYYYMMDD-HHMMSS-xxxxxx`: UTC start time, then random hex against collisions
    between runs started in the same second."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def is_run_id(text: str) -> bool:
    """Whether `text` is shaped like a run id (guards paths built from user input)."""
    return RUN_ID_PATTERN.fullmatch(text) is not None
