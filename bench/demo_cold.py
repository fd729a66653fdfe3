"""How long `make demo` takes on a fresh clone (issue 17): goal under 90 s, cold.

Clones this repository's committed HEAD into a temporary folder, with `shared/` beside
it as CI lays it out, and runs `make demo` there twice:

1. cold: no `.venv`, no `node_modules`, and empty pip and npm caches of its own (so
   every package is downloaded, as on a fresh machine). Debian's packages (chromium,
   ripgrep) are machine-wide and already here: their install is not in the figure.
2. warm, the peer: the same `make demo` again, everything installed; the demo's own
   run, so the difference is what installing costs.

Each line `make` prints is echoed with the seconds since the start (the progress a
person sees), and the longest silence is printed: every install step must say what it
does. ANTHROPIC_API_KEY is removed, so the demo replays its shipped transcripts.
The temporary folder is removed at the end, whatever happens.

    .venv/bin/python bench/demo_cold.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_S = 90.0
REPOSITORY = Path(__file__).resolve().parent.parent


def shared_folder() -> Path | None:
    """`shared/` beside the repository, or beside the main checkout of a worktree."""
    common = subprocess.run(
        ["git", "-C", str(REPOSITORY), "rev-parse", "--path-format=absolute", "--git-common-dir"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    for candidate in (REPOSITORY.parent / "shared", Path(common).parent.parent / "shared"):
        if candidate.is_dir():
            return candidate
    return None


def timed_make(clone: Path, env: dict[str, str], label: str) -> tuple[float, float, str]:
    """(seconds, the longest silence in seconds, the line printed before it); raises
    SystemExit when make fails."""
    print(f"-- {label}: make demo", flush=True)
    began = last = time.monotonic()
    silence, before_silence = 0.0, "(start)"
    previous = "(start)"
    process = subprocess.Popen(
        ["make", "demo"],
        cwd=clone,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    assert process.stdout is not None
    for line in process.stdout:
        now = time.monotonic()
        if now - last > silence:
            silence, before_silence = now - last, previous
        last, previous = now, line.strip()[:80]
        print(f"  {now - began:6.1f}s  {line.rstrip()}", flush=True)
    code = process.wait()
    seconds = time.monotonic() - began
    if code != 0:
        raise SystemExit(f"FAIL: make demo ({label}) exited {code}")
    return seconds, silence, before_silence


def main() -> int:
    shared = shared_folder()
    with tempfile.TemporaryDirectory(prefix="orchestra-demo-cold-") as temporary:
        place = Path(temporary)
        clone = place / "orchestra"
        print(f"cloning {REPOSITORY} (HEAD) into {clone}", flush=True)
        subprocess.run(["git", "clone", "--quiet", str(REPOSITORY), str(clone)], check=True)
        if shared is not None:
            shutil.copytree(shared, place / "shared", symlinks=True)
        env = {
            name: value
            for name, value in os.environ.items()
            # No key: the shipped transcripts. No bytecode switch: pip compiles at install.
            if name
            not in (
                "ANTHROPIC_API_KEY",
                "PYTHONDONTWRITEBYTECODE",
                "MAKEFLAGS",
                "MAKELEVEL",
                "VIRTUAL_ENV",
            )
        }
        env |= {
            "PIP_CACHE_DIR": str(place / "pip-cache"),
            "npm_config_cache": str(place / "npm-cache"),
        }
        cold, silence, before = timed_make(clone, env, "cold (fresh clone, empty caches)")
        warm, _, _ = timed_make(clone, env, "warm (everything installed: the demo alone)")
    load = os.getloadavg()
    print(f"make demo on a fresh clone (load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}):")
    print(f"  cold, empty pip and npm caches:   {cold:6.1f} s")
    print(f"  warm, the demo alone (the peer):  {warm:6.1f} s")
    print(f"  installing therefore costs:       {cold - warm:6.1f} s")
    print(f"  longest silence while cold:       {silence:6.1f} s (after: {before})")
    verdict = "ok" if cold < GOAL_S else "SLOW"
    print(f"  goal: make demo cold < {GOAL_S:g} s ({cold:.1f} s): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
