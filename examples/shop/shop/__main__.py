"""`python3 -m shop [--port N] [--host H] [--detach | --stop]`, from the example's folder.

The port comes from `--port`, else `SHOP_PORT`, else 8000; the host defaults to
127.0.0.1 (a test shop has no business on other interfaces).

`--detach` starts the shop in the background, in its own session so that it outlives
the shell that started it (an agent's `run_shell` kills whatever its command leaves
behind), waits until it answers, prints its URL and returns. It is idempotent: if a
shop already answers on that port, it says so. The log and the pid file go to the
temp folder, never into the repository. `--stop` stops a detached shop.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from shop.accounts import ROOT, load_account
from shop.app import ShopServer
from shop.state import Shop

DEFAULT_PORT = 8000
READY_SECONDS = 10.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m shop", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("SHOP_PORT", DEFAULT_PORT)))
    parser.add_argument("--quiet", action="store_true", help="no access log")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--detach", action="store_true", help="run in the background")
    mode.add_argument("--stop", action="store_true", help="stop a shop started with --detach")
    args = parser.parse_args(argv)
    if args.detach:
        return detach(args.host, args.port)
    if args.stop:
        return stop(args.port)
    return serve(args.host, args.port, quiet=args.quiet)


def serve(host: str, port: int, *, quiet: bool = False) -> int:
    account = load_account()
    try:
        server = ShopServer((host, port), Shop(account), quiet=quiet)
    except OSError as error:
        print(f"shop: cannot listen on {host}:{port}: {error.strerror}", file=sys.stderr)
        return 1
    print(f"Shop running at {server.url} (test account: {account.email})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def detach(host: str, port: int) -> int:
    url = f"http://{host}:{port}"
    if _answers(url):
        print(f"Shop already running at {url}")
        return 0
    log, pid_file = _files(port)
    with log.open("wb") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "shop", "--host", host, "--port", str(port)],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pid_file.write_text(str(child.pid))
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if _answers(url):
            print(f"Shop running at {url} (pid {child.pid}, log {log})")
            return 0
        if child.poll() is not None:
            break
        time.sleep(0.1)
    print(f"shop: did not start; its log ({log}):\n{log.read_text(errors='replace')}")
    return 1


def stop(port: int) -> int:
    _, pid_file = _files(port)
    try:
        pid = int(pid_file.read_text())
    except (OSError, ValueError):
        print(f"shop: no detached shop on port {port}")
        return 1
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    pid_file.unlink(missing_ok=True)
    print(f"Shop on port {port} stopped")
    return 0


def _files(port: int) -> tuple[Path, Path]:
    folder = Path(tempfile.gettempdir())
    return folder / f"orchestra-shop-{port}.log", folder / f"orchestra-shop-{port}.pid"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=1) as response:
            return bool(response.read().startswith(b"shop ok"))
    except (urllib.error.URLError, OSError):
        return False


if __name__ == "__main__":
    sys.exit(main())
