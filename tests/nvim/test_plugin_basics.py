"""The plugin's smaller promises: help tags as :helptags makes them, a clear no-op on an
old Neovim, command-line completion, the context preview and :checkhealth orchestra."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from plugin_helpers import PLUGIN, drive, make_workspace, nvim11

from orchestra_lsp.testing import ScriptedServer


def test_help_tags_are_what_helptags_makes(tmp_path: Path) -> None:
    doc = tmp_path / "doc"
    shutil.copy(PLUGIN / "doc" / "orchestra.txt", tmp_path / "orchestra.txt")
    doc.mkdir()
    shutil.copy(PLUGIN / "doc" / "orchestra.txt", doc / "orchestra.txt")
    subprocess.run(
        [nvim11(), "--headless", "--clean", "-c", f"helptags {doc}", "-c", "qa!"],
        check=True,
        timeout=60,
        capture_output=True,
    )
    assert (doc / "tags").read_text() == (PLUGIN / "doc" / "tags").read_text()
    assert "orchestra-review\torchestra.txt" in (doc / "tags").read_text()


def test_an_old_neovim_is_told_once_and_nothing_is_defined(tmp_path: Path) -> None:
    old = shutil.which("nvim")
    assert old, "Debian's neovim is installed by `make` (mk/lsp.mk)"
    version = subprocess.run([old, "--version"], capture_output=True, text=True, check=True)
    assert "NVIM v0.7" in version.stdout, version.stdout  # the point: older than 0.10
    out = tmp_path / "messages.txt"
    subprocess.run(
        [
            old,
            "--headless",
            "--clean",
            "--cmd",
            f"set runtimepath^={PLUGIN}",
            "-c",
            "lua require('orchestra').setup({})",
            "-c",
            "lua vim.g.result = {vim.fn.exists(':Orchestra'), require('orchestra').status()}",
            "-c",
            f"redir! > {out} | silent messages | silent echo g:result | redir END",
            "-c",
            "qa!",
        ],
        env={**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")},
        timeout=60,
        capture_output=True,
        check=False,
    )
    text = out.read_text()
    assert text.count("orchestra.nvim needs Neovim 0.10 or newer") == 1, text
    assert "[0, '']" in text, text


def test_completion_context_preview_and_health(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_workspace(tmp_path / "ws")
    (root / ".orchestra" / "commands" / "broken.md").write_text(
        "---\ndescription: Broken\nsteps:\n  - id: one\n    agent: nobody-here\n    prompt: Hi\n---\n",
        encoding="utf-8",
    )
    bin_dir = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", bin_dir + os.pathsep + os.environ["PATH"])
    with ScriptedServer([]) as model:
        seen = drive(
            "basics.lua",
            root,
            tmp_path,
            model.base_url,
            [{"prompt": "Code actions", "dismiss": True}],
        )
    assert seen["errors"] == [], seen

    completion = seen["completion"]
    assert {"run", "review", "runs", "stop", "context", "log"} <= set(completion["subcommands"])
    assert completion["commands"] == ["improve"]
    assert completion["arguments"] == ["goal=", "area=", "tone="]
    assert completion["rest"] == ["area=", "tone="]

    context = "\n".join(seen["context"])
    assert "plan (architect)" in context and "change (developer)" in context, context
    assert "total" in context and "tokens" in context

    actions = seen["code_actions"]
    assert any("explain-selection" in a or "Explain" in a for a in actions), actions

    health = "\n".join(seen["health"])
    assert "Neovim 0.11" in health, health
    assert f"orchestra found: {bin_dir}/orchestra" in health, health
    assert f"root: {root}" in health, health
    assert "1 errors" in health or "errors, " in health, health
    assert "ANTHROPIC_API_KEY is set" in health
    assert "test-key" not in health  # the key itself is never shown
