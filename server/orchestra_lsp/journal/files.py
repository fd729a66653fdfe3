"""Small file primitives the journal relies on for durability."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pydantic_core


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON on one line; anything not JSON-able is written as its str().

    pydantic-core's encoder: a journal line is written for nearly every event of a
    run, and it is several times faster than the standard library's."""
    return pydantic_core.to_json(value, fallback=str)


def atomic_write_json(path: Path, value: Any) -> None:
    """Write `value` as JSON so that readers see the old file or the new one, never half:
    a temporary file in the same folder, fsync'd, then os.replace."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(json.dumps(value, ensure_ascii=False, indent=2, default=str))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def fsync_directory(path: Path) -> None:
    """Make a rename or a new file in `path` durable; a no-op where folders can't be opened."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
