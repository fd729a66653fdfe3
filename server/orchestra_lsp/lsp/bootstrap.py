"""`initialize` answered before pygls and lsprotocol are imported.

An editor waits for the `initialize` result before it sends anything else, and most of
the server's start is `import lsprotocol.types` (attrs builds about a thousand classes:
half a second on a slow machine). Nothing in that answer needs them: the capabilities
are fixed by the features this server registers, and only the position encoding and
the completion provider depend on what the client declares. So `orchestra serve` reads
the first message itself (LSP's base protocol: `Content-Length` headers, a JSON body;
stdlib only), and when it is `initialize` writes the result at once; then it imports
pygls, replays the same message into pygls' own `initialize` handling (the workspace,
the client's capabilities, the negotiated encoding and the `lifecycle` feature are set
exactly as if pygls had answered; pygls' duplicate answer is dropped: see
`OrchestraProtocol.replay_initialize`) and hands pygls the rest of stdin.

Anything else first (a request before `initialize`, a malformed header or body, params
of an unexpected shape, workspace folders none of which exists here, the end of stdin)
is handed to pygls untouched, bytes already read included, and pygls answers as it
always did.

The capabilities below are the one description of what the server offers: the feature
modules register completion and code actions with the same options, and a test
(`tests/lsp/conformance/test_bootstrap.py`) compares this answer with the one pygls
computes from the registered features, for several clients' capabilities.
"""

from __future__ import annotations

import io
import json
import os
import re
import select
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol, TypeVar

from orchestra_lsp import __version__
from orchestra_lsp.lsp import methods

PROTOCOL_VERSION = 1
"""The version of Orchestra's own methods, announced in `experimental.orchestra`."""

COMPLETION_TRIGGERS = ["{", ":", " ", "_"]
"""What makes a client ask for completion in `.orchestra` files (`config_names`)."""
CODE_ACTION_KINDS = ["quickfix", "refactor", "source"]
"""The code action kinds of `code_actions`."""
EXECUTE_COMMANDS = [
    methods.RELOAD_COMMAND,
    methods.RUN_COMMAND,
    methods.CANCEL_COMMAND,
    methods.DECIDE_COMMAND,
    methods.MCP_LOGIN_COMMAND,
]
"""`workspace/executeCommand` commands, in the order the features register them."""
ENCODINGS = ("utf-8", "utf-16", "utf-32")
"""Position encodings the server can count in (pygls' `_SUPPORTED_ENCODINGS`)."""

#: pygls' own header rule (`pygls.io_.run_async`): a message it would read otherwise
#: than we do is left to it.
_CONTENT_LENGTH = re.compile(rb"^Content-Length: (\d+)\r\n$")
_HEADER_LINES = 32
_HEADER_LINE_BYTES = 8192
_CONTENT_TYPE = "application/vscode-jsonrpc; charset=utf-8"

T = TypeVar("T")


class Reader(Protocol):
    """What pygls' `StdinAsyncReader` reads from."""

    def readline(self, size: int = -1, /) -> bytes: ...

    def read(self, size: int = -1, /) -> bytes: ...


class Replay:
    """`prefix` (bytes already read), then `stream`: stdin as pygls would have read it."""

    def __init__(self, prefix: bytes, stream: Reader) -> None:
        self._prefix = io.BytesIO(prefix)
        self._left = len(prefix)
        self._stream = stream

    def readline(self, size: int = -1, /) -> bytes:
        if not self._left:
            return self._stream.readline(size)
        line = self._prefix.readline(size)
        self._left -= len(line)
        if line.endswith(b"\n") or (size >= 0 and len(line) >= size):
            return line
        rest = -1 if size < 0 else size - len(line)
        return line + self._stream.readline(rest)

    def read(self, size: int = -1, /) -> bytes:
        if not self._left:
            return self._stream.read(size)
        chunk = self._prefix.read(size)
        self._left -= len(chunk)
        if size < 0:
            return chunk + self._stream.read()
        if len(chunk) < size:
            chunk += self._stream.read(size - len(chunk))
        return chunk


class Interrupted(Exception):
    """A read of an `FdReader` was interrupted (`interrupt_with`) before data came."""


