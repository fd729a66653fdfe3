"""Every feature module, in the order their `setup(server)` doors are called."""

from __future__ import annotations

from types import ModuleType

from orchestra_lsp.lsp import (
    batches,
    catalog,
    code_actions,
    config_names,
    configuration,
    decisions,
    lifecycle,
    mcp_login,
    recovery,
    run_pages,
    runs,
    undo,
)

ALL: tuple[ModuleType, ...] = (
    lifecycle,
    configuration,
    config_names,
    catalog,
    code_actions,
    runs,
    decisions,
    recovery,
    undo,
    batches,
    run_pages,
    mcp_login,
)
