"""`Engine.warm_up` does a first run's one-time work before the run: the model SDK is
imported, the tokenizer loaded, and what survived is left out of the collector's passes
(bench/long_run.py measures what that saves: no full pass in the middle of a turn).

In a fresh interpreter each, so that nothing imported by other tests hides a miss."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = """
import gc, json, sys
from pathlib import Path
from orchestra_lsp.engine import Engine
engine = Engine(Path(sys.argv[1]), user_dir=Path(sys.argv[2]))
before = {"sdk": "anthropic" in sys.modules, "frozen": gc.get_freeze_count()}
engine.warm_up()
frozen = gc.get_freeze_count()
engine.warm_up()  # a second engine's warm-up (after a reload) freezes nothing more
from orchestra_lsp.context import tokens
print(json.dumps({
    "before": before,
    "sdk": "anthropic" in sys.modules,
    "tokenizer": tokens._load_native.cache_info().currsize == 1,
    "frozen": frozen,
    "again": gc.get_freeze_count() - frozen,
}))
"""


def test_warm_up_imports_the_sdk_loads_the_tokenizer_and_freezes_once(tmp_path: Path) -> None:
    (tmp_path / "ws" / ".orchestra").mkdir(parents=True)
    (tmp_path / "user").mkdir()
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "ws"), str(tmp_path / "user")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    seen = json.loads(done.stdout)
    assert seen["before"] == {"sdk": False, "frozen": 0}
    assert seen["sdk"] and seen["tokenizer"]
    assert seen["frozen"] > 10_000  # the imported modules' objects, at least
    assert seen["again"] == 0