class FdReader:
    """stdin read straight from its descriptor, buffered here: unlike `sys.stdin.buffer`
    it holds no lock while it waits, so the thread reading it never keeps the
    interpreter from exiting (a BufferedReader busy at shutdown aborts the process).

    While an interrupt descriptor is set (`interrupt_with`), a read that would wait
    waits on both and raises `Interrupted` once the interrupt is readable; `unread`
    and `transaction` put bytes back, so a reader can stop halfway through a message
    and hand the stream, whole, to another."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._buffer = bytearray()
        self._ended = False
        self._interrupt: int | None = None
        self._log: bytearray | None = None

    def _fill(self) -> bool:
        if self._ended:
            return False
        if self._interrupt is not None:
            ready, _, _ = select.select([self._interrupt, self.fd], [], [])
            if self._interrupt in ready:
                raise Interrupted
        chunk = os.read(self.fd, 1 << 16)
        self._ended = not chunk
        self._buffer += chunk
        return bool(chunk)

    def interrupt_with(self, fd: int | None) -> None:
        """Reads wait on `fd` too and raise `Interrupted` once it is readable (None:
        plain blocking reads again)."""
        self._interrupt = fd

    def end(self) -> None:
        """Read nothing more: what is buffered, then the end of the stream."""
        self._ended = True

    def unread(self, data: bytes | bytearray) -> None:
        """Put `data` in front of what is buffered: the next reads return it first."""
        self._buffer[:0] = data

    def transaction(self, read: Callable[[FdReader], T]) -> T:
        """`read(self)`; should it be `Interrupted`, what it took is put back first."""
        self._log = bytearray()
        try:
            return read(self)
        except Interrupted:
            self.unread(self._log)
            raise
        finally:
            self._log = None

    def readline(self, size: int = -1, /) -> bytes:
        while True:
            end = self._buffer.find(b"\n") + 1
            if end or (0 <= size <= len(self._buffer)) or not self._fill():
                break
        if not end:
            end = len(self._buffer)
        return self.take(end if size < 0 else min(end, size))

    def read(self, size: int = -1, /) -> bytes:
        while (size < 0 or len(self._buffer) < size) and self._fill():
            pass
        return self.take(len(self._buffer) if size < 0 else size)

    def take(self, size: int | None = None) -> bytes:
        """Up to `size` bytes (all, by default) of what is buffered, without reading."""
        end = len(self._buffer) if size is None else size
        taken = bytes(self._buffer[:end])
        del self._buffer[:end]
        if self._log is not None:
            self._log += taken
        return taken


@dataclass(frozen=True)
class Opening:
    """How the conversation began: what pygls reads next, and the `initialize` request
    already answered (with its raw body, for the replay), if it was."""

    stdin: Reader
    """What pygls reads when nothing was answered here."""
    source: FdReader | None = None
    """stdin, with what was read beyond `initialize`, when it was answered here."""
    initialize: bytes | None = None
    """The body of the `initialize` request answered here; None: pygls answers it."""
    answer: dict[str, Any] | None = None
    """The InitializeResult sent, as JSON."""
    folder: Path | None = None
    """The folder the client asked to be served (the first existing one it named)."""

    @property
    def encoding(self) -> str:
        """The position encoding negotiated (UTF-16 when nothing was answered here)."""
        capabilities = (self.answer or {}).get("capabilities") or {}
        return str(capabilities.get("positionEncoding") or "utf-16")


def answer_initialize(stdin: BinaryIO, stdout: BinaryIO) -> Opening:
    """Read the first message of `stdin`; when it is a well-formed `initialize`, write
    its result to `stdout` at once. Blocks until the first message (or the end of
    stdin) has arrived; never raises on bad input (pygls then reads it as it is)."""
    try:
        source = FdReader(stdin.fileno())
    except (OSError, ValueError):  # not a file (an embedding's stream): pygls reads it
        return Opening(stdin)
    consumed, body, message = _first_message(source)
    params = _initialize_params(message)
    folder = served_folder(params) if params is not None else False
    if message is None or params is None or folder is False:
        read = consumed + source.take()
        return Opening(Replay(read, stdin) if read else stdin)
    answer = initialize_result(params)
    _write(stdout, {"id": message["id"], "jsonrpc": "2.0", "result": answer})
    served = folder if isinstance(folder, Path) else None
    return Opening(stdin, source, body, answer, served)


class Prefetched(Protocol):
    """The prefetch child's listing (`lsp/prefetch.py`) of the folder `root`."""

    @property
    def root(self) -> Path: ...

    @property
    def done(self) -> bool: ...

    def result(self, timeout: float | None = None) -> dict[str, Any] | None: ...

    def on_done(self, callback: Callable[[], None]) -> None: ...


