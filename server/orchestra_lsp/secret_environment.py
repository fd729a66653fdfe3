"""Keep secrets out of the Orchestra process's exec-time environment.

Linux shows a process's environment *as it was at exec* in ``/proc/<pid>/environ``,
readable by every process of the same user — including the shells ``run_shell`` starts,
whose parent Orchestra is. Scrubbing ``os.environ`` later does not change that file.

So the ``orchestra`` command, before anything else, re-executes itself with an
environment that holds only :data:`KEPT_VARIABLES` (and ``LC_*``/``XDG_*``); every other
variable travels through an anonymous memory file whose descriptor the new process
reads, closes and puts back into ``os.environ`` (which only changes the process's heap,
not the exec-time block). Programs Orchestra starts still inherit everything they did
(MCP servers need their ``${VAR}`` values); ``/proc/<orchestra>/environ`` shows nothing
secret.

Only where it matters and is possible: Linux (``memfd_create``), and only when some
variable would be hidden. A process of the same user with ptrace rights (root, or no
Yama restriction) can still read Orchestra's memory; ``run_shell``'s bwrap sandbox hides
every other process.
"""

from __future__ import annotations

# Nothing else is imported: all that runs before the re-execution is paid twice.
import os
import sys

#: The variable that carries the descriptor to the re-executed process.
FD_VARIABLE = "ORCHESTRA_ENVIRONMENT_FD"
#: Variables left in the exec-time environment: they configure, they do not authorise.
KEPT_VARIABLES = frozenset(
    {
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "SHELL",
        "LANG",
        "LANGUAGE",
        "TERM",
        "COLORTERM",
        "TZ",
        "TMPDIR",
        "PWD",
        "DISPLAY",
        "WAYLAND_DISPLAY",
        "VIRTUAL_ENV",
        "PYTHONPATH",
        "PYTHONHOME",
        "PYTHONUNBUFFERED",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONIOENCODING",
        "PYTHONUTF8",
        "COLUMNS",
        "LINES",
        "NO_COLOR",
        "FORCE_COLOR",
        "CI",
        "EDITOR",
        "VISUAL",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
    }
)


def _kept(name: str) -> bool:
    return name in KEPT_VARIABLES or name.startswith(("LC_", "XDG_"))


def hide_secrets_from_proc() -> None:
    """Re-execute this program without secrets in its exec-time environment (see the
    module docstring); return at once where there is nothing to do. Call it first thing
    in the program's entry point, never from a library call (it replaces the process)."""
    if FD_VARIABLE in os.environ:
        restore_environment()
        return
    if not sys.platform.startswith("linux") or not hasattr(os, "memfd_create"):
        return
    moved = {name: value for name, value in os.environ.items() if not _kept(name)}
    if not moved or not getattr(sys, "orig_argv", None):
        return
    try:
        fd = os.memfd_create("orchestra-environment", 0)
        os.write(fd, _encode(moved))
        os.lseek(fd, 0, os.SEEK_SET)
        os.set_inheritable(fd, True)
    except OSError:
        return  # no memfd (a seccomp profile, an old kernel): carry on as we are
    kept = {name: value for name, value in os.environ.items() if _kept(name)}
    kept[FD_VARIABLE] = str(fd)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], kept)
    except OSError:
        pass
    os.close(fd)  # exec failed: the environment is still whole, nothing is lost


def restore_environment() -> None:
    """In the re-executed process: read the moved variables back into ``os.environ``
    and close the descriptor, before any child process can inherit it."""
    raw = os.environ.pop(FD_VARIABLE, None)
    if raw is None or not raw.isdigit():
        return
    fd = int(raw)
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
    except OSError:
        chunks = []
    finally:
        import contextlib  # here, after the re-execution, it is paid once

        with contextlib.suppress(OSError):
            os.close(fd)
    for name, value in _decode(b"".join(chunks)).items():
        if name not in os.environ:
            os.environ[name] = value


def _encode(variables: dict[str, str]) -> bytes:
    """`NAME=value` entries, each ended by NUL: the exec-time block's own format, in which
    no name holds `=` and nothing holds NUL. (Not JSON: importing json costs a start.)"""
    return b"".join(
        os.fsencode(name) + b"=" + os.fsencode(value) + b"\0" for name, value in variables.items()
    )


def _decode(data: bytes) -> dict[str, str]:
    variables = {}
    for entry in data.split(b"\0"):
        name, equals, value = entry.partition(b"=")
        if name and equals:
            variables[os.fsdecode(name)] = os.fsdecode(value)
    return variables
