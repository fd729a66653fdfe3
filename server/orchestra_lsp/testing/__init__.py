"""A scripted Anthropic Messages API server, to test Claude-driven code offline.

``ScriptedServer`` answers ``POST /v1/messages`` (JSON, or SSE when the request has
``"stream": true``) and ``POST /v1/messages/count_tokens`` over real HTTP on
127.0.0.1, from a script of turns. Point the real ``anthropic`` SDK - or Orchestra
itself, via ``ANTHROPIC_BASE_URL`` - at ``server.base_url``: the production code path
runs unchanged, and every request is checked against what the script expects.

Quick start (pytest; works in sync and in async tests alike)::

    from anthropic import AsyncAnthropic
    from orchestra_lsp.testing import ScriptedServer

    async def test_my_command() -> None:
        script = [
            {"expect": {"system_contains": ["reviewer"]},
             "reply": {"tool_use": [{"name": "read_file", "input": {"path": "a.py"}}]}},
            {"expect": {"last_tool_result_contains": ["def main"], "prefix_unchanged": True},
             "reply": {"text": "Looks good."}},
        ]
        with ScriptedServer(script) as srv:
            client = AsyncAnthropic(base_url=srv.base_url, api_key="test")
            ...  # run the code under test against `client`
        srv.assert_no_failures()   # every request matched its turn
        srv.assert_all_consumed()  # and every turn was played

The script format
-----------------
A script is a list of turns (or ``{"turns": [...]}``), as Python dicts or
:class:`Turn` models, or a ``.yaml`` / ``.json`` file::

    - name: plan                       # optional, names the turn in failure messages
      expect:                          # optional checks on the request
        model: claude-sonnet-4-6
        system_contains: ["You are the planner"]
        messages_contain: ["SHOP-12"]  # anywhere in messages, tool inputs and results
        tools: [read_file]             # must be offered (tools_exactly: the exact set)
        max_tokens_at_most: 8192
      reply:
        text: "Let me read the ticket."        # a string, or a list of exact deltas
        tool_use:
          - {name: get_ticket, input: {key: SHOP-12}}   # id generated when omitted
        # stop_reason: tool_use (derived: tool_use if tool calls, else end_turn);
        #   max_tokens streams the last tool call's input JSON cut off half-way
      usage: {input_tokens: 1200, output_tokens: 40}  # optional; the rest is estimated
    - name: answer
      expect:
        last_tool_result_contains: ["Acceptance criteria"]
        prefix_unchanged: true         # model + tools + system up to cache_control unchanged
      fault: {status: 529, retry_after: 0.05, times: 1}  # first attempt overloaded...
      reply: {text: "Done."}                              # ...the retry gets this

Faults (``fault``): ``status`` (400, 401, 403, 404, 408, 413, 429, 5xx, 529) with
optional ``retry_after`` seconds and ``message``; or ``cut_after_events: N`` to drop
the SSE stream after N events (add ``cut_cleanly: true`` to end the body properly,
leaving a stream without ``message_stop``; a non-streaming request just gets its
connection dropped). A fault answers the first ``times`` (default 1)
requests of its turn, then the turn's reply answers the next one - unless
``consume: true``, when the faults are the whole turn. Timing: ``delay`` seconds
before answering, ``delay_between_events`` between SSE events.

Usage defaults: the prompt is ``len(body) / 4`` tokens, and prompt caching works as
the API documents it (``responses.PromptCache``): every ``cache_control`` breakpoint, in
the tools, the system or the messages, stores the prefix ending there; a later request
reads the longest stored prefix ending at one of its breakpoints (or up to 20 blocks
before one) as ``cache_read_input_tokens`` and writes the rest up to its last breakpoint
as ``cache_creation_input_tokens``.

Failing loudly: a request that does not match its turn, or comes after the last
one, is answered with HTTP 400 ``invalid_request_error`` whose message says what
differed (expected vs an excerpt of the actual), and is recorded in
``server.failures``. ``server.requests`` keeps every request (raw bytes and parsed
JSON) for further assertions.

As a process (for the demo, or for testing another client)::

    python -m orchestra_lsp.testing SCRIPT.yaml [--port N]

prints its base URL as the first line on stdout and serves until killed; mismatches
are logged on stderr.
"""

from .script import Expect, Fault, Reply, Script, ScriptLike, ToolUse, Turn, UsageSpec, load_script
from .server import ReceivedRequest, ScriptedServer, ScriptFailure

__all__ = [
    "Expect",
    "Fault",
    "ReceivedRequest",
    "Reply",
    "Script",
    "ScriptFailure",
    "ScriptLike",
    "ScriptedServer",
    "ToolUse",
    "Turn",
    "UsageSpec",
    "load_script",
]