#: Notifications that change neither the files nor the folder served: the prefetched
#: listing still holds after them (`Session.discard_prefetch` says what does not).
_HARMLESS = frozenset(
    {
        "initialized",
        "textDocument/didOpen",
        "textDocument/didChange",
        "textDocument/didClose",
        "workspace/didChangeConfiguration",
        "$/setTrace",
        "$/cancelRequest",
        "window/workDoneProgress/cancel",
    }
)
_CODE_ACTION = "textDocument/codeAction"
#: The requests `EarlyAnswers` may answer.
_ANSWERED = frozenset({methods.COMMANDS, _CODE_ACTION})
#: As `Session.PREFETCH_WAIT_SECONDS`: past it, pygls and the engine answer.
_PREFETCH_WAIT_SECONDS = 10.0


class EarlyAnswers:
    """stdin after `initialize`, read on a thread while pygls is imported: the first
    `orchestra/commands` is answered from the prefetch child as soon as it is done,
    instead of after the import, and so are the code actions asked meanwhile where
    `early_code_actions` can tell pygls' answer (the documents opened so far, counted
    in `encoding`); every other message is held for pygls, in order.

    Once pygls is about to read (`hand_over`), the thread stops reading, and pygls
    reads the held messages and then stdin itself, from its descriptor: no thread
    stands between the editor and pygls for the rest of the session. The thread also
    stops (and holds what it read) at the first message that could change the listing
    (a save, a watched file, a command, a folder change: anything but
    `orchestra/commands`, code actions and the `_HARMLESS` notifications): from then on
    pygls answers everything, as it does for a client whose first message was not
    `initialize`. A code action this reader cannot answer is held too, and so is every
    later one (an answer may not overtake one held).
    """

    def __init__(
        self, source: FdReader, stdout: BinaryIO, prefetch: Prefetched, encoding: str = "utf-16"
    ) -> None:
        from orchestra_lsp.lsp.early_code_actions import Documents

        self._source = source
        self._stdout = stdout
        self._prefetch = prefetch
        self._encoding = encoding
        self._documents = Documents()
        """What `textDocument/didOpen` brought so far (and whether pygls' answers rule)."""
        self._held: list[bytes] = []
        """What pygls reads first: the messages not answered here, as they came."""
        self._stopping = threading.Event()
        self._woken = threading.Event()
        """Set once the listing is ready or `hand_over` began: the thread waits on it."""
        self._interrupt, self._interrupting = os.pipe()
        source.interrupt_with(self._interrupt)
        prefetch.on_done(self._woken.set)
        self._thread = threading.Thread(target=self._read, name="orchestra-early", daemon=True)
        self._thread.start()

    def hand_over(self) -> FdReader:
        """Stop reading (a message half read is put back) and return what pygls reads:
        the held messages, then stdin straight from its descriptor. Returns once the
        thread has stopped; a listing it is still waiting for is left to pygls."""
        self._stopping.set()
        self._woken.set()
        os.write(self._interrupting, b"\0")
        self._thread.join()
        self._source.interrupt_with(None)
        os.close(self._interrupt)
        os.close(self._interrupting)
        self._source.unread(b"".join(self._held))
        self._held.clear()
        return self._source

    def _read(self) -> None:
        try:
            while not self._stopping.is_set():
                consumed, _, message = self._source.transaction(_first_message)
                if not consumed:  # the end of stdin: pygls reads it too
                    return
                if message is not None and "id" not in message:
                    self._documents.note(message)
                if message is not None and self._answered(message):
                    continue
                self._held.append(consumed)
                if message is None or not self._early(message):
                    return  # framing pygls may read otherwise, or the listing may change
        except Interrupted:
            return
        except OSError:  # stdin unreadable: pygls sees its end
            self._source.end()

    @staticmethod
    def _early(message: dict[str, Any]) -> bool:
        """Whether the listing still holds after `message` (else pygls reads on)."""
        return message.get("method") in _HARMLESS or message.get("method") in _ANSWERED

    def _answered(self, message: dict[str, Any]) -> bool:
        """Whether `message` was answered here (else it goes to pygls)."""
        method = message.get("method")
        if method not in _ANSWERED or "id" not in message:
            return False
        if method == _CODE_ACTION and self._documents.spoilt:
            return False
        listing = self._listing()
        result: Any = listing
        if listing is not None and method == _CODE_ACTION:
            from orchestra_lsp.lsp import early_code_actions

            root, encoding = self._prefetch.root, self._encoding
            result = early_code_actions.answer(
                message.get("params"), listing, self._documents, root, encoding
            )
            if result is early_code_actions.DECLINED:
                listing = None
        if listing is None:  # held for pygls: no later code action may overtake it
            self._documents.spoilt = True
            return False
        _write(self._stdout, {"id": message["id"], "jsonrpc": "2.0", "result": result})
        return True

    def _listing(self) -> dict[str, Any] | None:
        """The prefetched listing, once it is done; None when it is missing, or when
        pygls takes over (or it is too slow) before it is."""
        self._woken.wait(_PREFETCH_WAIT_SECONDS)
        if not self._prefetch.done:  # handed over, or too slow: the session answers
            return None
        return self._prefetch.result(0)


