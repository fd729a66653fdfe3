"""The `orchestra` process re-executes itself so that /proc/PID/environ (its exec-time
environment, readable by the user's other processes) holds no secret, while
`os.environ`, and so every program it starts, still has every variable, byte for byte."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json, os, sys
from orchestra_lsp.secret_environment import FD_VARIABLE, hide_secrets_from_proc
hide_secrets_from_proc()
with open("/proc/self/environ", "rb") as exec_time:
    block = exec_time.read()
print(json.dumps({
    "exec_time": block.decode("utf-8", "surrogateescape"),
    "environ": dict(os.environ),
    "marker": FD_VARIABLE in os.environ,
    "fds": sorted(os.listdir("/proc/self/fd")),
}))
"""

#: Values the carrying format must keep whole: `=`, newlines, non-ASCII, bytes that
#: are not UTF-8 (surrogate-escaped by os.environ), an empty value.
ODD = {
    "ORCHESTRA_T_TOKEN": "sk-secret=with=equals",
    "ORCHESTRA_T_MULTILINE": "line one\nline two\r\n",
    "ORCHESTRA_T_UNICODE": "clé ✓ 鍵",
    "ORCHESTRA_T_BYTES": os.fsdecode(b"\xff\xfe raw"),
    "ORCHESTRA_T_EMPTY": "",
}


def test_secrets_leave_the_exec_time_environment_and_stay_in_os_environ() -> None:
    env = {**os.environ, **ODD, "PATH": os.environ.get("PATH", "/usr/bin")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    for name, value in ODD.items():
        assert seen["environ"].get(name) == value, name
        assert name not in seen["exec_time"], name
    assert "sk-secret" not in seen["exec_time"]
    assert f"PATH={env['PATH']}\0" in seen["exec_time"]  # what configures stays
    assert not seen["marker"]
    # The descriptor that carried them is closed before anything can inherit it.
    assert len(seen["fds"]) <= 4, seen["fds"]  # 0, 1, 2 and the listing's own
