"""The shop's workflows end to end: helpers importable, a copy of the shop per test."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from workflow_helpers import Shop, make_shop, require

from orchestra_lsp.cli import demo


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Shop]:
    """A copy of the example shop (a git repository) with its own port; the shop the
    QA agent starts there is stopped afterwards."""
    cli, browser = demo.playwright_cli(), demo.chromium()
    require(cli or demo.PLAYWRIGHT_CLI, browser or demo.CHROMIUM)
    copy = make_shop(tmp_path)
    try:
        yield copy
    finally:
        demo.stop_shop(copy.root, copy.port)