def _write(stdout: BinaryIO, message: dict[str, Any]) -> None:
    """One message, header and body in one write (pygls writes to the same stream)."""
    body = json.dumps(message)
    header = f"Content-Length: {len(body)}\r\nContent-Type: {_CONTENT_TYPE}\r\n\r\n"
    stdout.write((header + body).encode("utf-8"))
    stdout.flush()


def initialize_result(params: dict[str, Any]) -> dict[str, Any]:
    """The InitializeResult (JSON) for `initialize` params shaped as LSP says."""
    capabilities = params.get("capabilities") or {}
    general = capabilities.get("general") or {}
    client = params.get("clientInfo") or {}
    encoding = position_encoding(general.get("positionEncodings"), client.get("name"))
    return {
        "capabilities": server_capabilities(capabilities, encoding),
        "serverInfo": {"name": "orchestra", "version": __version__},
    }


def server_capabilities(client: dict[str, Any], encoding: str) -> dict[str, Any]:
    """What the server offers a client declaring the capabilities `client`, counting
    positions in `encoding`, as pygls' `ServerCapabilitiesBuilder` writes it."""
    text_document = client.get("textDocument") or {}
    synchronization = text_document.get("synchronization") or {}
    sync: dict[str, Any] = {"openClose": True, "change": 2}
    # pygls answers `false` to a will-save the client declares (no feature handles it).
    for name in ("willSave", "willSaveWaitUntil"):
        if synchronization.get(name) is not None:
            sync[name] = False
    capabilities: dict[str, Any] = {
        "positionEncoding": encoding,
        "textDocumentSync": {**sync, "save": True},
        "completionProvider": {"triggerCharacters": COMPLETION_TRIGGERS},
        "hoverProvider": True,
        "codeActionProvider": {"codeActionKinds": CODE_ACTION_KINDS},
        "executeCommandProvider": {"commands": EXECUTE_COMMANDS},
        "workspace": {
            "workspaceFolders": {"supported": True, "changeNotifications": True},
            "fileOperations": {},
        },
        "experimental": experimental(),
    }
    if (text_document.get("completion") or {}).get("dynamicRegistration") is True:
        # Registered at `initialized` for configuration files only (`config_names`).
        del capabilities["completionProvider"]
    return capabilities


def experimental() -> dict[str, Any]:
    """`experimental.orchestra`: a client can tell this server apart from one that
    merely shares the command names."""
    return {
        "orchestra": {
            "version": PROTOCOL_VERSION,
            "requests": list(methods.REQUESTS),
            "notifications": [methods.EVENT],
        }
    }


