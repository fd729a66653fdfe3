"""The scripted Messages API server: real HTTP on loopback, one thread, one script.

It runs a stdlib ``ThreadingHTTPServer`` in a background thread, so it works the same
when started from plain code, from inside a running asyncio loop (the loop is never
blocked: the server does its I/O and its scripted delays on its own threads), and as
a standalone process (``python -m orchestra_lsp.testing``).

Every response closes its connection, so stopping the server never waits on a client's
idle keep-alive connection, and scripted waits are interruptible, so ``stop()`` is
prompt even while a turn is delaying.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self, cast

from . import responses
from .matching import check, excerpt, messages_text
from .script import Fault, Script, ScriptLike, Turn, load_script

log = logging.getLogger("orchestra_lsp.testing")

MESSAGES_PATH = "/v1/messages"
COUNT_TOKENS_PATH = "/v1/messages/count_tokens"


@dataclass(frozen=True)
class ReceivedRequest:
    """A request as the server got it: the raw bytes and, when it was JSON, the parsed body.

    ``turn`` is the 0-based index of the turn it was checked against (None for
    ``count_tokens``, unknown paths, and requests after the script ran out).
    """

    path: str
    headers: dict[str, str]
    raw: bytes
    turn: int | None

    @functools.cached_property
    def body(self) -> dict[str, Any] | None:
        """The raw bytes parsed, when they are a JSON object; parsed when first asked
        for, so that a long run's requests are kept as bytes: thousands of parsed
        conversations would lengthen every garbage collection of the process under test."""
        return _json_object(self.raw)


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        parsed = json.loads(raw)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


@dataclass(frozen=True)
class ScriptFailure:
    """A request the script did not allow; ``message`` says what differed."""

    turn: int | None
    message: str


@dataclass
class _Plan:
    """How to answer one request, decided under the lock and carried out outside it."""

    status: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    events: list[tuple[str, dict[str, Any]]] | None = None
    cut_after: int | None = None
    cut_cleanly: bool = False
    delay: float = 0.0
    delay_between_events: float = 0.0


class ScriptedServer:
    """An Anthropic Messages API stand-in that plays a script of turns on 127.0.0.1.

    ::

        with ScriptedServer([{"reply": {"text": "Hello"}}]) as srv:
            client = AsyncAnthropic(base_url=srv.base_url, api_key="test")
            ...
        srv.assert_all_consumed()
        srv.assert_no_failures()

    A request that does not match its turn's ``expect``, or that arrives after the last
    turn, gets HTTP 400 ``invalid_request_error`` whose message says what differed, and
    is recorded in :attr:`failures` (and logged as a warning on the
    ``orchestra_lsp.testing`` logger).
    """

    def __init__(self, script: ScriptLike, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.script: Script = load_script(script)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._requests: list[ReceivedRequest] = []
        self._failures: list[ScriptFailure] = []
        self._next_turn = 0
        self._played: set[int] = set()
        """Turns played, for a concurrent script (else `_next_turn` says it)."""
        self._faults_given = 0
        self._previous_body: dict[str, Any] | None = None
        self._cache = responses.PromptCache()
        self._httpd = _HTTPServer((host, port), _Handler, self)
        self._thread: threading.Thread | None = None

    @classmethod
    def from_file(
        cls, path: str | Path, *, host: str = "127.0.0.1", port: int = 0
    ) -> ScriptedServer:
        """A server for a ``.json`` / ``.yaml`` script file."""
        return cls(Script.from_file(path), host=host, port=port)

    @property
    def base_url(self) -> str:
        """The URL to give the SDK as ``base_url`` (or as ``ANTHROPIC_BASE_URL``)."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> list[ReceivedRequest]:
        """Every request received so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def failures(self) -> list[ScriptFailure]:
        """Every request the script did not allow, in arrival order (a copy)."""
        with self._lock:
            return list(self._failures)

    @property
    def turns_served(self) -> int:
        """How many turns have been fully played."""
        with self._lock:
            return len(self._played) if self.script.concurrent else self._next_turn

    def start(self) -> Self:
        """Serve in a background daemon thread; returns at once, ready for requests."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"scripted-anthropic-{self.base_url}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, interrupt scripted delays and release the port. Idempotent."""
        self._stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def assert_no_failures(self) -> None:
        """Raise AssertionError listing every mismatch the server saw."""
        failures = self.failures
        if failures:
            lines = "\n".join(f"- {f.message}" for f in failures)
            raise AssertionError(f"the scripted server saw {len(failures)} failure(s):\n{lines}")

    def assert_all_consumed(self) -> None:
        """Raise AssertionError if some turns were never played."""
        served = self.turns_served
        total = len(self.script.turns)
        if served < total:
            with self._lock:
                unplayed = [
                    i
                    for i in range(total)
                    if (i not in self._played if self.script.concurrent else i >= served)
                ]
            left = ", ".join(self.script.turns[i].label(i) for i in unplayed)
            raise AssertionError(
                f"{total - served} of {total} scripted turn(s) never played: {left}"
            )

    # Called from handler threads.

    def _record(
        self, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[dict[str, Any] | None, int]:
        """Store a request; returns its parsed body (None if not a JSON object) and its index."""
        body = _json_object(raw)
        turn = (
            self._next_turn
            if path == MESSAGES_PATH and self._next_turn < len(self.script.turns)
            else None
        )
        self._requests.append(ReceivedRequest(path, headers, raw, turn))
        return body, len(self._requests) - 1

    def _fail(self, turn: int | None, message: str) -> _Plan:
        self._failures.append(ScriptFailure(turn, message))
        log.warning("scripted server: %s", message)
        return _Plan(
            status=400,
            body=responses.error_body(400, f"scripted server: {message}"),
            headers={"x-should-retry": "false"},
        )

    def _plan(self, path: str, headers: dict[str, str], raw: bytes) -> _Plan:
        """Decide the answer to one request and advance the script accordingly."""
        with self._lock:
            body, number = self._record(path, headers, raw)
            if path == COUNT_TOKENS_PATH:
                return _Plan(body={"input_tokens": responses.estimate_tokens(raw)})
            if path != MESSAGES_PATH:
                return self._fail(None, f"unexpected request to {path}")
            if body is None:
                return self._fail(self._next_turn, f"request #{number + 1} is not a JSON object")
            previous, self._previous_body = self._previous_body, body
            return self._plan_turn(body, raw, previous, number)

    def _plan_turn(
        self, body: dict[str, Any], raw: bytes, previous: dict[str, Any] | None, number: int
    ) -> _Plan:
        if self.script.concurrent:
            return self._plan_concurrent(body, raw, number)
        index = self._next_turn
        if index >= len(self.script.turns):
            return self._fail(
                None,
                f"request #{number + 1} arrived after all {len(self.script.turns)} scripted "
                f"turn(s) were played; its conversation: {excerpt(messages_text(body))}",
            )
        turn = self.script.turns[index]
        problems = check(turn.expect, body, previous)
        if problems:
            return self._fail(index, f"{turn.label(index)} does not match: " + "; ".join(problems))
        fault = turn.fault
        if fault is not None and self._faults_given < fault.times:
            self._faults_given += 1
            if self._faults_given == fault.times and fault.consume:
                self._advance()
            return self._fault_plan(turn, fault, body, raw, previous, number)
        self._advance()
        return self._reply_plan(turn, body, raw, previous, number)

    def _plan_concurrent(self, body: dict[str, Any], raw: bytes, number: int) -> _Plan:
        """The first unplayed turn whose expectations this request meets."""
        unplayed = [i for i in range(len(self.script.turns)) if i not in self._played]
        for index in unplayed:
            if not check(self.script.turns[index].expect, body, None):
                self._played.add(index)
                return self._reply_plan(self.script.turns[index], body, raw, None, number)
        return self._fail(
            None,
            f"request #{number + 1} meets no unplayed turn's expectations "
            f"({len(unplayed)} left); its conversation: {excerpt(messages_text(body))}",
        )

    def _advance(self) -> None:
        self._next_turn += 1
        self._faults_given = 0

    def _fault_plan(
        self,
        turn: Turn,
        fault: Fault,
        body: dict[str, Any],
        raw: bytes,
        previous: dict[str, Any] | None,
        number: int,
    ) -> _Plan:
        if fault.status is None:
            plan = self._reply_plan(turn, body, raw, previous, number)
            plan.cut_after = fault.cut_after_events
            plan.cut_cleanly = fault.cut_cleanly
            return plan
        headers: dict[str, str] = {}
        if fault.retry_after is not None:
            headers["retry-after"] = f"{fault.retry_after:g}"
            headers["retry-after-ms"] = f"{fault.retry_after * 1000:g}"
        message = fault.message or f"scripted fault {fault.status}"
        return _Plan(
            status=fault.status,
            body=responses.error_body(fault.status, message),
            headers=headers,
            delay=turn.delay,
        )

    def _reply_plan(
        self,
        turn: Turn,
        body: dict[str, Any],
        raw: bytes,
        previous: dict[str, Any] | None,
        number: int,
    ) -> _Plan:
        message_id = f"msg_scripted_{number + 1}"
        full = responses.message(
            turn,
            message_id=message_id,
            model=str(body.get("model", "scripted")),
            usage=responses.usage_for(turn, body, raw, self._cache),
            content=responses.content_blocks(turn, message_id),
        )
        plan = _Plan(delay=turn.delay, delay_between_events=turn.delay_between_events)
        if body.get("stream"):
            plan.events = responses.stream_events(full, turn)
        else:
            plan.body = full
        return plan


class _HTTPServer(ThreadingHTTPServer):
    """The stdlib server, knowing the ScriptedServer its handlers report to."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], handler: type[_Handler], scripted: ScriptedServer
    ) -> None:
        self.scripted = scripted
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)

    def server_close(self) -> None:
        """Also end the connections kept open for a next request."""
        super().server_close()
        with self.connections_lock:
            for connection in self.connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    """Reads one request, asks the ScriptedServer for a plan, and carries it out."""

    protocol_version = "HTTP/1.1"
    timeout = 30

    def setup(self) -> None:
        super().setup()
        # Small writes (headers, then one SSE event at a time) on a kept connection
        # would otherwise wait for the client's delayed ACK: 40 ms a response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        server = cast(_HTTPServer, self.server)
        with server.connections_lock:
            server.connections.add(self.connection)

    def finish(self) -> None:
        server = cast(_HTTPServer, self.server)
        with server.connections_lock:
            server.connections.discard(self.connection)
        super().finish()

    def do_POST(self) -> None:
        scripted = cast(_HTTPServer, self.server).scripted
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        plan = scripted._plan(self.path.split("?", 1)[0], headers, raw)
        # The connection is kept for the client's next request, as the real API's is,
        # but only after an answer sent whole; a cut, a stop or an error closes it.
        self.close_connection = True
        try:
            if plan.delay and scripted._stopping.wait(plan.delay):
                return
            if plan.events is None and plan.cut_after is not None:
                self._drop_connection()
            elif plan.events is None:
                self._send_json(plan)
                self.close_connection = False
            else:
                self.close_connection = not self._send_events(plan, scripted._stopping)
        except OSError:
            pass  # The client went away (a cancelled turn): nothing left to answer.

    def _send_json(self, plan: _Plan) -> None:
        data = json.dumps(plan.body).encode()
        self.send_response(plan.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in plan.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_events(self, plan: _Plan, stopping: threading.Event) -> bool:
        """Stream SSE, chunked; a cut leaves the body unterminated, like a dropped
        connection. True when the body was ended properly."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for number, (event, data) in enumerate(plan.events or []):
            if number == plan.cut_after and not plan.cut_cleanly:
                self._drop_connection()
                return False
            if number == plan.cut_after:
                break
            if number and plan.delay_between_events and stopping.wait(plan.delay_between_events):
                return False
            chunk = responses.sse(event, data)
            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        return True

    def _drop_connection(self) -> None:
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read ``requests`` and ``failures`` instead of an access log."""
