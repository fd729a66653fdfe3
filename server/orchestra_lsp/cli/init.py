"""`orchestra init`: scaffold `.orchestra/` with commented examples; never overwrite."""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path

from orchestra_lsp.workspace import ORCHESTRA_DIR

#: Scaffold file (inside this package) -> where it goes under `.orchestra/`.
_FILES = {
    "CONTEXT.md": "CONTEXT.md",
    "config.toml": "config.toml",
    "mcp.json": "mcp.json",
    "agent.md": "agents/helper.md",
    "command.md": "commands/explain-file.md",
}
_IGNORE_LINE = f"{ORCHESTRA_DIR}/runs/"


def register(parser: argparse.ArgumentParser) -> None:
    del parser  # no options of its own


def _ignore_runs(root: Path) -> bool:
    """Add the journal folder to .gitignore unless it is already there."""
    gitignore = root / ".gitignore"
    existing = gitignore.read_text(encoding="utf-8") if gitignore.exists() else ""
    if any(
        line.strip() in (_IGNORE_LINE, _IGNORE_LINE.rstrip("/")) for line in existing.splitlines()
    ):
        return False
    separator = "" if not existing or existing.endswith("\n") else "\n"
    gitignore.write_text(f"{existing}{separator}{_IGNORE_LINE}\n", encoding="utf-8")
    return True


def run(args: argparse.Namespace) -> int:
    root: Path = args.workspace
    scaffold = resources.files("orchestra_lsp.cli") / "scaffold"
    for source, target in _FILES.items():
        destination = root / ORCHESTRA_DIR / target
        shown = destination.relative_to(root)
        if destination.exists():
            print(f"kept     {shown} (already there)")
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text((scaffold / source).read_text(encoding="utf-8"), encoding="utf-8")
        print(f"created  {shown}")
    if _ignore_runs(root):
        print(f"updated  .gitignore (ignores {_IGNORE_LINE})")
    print("Next: edit .orchestra/CONTEXT.md, then run `orchestra check`.")
    return 0
