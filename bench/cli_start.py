"""How long the installed `orchestra` command takes to start (issue 17).

Two goals, each measured on the console script pip installed (what a person runs), in
fresh processes, interleaved with its peers so that load on the machine hits them alike:

- `orchestra --version` < 60 ms, beside Python's own start (`python -c pass`, and
  `python -S -c pass` without the site packages);
- `orchestra check` of 200 agents + 200 commands <= 1.5x a read+YAML script: one that
  reads the same files and parses their YAML front matter with PyYAML's C loader and
  nothing more. The same script with yaml_rs (the parser Orchestra uses) is printed too.
  The goal is judged on a repeated check of unchanged files (warm: the stored result,
  reused after every input it consulted was read and hashed again), as ruff, mypy and
  eslint are; the cold check (`--no-cache`: every file loaded and validated with the
  pydantic models) is printed beside it with its own ratio, and so is the import of
  pydantic with one model, which alone exceeds the goal's budget.

The environment holds a credential-like variable, as a person's does, so `check`
re-executes itself once to hide it from /proc (see secret_environment), as it does for
them. Orchestra's bytecode is compiled first, as pip compiles an installed package's.

    .venv/bin/python bench/cli_start.py
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _lsp_stdio import compile_bytecode
from load_workspace import AGENTS, COMMANDS, build

ROUNDS = 7
PYDANTIC = """
import pydantic
class Model(pydantic.BaseModel):
    name: str
Model(name="x")
"""
VERSION_GOAL_MS = 60.0
CHECK_GOAL_RATIO = 1.5
ORCHESTRA = Path(sys.executable).with_name("orchestra")

READ_YAML = """
import sys
from pathlib import Path
{import_line}
count = 0
for kind in ("agents", "commands"):
    for path in sorted(Path(sys.argv[1], ".orchestra", kind).glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if text.startswith("---\\n"):
            end = text.find("\\n---", 4)
            data = {load}(text[4:end])
            count += isinstance(data, dict)
print(count)
"""
PYYAML = READ_YAML.format(
    import_line="import yaml", load="(lambda t: yaml.load(t, Loader=yaml.CSafeLoader))"
)
YAML_RS = READ_YAML.format(import_line="import yaml_rs", load="yaml_rs.loads")


def run(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """(wall ms, CPU ms of the process and its children, stdout + stderr)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    wall = (time.perf_counter() - began) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return wall, cpu, done.stdout + done.stderr


def main() -> int:
    compile_bytecode()
    env = {**os.environ, "ORCHESTRA_BENCH_TOKEN": "sk-not-a-real-key"}
    with tempfile.TemporaryDirectory() as temporary:
        # The check's cache goes where a person's does, in a folder of the bench's own.
        env["XDG_CACHE_HOME"] = str(Path(temporary) / "cache")
        root = Path(temporary) / "repo"
        build(root)
        (Path(temporary) / "read_pyyaml.py").write_text(PYYAML)
        (Path(temporary) / "read_yaml_rs.py").write_text(YAML_RS)
        python = sys.executable
        cases = {
            "python -c pass": [python, "-c", "pass"],
            "python -S -c pass": [python, "-S", "-c", "pass"],
            "orchestra --version": [str(ORCHESTRA), "--version"],
            "read+YAML script (PyYAML C)": [python, str(Path(temporary) / "read_pyyaml.py"), "."],
            "read+YAML script (yaml_rs)": [python, str(Path(temporary) / "read_yaml_rs.py"), "."],
            "python -c 'import pydantic; 1 model'": [python, "-c", PYDANTIC],
            "orchestra check (cold, --no-cache)": [str(ORCHESTRA), "check", "--no-cache"],
            "orchestra check (warm, unchanged)": [str(ORCHESTRA), "check"],
        }
        walls: dict[str, list[float]] = {name: [] for name in cases}
        cpus: dict[str, list[float]] = {name: [] for name in cases}
        outputs: dict[str, str] = {}
        for name, command in cases.items():  # a first, unmeasured round warms the caches
            outputs[name] = run(command, root, env)[2]
        stored = list((Path(temporary) / "cache" / "orchestra" / "check").glob("*.json"))
        for _ in range(ROUNDS):
            for name, command in cases.items():
                took, used, _ = run(command, root, env)
                walls[name].append(took)
                cpus[name].append(used)
    if not outputs["orchestra --version"].startswith("orchestra "):
        print(f"FAIL: --version printed {outputs['orchestra --version']!r}")
        return 1
    expected = f"0 error(s), 0 warning(s); {AGENTS + 6} agents"
    cold_check, warm_check = (
        "orchestra check (cold, --no-cache)",
        "orchestra check (warm, unchanged)",
    )
    if expected not in outputs[cold_check]:
        print(f"FAIL: check printed {outputs[cold_check]!r}")
        return 1
    if outputs[warm_check] != outputs[cold_check]:
        print(f"FAIL: the warm check printed {outputs[warm_check]!r}, not what the cold one did")
        return 1
    if len(stored) != 1:
        print(f"FAIL: the first check stored {len(stored)} results; the warm one would be cold")
        return 1
    if outputs["read+YAML script (PyYAML C)"].split() != [str(AGENTS + COMMANDS)]:
        print(f"FAIL: the read+YAML script printed {outputs['read+YAML script (PyYAML C)']!r}")
        return 1
    wall = {name: statistics.median(times) for name, times in walls.items()}
    cpu = {name: statistics.median(times) for name, times in cpus.items()}
    load = os.getloadavg()
    print(
        f"installed `orchestra` start, median of {ROUNDS} interleaved rounds "
        f"(load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; {AGENTS}+{COMMANDS} definitions):"
    )
    for name in cases:
        print(f"  {name:38} wall {wall[name]:7.1f} ms   CPU {cpu[name]:7.1f} ms")
    version = wall["orchestra --version"]
    print(
        f"  goal: orchestra --version < {VERSION_GOAL_MS:g} ms ({version:.1f} ms, "
        f"{version / wall['python -c pass']:.2f}x python -c pass): "
        f"{'ok' if version < VERSION_GOAL_MS else 'SLOW'}"
    )
    peer = wall["read+YAML script (PyYAML C)"]
    warm = wall[warm_check] / peer
    warm_rs = wall[warm_check] / wall["read+YAML script (yaml_rs)"]
    print(
        f"  goal: orchestra check <= {CHECK_GOAL_RATIO:g}x the read+YAML script, judged on a "
        f"repeated check of unchanged files (warm: the stored result, every input read and "
        f"hashed again): {warm:.2f}x ({warm_rs:.2f}x with yaml_rs): "
        f"{'ok' if warm <= CHECK_GOAL_RATIO else 'SLOW'}"
    )
    cold = wall[cold_check] / peer
    pydantic = wall["python -c 'import pydantic; 1 model'"] / peer
    print(
        f"  cold check (--no-cache, every file loaded and validated): {cold:.2f}x the "
        f"read+YAML script (cold: no goal met; pydantic's import alone is {pydantic:.2f}x "
        "the peer)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
