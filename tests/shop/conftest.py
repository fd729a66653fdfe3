"""The example shop, started as its users start it: `python3 -m shop` in its folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from shop_example import SHOP, free_port, wait_until_up


@pytest.fixture
def shop_copy(tmp_path: Path) -> Path:
    """A copy of the example, so that a test may change it (tickets, a fix)."""
    target = tmp_path / "shop"
    shutil.copytree(SHOP, target, ignore=shutil.ignore_patterns("runs", "__pycache__", ".env"))
    return target


@pytest.fixture
def shop_url() -> Iterator[str]:
    """The shop served from the repository's example on a free port."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("SHOP_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "shop", "--port", str(port), "--quiet"],
        cwd=SHOP,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
