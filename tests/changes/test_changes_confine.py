"""`confine` against a plain pathlib statement of the same rule, on many paths: inside,
`..` escapes, absolute paths, and symlinks in and out of a workspace that is itself
reached through a symlink."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestra_lsp.changes import PathOutsideWorkspace, confine


def reference(root: Path, path: str) -> str | None:
    """The rule, said the slow and obvious way; None where it refuses."""
    if "\0" in path:
        return None
    given_path = Path(path)
    candidate = Path(os.path.normpath(given_path if given_path.is_absolute() else root / path))
    for base in (Path(os.path.abspath(root)), root.resolve()):
        if candidate == base or candidate.is_relative_to(base):
            relative = PurePosixPath(candidate.relative_to(base).as_posix())
            break
    else:
        return None
    real = (root.resolve() / relative).resolve()
    if real != root.resolve() and not real.is_relative_to(root.resolve()):
        return None
    return relative.as_posix() if relative.parts else "."


FOLDER = Path(tempfile.mkdtemp(prefix="orchestra-confine-"))
atexit.register(shutil.rmtree, FOLDER, ignore_errors=True)
REAL_ROOT = FOLDER / "real-ws"
ROOT = FOLDER / "ws"  # a symlink to real-ws: the workspace as the editor names it
(REAL_ROOT / "src" / "pkg").mkdir(parents=True)
(REAL_ROOT / "src" / "pkg" / "mod.py").write_text("x\n")
(FOLDER / "outside").mkdir()
(REAL_ROOT / "out").symlink_to(FOLDER / "outside")
(REAL_ROOT / "alias").symlink_to("src")
ROOT.symlink_to(REAL_ROOT)

SEGMENTS = ["src", "pkg", "mod.py", "..", ".", "", "out", "alias", "new", "real-ws", "ws"]
PREFIXES = ["", "/", "/etc/", f"{ROOT}/", f"{REAL_ROOT}/", f"{FOLDER}/", "//"]


@settings(max_examples=400, deadline=None)
@given(
    root=st.sampled_from([ROOT, REAL_ROOT]),
    prefix=st.sampled_from(PREFIXES),
    parts=st.lists(st.sampled_from(SEGMENTS), max_size=5),
)
def test_confine_agrees_with_the_rule_said_plainly(
    root: Path, prefix: str, parts: list[str]
) -> None:
    path = prefix + "/".join(parts)
    expected = reference(root, path)
    try:
        got: str | None = confine(root, path)
    except PathOutsideWorkspace:
        got = None
    assert got == expected, path
