"""`python -m orchestra_lsp.lsp`: the server without the rest of the CLI (tests, benches)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestra_lsp.cli import serve

parser = argparse.ArgumentParser(prog="python -m orchestra_lsp.lsp")
parser.add_argument("--workspace", "-w", type=Path, default=Path.cwd(), metavar="DIR")
serve.register(parser)
sys.exit(serve.run(parser.parse_args()))
