"""Options every sub-command (and sub-sub-command) takes."""

from __future__ import annotations

import argparse
from pathlib import Path


def common_options() -> argparse.ArgumentParser:
    """A parent parser with `--workspace`, so it is accepted at any depth of the command
    line. SUPPRESS keeps a nested parser from resetting a value given further out."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--workspace",
        "-w",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="DIR",
        help="the repository to work on (default: found upward from the current folder: "
        "the nearest with .orchestra/, else with Claude Code's files, else the git root)",
    )
    return common
