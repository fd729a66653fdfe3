"""The model SDK is imported when the first run needs it, never by an idle server, and
`exit` is obeyed at once even while that import is under way (seconds on a busy
machine).

The SDK here is a stand-in whose import never ends (first on PYTHONPATH): the server
must still stop when told, with the exit code LSP asks for.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from conftest import StartRaw

NEVER_ENDING_IMPORT = """\
import pathlib, time
pathlib.Path({marker!r}).write_text("importing")
time.sleep(600)
"""


async def test_exit_does_not_wait_for_the_warm_up_import(
    raw: StartRaw, workspace: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "importing"
    sdk = tmp_path / "slow-sdk" / "anthropic"
    sdk.mkdir(parents=True)
    (sdk / "__init__.py").write_text(NEVER_ENDING_IMPORT.format(marker=str(marker)))
    client = await raw(workspace, env={"PYTHONPATH": str(sdk.parent)})
    await client.initialize(workspace)
    # What the editor asks first does not wait for the SDK, nor start importing it.
    listed = await client.request("orchestra/commands", {}, timeout=60)
    assert listed["result"]["commands"], listed
    assert not marker.exists()
    # A run does: it waits for the import (in a thread of its own).
    run = {"command": "change", "arguments": {"goal": "x"}}
    pending = asyncio.ensure_future(client.request("orchestra/run", run, timeout=60))
    for _ in range(600):  # the warm-up has begun importing
        if marker.exists():
            break
        await asyncio.sleep(0.05)
    assert marker.exists()
    # 15 s at most (the import would take 600): shutdown, exit, and exit code 0.
    assert await client.close() == 0
    pending.cancel()
