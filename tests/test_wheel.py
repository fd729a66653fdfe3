"""The wheel built from this repository carries the built-in agents and commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_the_builtins(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        check=True,
        timeout=300,
    )
    [wheel] = dist.glob("orchestra_lsp-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "orchestra_lsp/builtins/agents/qa.md" in names
    assert "orchestra_lsp/builtins/commands/implement-ticket.md" in names
    assert "orchestra_lsp/cli/scaffold/CONTEXT.md" in names

    # Installed on its own (dependencies from this environment), it lists them.
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "-t", str(target), str(wheel)],
        check=True,
        timeout=300,
    )
    env = {**os.environ, "PYTHONPATH": str(target), "XDG_CONFIG_HOME": str(tmp_path)}
    empty = tmp_path / "empty"
    empty.mkdir()
    listed = subprocess.run(
        [sys.executable, "-m", "orchestra_lsp", "commands", "--json"],
        cwd=empty,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    sources = {c["name"]: Path(c["source"]) for c in json.loads(listed.stdout)}
    assert set(sources) >= {"implement-ticket", "qa-ticket", "review-changes"}
    assert all(path.is_relative_to(target) for path in sources.values())

    # The listing it ships for a folder that defines nothing holds there, and is what
    # its own loader lists (the built-ins inside the package, not this checkout).
    home = tmp_path / "home"
    home.mkdir()
    compared = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json; from pathlib import Path\n"
            "from orchestra_lsp.lsp import listing\n"
            "from orchestra_lsp.workspace import load_workspace, shipped_listing\n"
            "root = Path.cwd().resolve(); workspace = load_workspace(root)\n"
            "print(json.dumps([shipped_listing.listing(root),"
            " listing.commands_result(workspace.commands, workspace)]))",
        ],
        cwd=empty,
        env={**env, "HOME": str(home)},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    shipped, loaded = json.loads(compared.stdout)
    assert shipped is not None and shipped == loaded
    assert all(c["uri"].startswith(target.as_uri()) for c in shipped["commands"])
