"""Idle memory of `orchestra serve` before the first run, beside jedi-language-server and
pylsp in the same run.

Issue 17: at most 1.2x jedi-language-server's. Each server is spawned on the same
folder as editors spawn it (Orchestra: `orchestra serve --stdio` with an editor's
environment, as in `lsp_initialize.py`; it re-executes itself once, keeping its
process id, so the process measured is the one the editor talks to),
initialized, asked what an editor asks first (Orchestra: `orchestra/commands`; the
peers: a code action on an open file), then left idle until its resident memory
settles (unchanged within 1 % for a second: background imports done); that resident
set (VmRSS) is the figure. Orchestra's first listing may come from its prefetch child
before the engine is built, so `orchestra/agents`, which only the engine answers, is
asked too: the figure is never taken halfway through the build. Servers are
interleaved, ROUNDS each, medians printed. The peers live in their own virtualenv
(`make lsp-bench-peers`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _lsp_stdio import StdioClient, compile_bytecode
from lsp_initialize import EDITOR_ENV, PEERS, REPO, ensure_peers, first_request

ROUNDS = 3
GOAL = 1.2


def resident_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


async def settled_mib(command: list[str], root: str, name: str) -> float:
    client = await StdioClient.spawn(*command, cwd=root, env={**os.environ, **EDITOR_ENV})
    try:
        await client.request(
            "initialize", {"processId": None, "rootUri": f"file://{root}", "capabilities": {}}
        )
        client.notify("initialized", {})
        method, params = first_request(name, root)
        if method == "textDocument/codeAction":
            text = (Path(root) / "app.py").read_text()
            document = params["textDocument"]
            assert isinstance(document, dict)
            opened = {**document, "languageId": "python", "version": 1, "text": text}
            client.notify("textDocument/didOpen", {"textDocument": opened})
        await client.request(method, params)
        if name == "orchestra":
            await client.request("orchestra/agents", {})  # the engine is built
        samples = [resident_mib(client.process.pid)]
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            await asyncio.sleep(0.25)
            samples.append(resident_mib(client.process.pid))
            recent = samples[-5:]
            if len(recent) == 5 and max(recent) - min(recent) <= 0.01 * max(recent):
                break
        return samples[-1]
    finally:
        await client.close()


async def main(peers: Path) -> None:
    compile_bytecode()
    with tempfile.TemporaryDirectory() as root:
        (Path(root) / ".orchestra").mkdir()
        (Path(root) / "app.py").write_text("def total(prices):\n    value = sum(prices)\n")
        servers = {
            "orchestra": [str(Path(sys.executable).parent / "orchestra"), "serve", "--stdio"],
            **{name: [str(peers / cmd[0]), *cmd[1:]] for name, cmd in PEERS.items()},
        }
        figures: dict[str, list[float]] = {name: [] for name in servers}
        for _ in range(ROUNDS):
            for name, command in servers.items():
                figures[name].append(await settled_mib(command, root, name))
    medians = {name: statistics.median(values) for name, values in figures.items()}
    load = os.getloadavg()[0]
    print(f"lsp_memory: resident memory once idle after the first answer, MiB (load {load:.1f})")
    print(
        "  (orchestra before its first run: workspace loaded and checked, engine built; the\n"
        "   model SDK and the run loop are imported by the first run, not counted here)"
    )
    for name, median in medians.items():
        ratio = medians["orchestra"] / median
        print(f"  {name:22} median {median:6.1f}   orchestra / this {ratio:5.2f}x")
    ratio = medians["orchestra"] / medians["jedi-language-server"]
    verdict = "ok" if ratio <= GOAL else "TOO BIG"
    print(f"  goal: idle memory <= {GOAL}x jedi-language-server: {ratio:.2f}x {verdict}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--peers", type=Path, default=REPO / ".venv" / "bench-peers" / "bin")
    args = parser.parse_args()
    asyncio.run(main(ensure_peers(args.peers)))
