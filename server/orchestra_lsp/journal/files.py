"""Small file primitives the journal relies on for durability."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pydantic_core

from orchestra_lsp.changes.files import fsync_directory, write_atomic

__all__ = ["atomic_write_json", "dumps", "fsync_directory"]


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON on one line; anything not JSON-able is written as its str().

    pydantic-core's encoder: a journal line is written for nearly every event of a
    run, and it is several times faster than the standard library's."""
    return pydantic_core.to_json(value, fallback=str)


def atomic_write_json(path: Path, value: Any) -> None:
    """Write `value` as JSON so that readers see the old file or the new one, never half
    (through the package's one atomic writer, `changes.files.write_atomic`)."""
    write_atomic(path, json.dumps(value, ensure_ascii=False, indent=2, default=str))
