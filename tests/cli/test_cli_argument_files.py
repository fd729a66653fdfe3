"""Files named on the command line are read as the loader reads its own: a regular file
only, opened non-blocking, up to a size limit. `orchestra batch --each NAME=@FILE` with
a FIFO, a device or a huge file says so and exits 2 at once; a batch.json that is a
FIFO neither hangs `orchestra batch-report` nor `orchestra runs`."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "engine"))
from engine_helpers import cli_env, command_file, workspace

from orchestra_lsp.workspace.files import MAX_FILE_BYTES

TICKET = command_file(
    [{"id": "work", "agent": "worker", "prompt": "Work on {{ticket}}."}],
    arguments=[{"name": "ticket", "required": True}],
)
#: Nothing listens here: these runs must end before any model call.
NO_MODEL = "http://127.0.0.1:9"


def _small_memory() -> None:
    """In the child: at most 1 GiB of address space, so a regression that reads a device
    to its end fails with MemoryError instead of eating the machine."""
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def orchestra(root: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`orchestra ARGS...` in `root`; a hang fails the test after 60 s."""
    return subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", *args],
        cwd=root,
        env=cli_env(NO_MODEL, home),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_small_memory,
    )


def each(root: Path, home: Path, path: str) -> subprocess.CompletedProcess[str]:
    return orchestra(root, home, "batch", "work-on", "--each", f"ticket=@{path}", "--yes")


def test_items_files_that_are_not_plain_small_text_are_refused(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"work-on": TICKET})
    home = tmp_path / "config"
    os.mkfifo(root / "items.fifo")
    with (root / "huge.txt").open("wb") as huge:
        huge.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk
    (root / "latin.txt").write_bytes(b"SHOP-1\nSHOP-2\ncaf\xe9\n")
    cases = {
        "items.fifo": f"--each ticket=@items.fifo: cannot read {root / 'items.fifo'}: "
        "it is a FIFO (named pipe), not a file",
        "/dev/zero": "--each ticket=@/dev/zero: cannot read /dev/zero: it is a device, not a file",
        "huge.txt": f"it is {MAX_FILE_BYTES + 1} bytes; files over {MAX_FILE_BYTES} are not read",
        "latin.txt": f"--each ticket=@latin.txt: {root / 'latin.txt'}, line 3: not UTF-8 text "
        "(byte 17 is 0xe9)",
        "gone.txt": "cannot read",
        ".orchestra": "it is a folder, not a file",
    }
    for path, expected in cases.items():
        done = each(root, home, path)
        assert done.returncode == 2, (path, done.stdout, done.stderr)
        assert expected in done.stderr, (path, done.stderr)
    assert not (root / ".orchestra" / "runs").exists() or not list(
        (root / ".orchestra" / "runs").glob("2*")
    )


def test_a_batch_manifest_that_is_a_fifo_hangs_nothing(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"work-on": TICKET})
    home = tmp_path / "config"
    folder = root / ".orchestra" / "runs" / "batches" / "20261201-000000-abcdef"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "batch.json")
    listed = orchestra(root, home, "runs")
    assert listed.returncode == 0, listed.stderr
    assert "no runs yet" in listed.stdout, listed.stdout
    report = orchestra(root, home, "batch-report", ".")
    assert report.returncode == 2, report.stdout + report.stderr
    assert "not a batch manifest (it is a FIFO (named pipe), not a file)" in report.stderr
