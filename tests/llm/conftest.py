"""Registers the ``script`` marker the model-layer tests use to give the server its turns."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "script(turns): turns for the scripted server fixture")
