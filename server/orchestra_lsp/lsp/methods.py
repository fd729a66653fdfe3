"""The names of Orchestra's own LSP methods and commands, spelled once.

Kept apart from the payload models so the protocol layer can name them without
importing pydantic before `initialize` is answered.
"""

from __future__ import annotations

COMMANDS = "orchestra/commands"
AGENTS = "orchestra/agents"
RUN = "orchestra/run"
RUNS = "orchestra/runs"
PROPOSAL = "orchestra/proposal"
DECIDE = "orchestra/decide"
CANCEL = "orchestra/cancel"
CONTEXT = "orchestra/context"
RECOVER = "orchestra/recover"
"""Review again the proposal of a run interrupted before its review (`{runId}`)."""
RESUME = "orchestra/resume"
"""Continue a run where it stopped, or from a step (`{runId, fromStep?}`): the new `{runId}`."""
BATCH = "orchestra/batch"
"""Run a command once per item (`{command, items | eachFrom, …}`), progress as below."""
CANCEL_BATCH = "orchestra/cancelBatch"
"""Cancel a batch started with `orchestra/batch` (`{batchId}`): `{cancelled}`."""
BATCH_PROGRESS = "orchestra/batchProgress"
"""Notification, server to client (with `orchestra/event`): a batch's items so far."""
UNDO = "orchestra/undo"
"""Take back what a run landed (`{runId, file?, step?}`): returns the undo run's `{runId}`."""
RUN_PAGE = "orchestra/runPage"
"""A run's HTML page (report, timeline, cost, review), written beside its journal."""
MCP_LOGIN = "orchestra/mcpLogin"
"""OAuth with an HTTP MCP server (`{server}`), the page opened by the editor."""
GATE = "orchestra/gate"
"""The run's open approve or budget gate (`{runId}`), to show and edit its output."""
EDIT = "orchestra/edit"
"""Request, server to client, when the client declares `experimental.orchestra.edit`."""
EVENT = "orchestra/event"
"""Notification, server to client: one engine event, as the journal writes it."""
ASK = "orchestra/ask"
"""Request, server to client, when the client declares `experimental.orchestra.ask`."""

REQUESTS = (
    COMMANDS,
    AGENTS,
    RUN,
    RUNS,
    PROPOSAL,
    DECIDE,
    CANCEL,
    CONTEXT,
    RECOVER,
    UNDO,
    RESUME,
    BATCH,
    CANCEL_BATCH,
    RUN_PAGE,
    MCP_LOGIN,
    GATE,
)
"""Requests a client may send."""

# workspace/executeCommand commands: the same operations for stock clients.
RUN_COMMAND = "orchestra.run"
DECIDE_COMMAND = "orchestra.decide"
CANCEL_COMMAND = "orchestra.cancel"
RELOAD_COMMAND = "orchestra.reload"
MCP_LOGIN_COMMAND = "orchestra.mcpLogin"
