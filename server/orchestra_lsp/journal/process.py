"""Is the process that wrote a run still alive? A pid alone is not enough: after a
reboot, or on another machine sharing the folder, the same pid is some other process.

The identity of a process is its host name, the kernel's boot id and the process's start
time (field 22 of /proc/<pid>/stat, in clock ticks since boot). Where /proc is missing
(macOS), only the pid is checked, with os.kill(pid, 0).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from pydantic import BaseModel, ConfigDict

_PROC = Path("/proc")


class ProcessIdentity(BaseModel):
    """Enough to recognise a process again later; stored in run.json."""

    model_config = ConfigDict(frozen=True)

    pid: int
    host: str
    boot_id: str | None = None
    start_ticks: int | None = None


def current_process() -> ProcessIdentity:
    """The identity of this process."""
    pid = os.getpid()
    return ProcessIdentity(
        pid=pid, host=socket.gethostname(), boot_id=_boot_id(), start_ticks=_start_ticks(pid)
    )


def is_alive(identity: ProcessIdentity) -> bool:
    """Whether the process described by `identity` is still running (not a zombie)."""
    if identity.host != socket.gethostname():
        return False
    if identity.boot_id is not None and identity.boot_id != _boot_id():
        return False
    if not _PROC.is_dir():
        return _signal_zero(identity.pid)
    stat = _stat_fields(identity.pid)
    if stat is None or stat[0] in ("Z", "X"):
        return False
    return identity.start_ticks is None or _parse_int(stat[19]) == identity.start_ticks


def _signal_zero(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _boot_id() -> str | None:
    try:
        return (_PROC / "sys/kernel/random/boot_id").read_text().strip() or None
    except OSError:
        return None


def _start_ticks(pid: int) -> int | None:
    stat = _stat_fields(pid)
    return None if stat is None else _parse_int(stat[19])


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat from the state (field 3) on. The command name (field 2)
    is in parentheses and may itself contain spaces or parentheses, hence rpartition."""
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except (OSError, ValueError):
        return None
    fields = text.rpartition(")")[2].split()
    return fields if len(fields) > 19 else None


def _parse_int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None
