"""Writing a run's journal: `<workspace>/.orchestra/runs/<run-id>/`.

- ``events.jsonl``: one JSON object per line. Each line is written and flushed to the
  operating system as soon as its event arrives, so a killed server loses nothing it has
  written; it is also fsync'd (durable across a power loss) at step boundaries, gates,
  proposals and the end of the run — often enough to matter, rarely enough to cost
  nothing per streamed token. The writer adds ``ts`` (ISO 8601, UTC, unless the event
  has one) and ``seq`` (the line's number, from 1).
- ``text_delta`` events are coalesced: consecutive deltas that differ only in their
  ``text`` are held and written as one line whose ``text`` is their concatenation, with
  ``coalesced`` giving how many they were and ``ts`` the first one's time. The held text
  is written when any other event arrives, when it exceeds 64 KiB or is older than half a
  second (checked as deltas arrive), on :meth:`RunJournal.flush` and when the run ends.
  A kill can lose only the text held at that moment.
- ``run.json``: :class:`RunMeta`, rewritten atomically when the state changes.
- ``changeset.json``: the engine's pending changeset, an opaque JSON-able dict, rewritten
  atomically on every change and removed once nothing is pending; decisions are events.

Everything is redacted (see :mod:`orchestra_lsp.redaction`) before it is written —
the event text as a whole line, so a secret split across two deltas is still caught
once they are coalesced.

The writes are small and local, so the engine calls this from the event loop; fsync at
step boundaries is the only slow part.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import time
from collections.abc import Mapping
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from pydantic import BaseModel

from orchestra_lsp.journal.files import atomic_write_json, dumps, fsync_directory
from orchestra_lsp.journal.ids import new_run_id
from orchestra_lsp.journal.index import append_entry
from orchestra_lsp.journal.models import RUNS_FOLDER, TERMINAL_EVENTS, RunMeta, RunState
from orchestra_lsp.journal.process import current_process
from orchestra_lsp.redaction import Redactor

EVENTS_FILE = "events.jsonl"
logger = logging.getLogger(__name__)

RUN_FILE = "run.json"
CHANGESET_FILE = "changeset.json"
REPORT_FILE = "report.md"

#: Events after which events.jsonl is fsync'd, besides the terminal ones.
SYNC_EVENTS = frozenset(
    {
        "step_started",
        "step_finished",
        "step_skipped",
        "gate_opened",
        "gate_decided",
        "proposal_ready",
        "proposal_decided",
    }
)
TEXT_DELTA = "text_delta"
MAX_HELD_TEXT = 64 * 1024
MAX_HELD_SECONDS = 0.5


class JournalWriteError(OSError):
    """The journal cannot be written (a full disk, a read-only folder), said in one line.

    The file is left ending at its last whole line; the journal writes nothing more."""

    def __str__(self) -> str:
        return str(self.strerror)


class RunJournal:
    """The journal of one run, written by the process that runs it. Use :meth:`start`."""

    def __init__(self, directory: Path, meta: RunMeta, redactor: Redactor) -> None:
        self.directory = directory
        self._meta = meta
        self._redactor = redactor
        # Unbuffered: each line is one write(2), in the operating system's hands at once.
        try:
            self._events: BinaryIO = (directory / EVENTS_FILE).open("ab", buffering=0)
        except OSError as error:
            raise _write_error(directory / EVENTS_FILE, error) from None
        self._whole = os.fstat(self._events.fileno()).st_size
        """Bytes of whole lines in events.jsonl: a failed write is cut back to here."""
        self._failure: JournalWriteError | None = None
        self._seq = 0
        self._cost: float | None = None
        self._cache_read = 0
        self._models: list[str] = []
        self._prompt_tokens = 0
        self._held: dict[str, Any] | None = None
        self._held_key: dict[str, Any] = {}
        self._held_parts: list[str] = []
        self._held_length = 0
        self._held_since = 0.0
        self._write_meta()

    @classmethod
    def start(
        cls,
        workspace: Path,
        command: str,
        arguments: Mapping[str, Any],
        *,
        redactor: Redactor | None = None,
        run_id: str | None = None,
    ) -> RunJournal:
        """Create the run's folder and run.json (state `running`) and open events.jsonl."""
        runs = workspace / RUNS_FOLDER
        try:
            runs.mkdir(parents=True, exist_ok=True)
            _ignore_in_git(runs)
            while True:
                candidate = run_id or new_run_id()
                try:
                    (runs / candidate).mkdir()
                    break
                except FileExistsError:
                    if run_id is not None:
                        raise
            fsync_directory(runs)
        except FileExistsError:
            raise
        except OSError as error:
            raise _write_error(runs, error) from None
        meta = RunMeta(
            run_id=candidate,
            command=command,
            arguments=dict(arguments),
            workspace=str(workspace),
            started_at=datetime.now(UTC),
            process=current_process(),
        )
        return cls(runs / candidate, meta, redactor or Redactor())

    @property
    def run_id(self) -> str:
        return self._meta.run_id

    @property
    def state(self) -> RunState:
        return self._meta.state

    def covered_by(self, redactor: Redactor) -> bool:
        """Whether `redactor` redacts at least what this journal's does (the same shape
        rules, every literal secret): an event it has redacted needs no second pass."""
        return redactor.covers(self._redactor)

    def append(
        self,
        event: BaseModel | Mapping[str, Any],
        *,
        screened: bool = False,
        encoded: bytes | None = None,
    ) -> None:
        """Journal one event (see the module docstring for coalescing and syncing).

        `screened`: the event was redacted already by a redactor that `covered_by` this
        journal's (the engine redacts every event before it shows it), so its line is
        not screened a second time; text deltas, coalesced here, always are.
        `encoded`: the event (a mapping) as `files.dumps` encodes it, when the caller
        has it already: the line is made from it instead of encoding the event again.

        Raises ValueError for an event without a `type` or for another run,
        RuntimeError once the journal is closed, and JournalWriteError once a write has
        failed (for a text delta, at the next other event).
        """
        if self._events.closed:
            raise RuntimeError(f"the journal of run {self.run_id} is closed")
        record = self._normalise(event)
        kind = record["type"]
        if kind == TEXT_DELTA:
            # Streamed text arrives in timer callbacks too, where an exception reaches no
            # one: a failed write is kept and raised by the next other event.
            if self._failure is None:
                with contextlib.suppress(JournalWriteError):
                    self._hold(record)
            return
        if self._failure is not None:
            raise self._failure
        if "ts" in record or not isinstance(event, Mapping) or event.get("run_id") is None:
            encoded = None  # the line differs from the event as it came
        _stamp(record)
        self._count_cost(record)
        # Held text goes out in the same write as the event after it.
        self._put(self._take_held() + self._line(record, screened=screened, encoded=encoded))
        if kind in TERMINAL_EVENTS:
            self._finish(TERMINAL_EVENTS[kind], record["ts"])
        elif kind in SYNC_EVENTS:
            self._sync()

    def flush(self, *, sync: bool = False) -> None:
        """Write held text now; with `sync`, also make events.jsonl durable."""
        self._release_held()
        if sync:
            self._sync()

    def write_changeset(self, changeset: Mapping[str, Any]) -> None:
        """Record the pending changeset (atomically replaces the previous one)."""
        atomic_write_json(self.directory / CHANGESET_FILE, self._redactor.redact(changeset))

    def write_report(self, text: str) -> Path:
        """Save the run's answer (its last step's output) as Markdown beside its events,
        control and bidi characters spelled out (`shown_text`: people `cat` it)."""
        from orchestra_lsp.shown_text import spelled_out

        path = self.directory / REPORT_FILE
        path.write_text(spelled_out(self._redactor.redact_text(text)), encoding="utf-8")
        return path

    def save_file(self, name: str, data: bytes) -> Path:
        """Keep a file beside the events (e.g. a tool result too long for the model) under
        `files/NAME`; text is redacted like every event. Returns its path."""
        path = self.directory / "files" / name
        path.parent.mkdir(exist_ok=True)
        with suppress(UnicodeDecodeError):  # binary (audio) has no text to redact
            data = self._redactor.redact_text(data.decode("utf-8")).encode("utf-8")
        path.write_bytes(data)
        return path

    def clear_changeset(self) -> None:
        """Nothing is pending any more (every proposal was decided)."""
        (self.directory / CHANGESET_FILE).unlink(missing_ok=True)
        fsync_directory(self.directory)

    def close(self) -> None:
        """Write what is held and close. A run closed without a terminal event is
        recorded as `interrupted`: its writer went away without saying how it ended."""
        if self._events.closed:
            return
        try:
            if self._failure is None:
                self._release_held()
                if self._meta.state == "running":
                    self._finish("interrupted", _now())
        finally:
            self._events.close()

    def __enter__(self) -> RunJournal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _normalise(self, event: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
        record = event.model_dump(mode="json") if isinstance(event, BaseModel) else dict(event)
        if not isinstance(record.get("type"), str) or not record["type"]:
            raise ValueError(f"a journal event needs a `type`: {sorted(record)}")
        run_id = record.setdefault("run_id", self.run_id)
        if run_id != self.run_id:
            raise ValueError(f"event of run {run_id!r} sent to the journal of {self.run_id!r}")
        return record

    def _hold(self, record: dict[str, Any]) -> None:
        """Add a text delta to the held line (a model streams many per turn: keep it cheap)."""
        text = record.get("text")
        text = text if isinstance(text, str) else ""
        key = _delta_key(record)
        if self._held is not None and self._held_key != key:
            self._release_held()
        if self._held is None:
            _stamp(record)  # a held line has its first delta's time
            self._held, self._held_key, self._held_since = record, key, time.monotonic()
            self._held_parts, self._held_length = [], 0
        self._held_parts.append(text)
        self._held_length += len(text)
        if (
            self._held_length > MAX_HELD_TEXT
            or time.monotonic() - self._held_since > MAX_HELD_SECONDS
        ):
            self._release_held()

    def _release_held(self) -> None:
        self._put(self._take_held())

    def _take_held(self) -> bytes:
        """The held text deltas as one line (b"" when none), no longer held."""
        if self._held is None:
            return b""
        record = {**self._held, "text": "".join(self._held_parts)}
        if len(self._held_parts) > 1:
            record["coalesced"] = len(self._held_parts)
        self._held, self._held_parts = None, []
        return self._line(record)

    def _line(
        self, record: dict[str, Any], *, screened: bool = False, encoded: bytes | None = None
    ) -> bytes:
        """The record's journal line (numbered, redacted unless `screened`, with its
        newline). `encoded`: the record without its `ts` and `seq` (the last two keys),
        encoded: the line is that with them spliced in, byte for byte `dumps(record)`."""
        self._seq += 1
        record["seq"] = self._seq
        if encoded is not None and encoded.endswith(b"}") and len(encoded) > 2:
            line = encoded[:-1] + b',"ts":' + dumps(record["ts"]) + b',"seq":%d}' % self._seq
        else:
            line = dumps(record)
        if not screened and self._redactor.may_hold_secret(line.decode()):
            line = dumps(self._redactor.redact(record))
        return line + b"\n"

    def _put(self, data: bytes) -> None:
        """Write whole lines or nothing: on a failure the file is cut back to its last
        whole line, so a reader never meets half an event."""
        if self._failure is not None:
            raise self._failure
        view = memoryview(data)
        try:
            while view:  # a raw write may take less than all (a signal, a full disk)
                view = view[self._events.write(view) or 0 :]
        except OSError as error:
            with contextlib.suppress(OSError):
                os.ftruncate(self._events.fileno(), self._whole)
            self._failure = _write_error(self.directory / EVENTS_FILE, error)
            raise self._failure from None
        self._whole += len(data)

    def _count_cost(self, record: Mapping[str, Any]) -> None:
        cost = record.get("cost_usd")
        if (
            record["type"] == "usage"
            and isinstance(cost, int | float)
            and not isinstance(cost, bool)
        ):
            self._cost = (self._cost or 0.0) + cost
            model = record.get("model")
            if isinstance(model, str) and model not in self._models:
                self._models.append(model)
            read = int(record.get("cache_read_tokens") or 0)
            self._cache_read += read
            self._prompt_tokens += read + int(record.get("input_tokens") or 0)
            self._prompt_tokens += int(record.get("cache_write_tokens") or 0)

    def _finish(self, state: RunState, ts: Any) -> None:
        self._sync()
        finished_at = _parse_time(ts) or datetime.now(UTC)
        self._meta = self._meta.model_copy(
            update={
                "state": state,
                "finished_at": finished_at,
                "cost_usd": self._cost,
                "models": self._models,
                "cache_read_share": (
                    round(self._cache_read / self._prompt_tokens, 4)
                    if self._prompt_tokens
                    else None
                ),
            }
        )
        self._write_meta()

    def _sync(self) -> None:
        try:
            os.fsync(self._events.fileno())
        except OSError as error:
            self._failure = _write_error(self.directory / EVENTS_FILE, error)
            raise self._failure from None

    def _write_meta(self) -> None:
        try:
            meta = self._redactor.redact(self._meta.model_dump(mode="json"))
            atomic_write_json(self.directory / RUN_FILE, meta)
        except OSError as error:
            self._failure = _write_error(self.directory / RUN_FILE, error)
            raise self._failure from None
        try:
            append_entry(self.directory.parent, meta)
        except OSError as error:
            # The index is a cache: readers add a run it lacks from run.json.
            logger.warning("%s: cannot update the run index (%s)", self.directory, error)


def _write_error(path: Path, error: OSError) -> JournalWriteError:
    return JournalWriteError(
        error.errno, f"cannot write the run journal {path}: {error.strerror or error}"
    )


def _delta_key(record: Mapping[str, Any]) -> dict[str, Any]:
    """What must be equal for two text deltas to share a line: all but text and time."""
    return {key: value for key, value in record.items() if key not in ("text", "ts")}


def _parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _stamp(record: dict[str, Any]) -> None:
    """Add the time to a record that does not carry one."""
    if not record.get("ts"):
        record["ts"] = _now()


def _now() -> str:
    """The time as `datetime.now(UTC).isoformat(timespec="milliseconds")` writes it, the
    date and time of day formatted once a second: every event is stamped."""
    now = time.time()
    second = int(now)
    return f"{_second(second)}.{int((now - second) * 1000):03d}+00:00"


@functools.lru_cache(maxsize=1)
def _second(second: int) -> str:
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _ignore_in_git(runs: Path) -> None:
    """Keep run records out of git even where `orchestra init` did not add the line."""
    ignore = runs / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
