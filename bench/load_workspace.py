"""How long loading a large `.orchestra/` takes: 200 agents and 200 commands.

Goal (DESIGN §13): under 100 ms. Prints the median and the worst of several loads,
each a fresh `load_workspace` call (no caching between them), in wall-clock time and
in CPU time of this process — the latter is what the loader costs when other work
shares the machine's two cores.

    .venv/bin/python bench/load_workspace.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from orchestra_lsp.workspace import load_workspace

AGENTS = 200
COMMANDS = 200
RUNS = 15
GOAL_MS = 100.0

AGENT = (
    """---
name: agent-{i}
description: Agent number {i}, which reads code and reports what it finds.
tools: [read_file, list_files, search, edit]
max_turns: 30
---
You are agent {i}. Read the files involved before answering; cite `path:line`.
Keep changes small and explain why each one is needed.
"""
    + "More guidance for the agent, line {{n}}.\n" * 20
)

COMMAND = """---
description: Command {i} runs three steps
arguments:
  - {{name: ticket, description: "Ticket key", required: true}}
steps:
  - id: read
    agent: agent-{i}
    prompt: Read ticket {{{{ticket}}}} and list its criteria.
  - id: design
    agent: agent-{j}
    prompt: |
      Design the change for:
      {{{{steps.read.output}}}}
    gate: approve
  - id: build
    agent: agent-{i}
    prompt: "Implement: {{{{steps.design.output}}}}"
    gate: review
---
Cite files and lines in every answer.
"""


def build(root: Path) -> None:
    agents = root / ".orchestra" / "agents"
    commands = root / ".orchestra" / "commands"
    agents.mkdir(parents=True)
    commands.mkdir(parents=True)
    for i in range(AGENTS):
        (agents / f"agent-{i}.md").write_text(AGENT.format(i=i))
    for i in range(COMMANDS):
        (commands / f"command-{i}.md").write_text(COMMAND.format(i=i, j=(i + 1) % AGENTS))


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "repo"
        user = Path(folder) / "user"
        user.mkdir()
        build(root)
        timings, cpu = [], []
        for _ in range(RUNS):
            start, start_cpu = time.perf_counter(), time.process_time()
            workspace = load_workspace(root, user_dir=user)
            timings.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        errors = workspace.errors
    if errors:
        print(f"unexpected diagnostics: {errors[:3]}", file=sys.stderr)
        return 1
    median, median_cpu = statistics.median(timings), statistics.median(cpu)
    print(
        f"load_workspace: {len(workspace.agents)} agents, {len(workspace.commands)} commands "
        f"(with the built-ins) over {RUNS} loads: wall median {median:.1f} ms "
        f"(worst {max(timings):.1f}), CPU median {median_cpu:.1f} ms (worst {max(cpu):.1f}); "
        f"goal < {GOAL_MS:.0f} ms: {median / GOAL_MS:.2f}x wall, {median_cpu / GOAL_MS:.2f}x CPU"
    )
    print(f"  goal: < {GOAL_MS:.0f} ms CPU: {'ok' if median_cpu < GOAL_MS else 'SLOW'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
