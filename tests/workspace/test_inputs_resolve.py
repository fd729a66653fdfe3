"""`inputs.changed` asks a path's resolution from its folder's (once per folder) when
the path is no symlink itself: it must agree with the `resolve` probe, which resolves
each path whole, for every kind of path a load asks about, and see every change."""

from __future__ import annotations

import os
from pathlib import Path

from orchestra_lsp.workspace import inputs


def world(base: Path) -> list[str]:
    """Paths of every kind below `base`: files, folders, links to each, links through
    linked folders, relative links, missing paths, a link to nothing, a loop."""
    (base / "real" / "sub").mkdir(parents=True)
    (base / "real" / "a.md").write_text("a")
    (base / "real" / "sub" / "b.md").write_text("b")
    (base / "linked").symlink_to(base / "real")
    (base / "real" / "to-a.md").symlink_to("a.md")
    (base / "real" / "up.md").symlink_to("../real/sub/b.md")
    (base / "real" / "nowhere.md").symlink_to(base / "missing" / "x.md")
    (base / "loop1").symlink_to(base / "loop2")
    (base / "loop2").symlink_to(base / "loop1")
    names = [
        "real/a.md",
        "real/sub/b.md",
        "real/sub",
        "linked/a.md",
        "linked/sub/b.md",
        "linked/to-a.md",
        "real/to-a.md",
        "real/up.md",
        "real/nowhere.md",
        "real/missing.md",
        "missing/deeper/x.md",
        "linked/missing.md",
        "loop1",
        "loop1/x.md",
        "real/a.md/not-a-folder.md",
    ]
    return [str(base / name) for name in names] + ["/", str(base)]


def test_every_resolution_agrees_with_the_probe(tmp_path: Path) -> None:
    paths = world(tmp_path)
    facts = {("resolve", path): inputs.PROBES["resolve"](path) for path in paths}
    assert inputs.changed(facts) is None
    for path in paths:  # one at a time too: no folder asked before
        assert inputs.changed({("resolve", path): facts[("resolve", path)]}) is None, path


def test_a_changed_link_is_seen(tmp_path: Path) -> None:
    paths = world(tmp_path)
    facts = {("resolve", path): inputs.PROBES["resolve"](path) for path in paths}
    (tmp_path / "linked").unlink()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "linked").symlink_to(tmp_path / "elsewhere")
    assert inputs.changed(facts) == f"resolve {tmp_path / 'linked' / 'a.md'}"
    os.unlink(tmp_path / "real" / "to-a.md")
    (tmp_path / "real" / "to-a.md").write_text("now a file")
    moved = {k: v for k, v in facts.items() if k[1] == str(tmp_path / "real" / "to-a.md")}
    assert inputs.changed(moved) == f"resolve {tmp_path / 'real' / 'to-a.md'}"
