"""Spawn -> `initialize` result: Orchestra against jedi-language-server and pylsp.

DESIGN §13: no slower than jedi-language-server measured in the same run. The peers
live in their own virtualenv (`--peers DIR`, default `.venv/bench-peers/bin`, created
with pip when missing). Runs are interleaved so machine noise hits all alike.
Prints the median and p90 per server and Orchestra's ratio to each peer.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _lsp_stdio import time_initialize

REPO = Path(__file__).resolve().parents[1]
PEERS = {"jedi-language-server": ["jedi-language-server"], "pylsp": ["pylsp"]}


def ensure_peers(folder: Path) -> Path:
    if not (folder / "jedi-language-server").exists() or not (folder / "pylsp").exists():
        venv = folder.parent
        print(f"installing the peers into {venv} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [
                str(folder / "python"),
                "-m",
                "pip",
                "install",
                "-q",
                "jedi-language-server",
                "python-lsp-server",
            ],
            check=True,
        )
    return folder


async def main(peers: Path, runs: int) -> None:
    with tempfile.TemporaryDirectory() as root:
        (Path(root) / ".orchestra").mkdir()
        servers = {
            "orchestra": [sys.executable, "-m", "orchestra_lsp.lsp", "--workspace", root],
            **{name: [str(peers / cmd[0]), *cmd[1:]] for name, cmd in PEERS.items()},
        }
        timings: dict[str, list[float]] = {name: [] for name in servers}
        for command in servers.values():  # warm the file cache once each
            await time_initialize(command, root)
        for _ in range(runs):
            for name, command in servers.items():
                timings[name].append(await time_initialize(command, root))
    medians = {name: statistics.median(t) for name, t in timings.items()}
    print(f"spawn -> initialize result, {runs} runs each (ms)")
    for name, values in timings.items():
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"  {name:22} median {medians[name]:7.1f}   p90 {p90:7.1f}")
    for peer in PEERS:
        ratio = medians["orchestra"] / medians[peer]
        print(f"  orchestra / {peer}: {ratio:.2f}x")
    verdict = "ok" if medians["orchestra"] <= medians["jedi-language-server"] else "SLOWER"
    print(f"  goal: no slower than jedi-language-server: {verdict}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--peers", type=Path, default=REPO / ".venv" / "bench-peers" / "bin")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    asyncio.run(main(ensure_peers(args.peers), args.runs))
