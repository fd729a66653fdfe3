"""Run every benchmark in this folder, one process each, print their figures, then one
verdict per goal (the lines the benchmarks print as `goal: … ok|SLOW…`).

A benchmark that crashes, or prints no goal line, is named as such; the exit status
is 1 when one crashed. Each figure is printed beside its peer by the benchmark itself.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VERDICT = re.compile(
    r"\b(goal|verdict)\b.*:\s.*\b(?P<verdict>ok|PASS|SLOW|SLOWER|FAIL|DIFFERS|TOO BIG)\b"
)
MISSED = {"SLOW", "SLOWER", "FAIL", "DIFFERS", "TOO BIG"}


def main() -> int:
    failed: list[str] = []
    verdicts: list[tuple[str, str, bool]] = []
    for script in sorted(HERE.glob("*.py")):
        if script.name == Path(__file__).name or script.name.startswith("_"):
            continue
        print(f"== {script.name}", flush=True)
        process = subprocess.Popen(
            [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, bufsize=1
        )
        assert process.stdout is not None
        found = False
        for line in process.stdout:  # echoed as it comes: some benchmarks take minutes
            print(line, end="", flush=True)
            match = VERDICT.search(line)
            if match:
                found = True
                verdicts.append((script.stem, line.strip(), match["verdict"] not in MISSED))
        if process.wait() != 0:
            failed.append(script.name)
        elif not found:
            verdicts.append((script.stem, "(prints figures only, no goal)", True))
    load = os.getloadavg()
    print(
        f"\n== verdicts (load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores)"
    )
    for name, line, held in verdicts:
        print(f"  {'ok  ' if held else 'MISS'}  {name}: {line}")
    for name in failed:
        print(f"  FAILED  {name}: crashed (see above)")
    missed = sum(1 for _, _, held in verdicts if not held)
    print(f"  {len(verdicts) - missed} held, {missed} missed, {len(failed)} crashed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
