"""The plugin writes durations as the CLI does: util.duration in a real Neovim against
durations.for_people in Python, for a table of values around every threshold (halves
round to even in both, as Python's round() does)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from plugin_helpers import PLUGIN, nvim11

from orchestra_lsp.durations import for_people

MILLISECONDS: list[float | None] = [
    None,
    -1,
    0,
    0.2,
    0.4999,
    0.5,
    0.7,
    1,
    1.5,
    2.5,
    38.628,
    500.5,
    998.5,
    999.4,
    999.5,
    1000,
    1049.99,
    1050,
    1150,
    1234,
    12_345.6,
    59_949,
    59_950,
    59_999,
    60_000,
    61_500,
    125_000,
    3_599_499,
    3_599_500,
    3_600_000,
    3_630_000,
    5_000_000,
    172_800_000,
]

LUA = """
local values = vim.json.decode(io.open(os.getenv("ORCH_IN")):read("*a"))
local util = require("orchestra.util")
local said = {}
for i, value in ipairs(values) do
  said[i] = util.duration(value)
end
local out = io.open(os.getenv("ORCH_OUT"), "w")
out:write(vim.json.encode(said))
out:close()
"""


def test_neovim_says_durations_as_the_cli_does(tmp_path: Path) -> None:
    given, said, script = tmp_path / "in.json", tmp_path / "out.json", tmp_path / "durations.lua"
    given.write_text(json.dumps(MILLISECONDS))
    script.write_text(LUA)
    subprocess.run(
        [
            nvim11(),
            "--headless",
            "--clean",
            "--cmd",
            f"set runtimepath^={PLUGIN}",
            "-c",
            f"luafile {script}",
            "-c",
            "qa!",
        ],
        env={
            **os.environ,
            "ORCH_IN": str(given),
            "ORCH_OUT": str(said),
            "XDG_STATE_HOME": str(tmp_path),
        },
        check=True,
        timeout=60,
        capture_output=True,
    )
    neovim = json.loads(said.read_text())
    cli = [for_people(value) for value in MILLISECONDS]
    assert list(zip(MILLISECONDS, neovim, strict=True)) == list(zip(MILLISECONDS, cli, strict=True))
    # the table reaches every form, so a formatter that skipped one would show here
    assert {"?", "<1 ms", "0 ms", "39 ms", "1.0 s", "59.9 s", "1 min 0 s", "1 h 0 min"} <= set(cli)