def position_encoding(offered: Any, client_name: Any) -> str:
    """The encoding positions are counted in: the first the client offers that the
    server knows (pygls' rule), else UTF-16 as LSP says; except for lsp-mode before 9
    (clientInfo "emacs", no encoding offered), which counts columns in characters both
    ways whatever it declares: it is served UTF-32 (and told so), or every position
    after an emoji would be off."""
    if not offered:
        return "utf-32" if client_name == "emacs" else "utf-16"
    return next((str(e) for e in offered if e in ENCODINGS), "utf-16")


def named_folders(params: dict[str, Any]) -> list[str]:
    """The client's workspace folders, else its root URI, else its root path, as URIs."""
    if folders := params.get("workspaceFolders"):
        return [str(folder["uri"]) for folder in folders]
    if root := params.get("rootUri"):
        return [str(root)]
    if root_path := params.get("rootPath"):  # deprecated, plain path: relative is refused
        root = Path(root_path)
        return [root.as_uri() if root.is_absolute() else f"file:{root_path}"]
    return []


def served_folder(params: dict[str, Any]) -> Path | bool | None:
    """The first existing folder the client names; None when it names none (the server
    then serves `--workspace`); False when it names some and none exists here
    (`initialize` then fails: pygls and `lifecycle` answer that)."""
    from orchestra_lsp.lsp.paths import local_folder  # pygls.uris only: no lsprotocol

    named = named_folders(params)
    for uri in named:
        if (folder := local_folder(uri)) is not None:
            return folder
    return False if named else None


def _first_message(stdin: Reader) -> tuple[bytes, bytes, dict[str, Any] | None]:
    """The bytes read, the body, and the message as JSON (None: not one pygls would
    read the same way, or not a JSON object)."""
    consumed = b""
    length = 0
    for _ in range(_HEADER_LINES):
        line = stdin.readline(_HEADER_LINE_BYTES)
        consumed += line
        if not line:
            return consumed, b"", None
        if not length and (match := _CONTENT_LENGTH.fullmatch(line)):
            length = int(match.group(1))
        elif not line.strip():
            break
    else:
        return consumed, b"", None
    if not length:
        return consumed, b"", None
    body = stdin.read(length)
    consumed += body
    if len(body) < length:
        return consumed, b"", None
    try:
        message = json.loads(body)
    except ValueError:
        return consumed, b"", None
    return consumed, body, message if isinstance(message, dict) else None


def _initialize_params(message: dict[str, Any] | None) -> dict[str, Any] | None:
    """The params of an `initialize` request shaped as LSP says, as far as this answer
    and pygls' reading of them depend on; else None (pygls answers, with its error)."""
    if message is None or message.get("jsonrpc") != "2.0":
        return None
    if message.get("method") != "initialize" or not _is_id(message.get("id")):
        return None
    params = message.get("params")
    if not isinstance(params, dict) or not isinstance(params.get("capabilities"), dict):
        return None
    objects = (
        ("clientInfo",),
        ("capabilities", "general"),
        ("capabilities", "textDocument"),
        ("capabilities", "textDocument", "synchronization"),
        ("capabilities", "textDocument", "completion"),
    )
    flags = (
        ("capabilities", "textDocument", "synchronization", "willSave"),
        ("capabilities", "textDocument", "synchronization", "willSaveWaitUntil"),
        ("capabilities", "textDocument", "completion", "dynamicRegistration"),
    )
    folders = params.get("workspaceFolders")
    encodings = _at(params, "capabilities", "general", "positionEncodings")
    checks = (
        _optional(params.get("processId"), int),
        *(_optional(params.get(key), str) for key in ("rootUri", "rootPath", "locale")),
        params.get("trace") in (None, "off", "messages", "verbose"),
        *(_optional(_at(params, *path), dict) for path in objects),
        *(_optional(_at(params, *path), bool) for path in flags),
        _optional(_at(params, "clientInfo", "name"), str),
        _optional(folders, list)
        and all(
            isinstance(_at(f, "uri"), str) and isinstance(_at(f, "name"), str)
            for f in folders or []
        ),
        _optional(encodings, list) and all(isinstance(e, str) for e in encodings or []),
    )
    return params if all(checks) else None


def _at(value: Any, *keys: str) -> Any:
    """`value[key1][key2]…`, or None where a level is missing or not an object."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _is_id(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def _optional(value: Any, kind: type) -> bool:
    if kind is int and isinstance(value, bool):
        return False
    return value is None or isinstance(value, kind)
