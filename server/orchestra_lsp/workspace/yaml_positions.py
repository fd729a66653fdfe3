"""YAML (and JSON) parsing that can say where every key and value came from.

Values come from `yaml_rs` (a Rust YAML 1.2 parser, several times faster than
PyYAML: loading 400 files must stay well under 100 ms). Positions are needed only to
report a problem, so they are computed lazily, on the first question, from PyYAML's
composer, whose nodes carry line and column marks (PyYAML itself is imported then:
reading files that have no problem never needs it). Pydantic reports a bad field as a
path (`steps.2.agent`); the position map answers with the span of that key or value.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

from orchestra_lsp.workspace.diagnostics import Span

if TYPE_CHECKING:
    import yaml

# yaml_rs brings its own allocator (mimalloc), which by default commits and touches a
# 4 MiB arena as the library loads: 3.7 MiB of an idle language server for nothing
# (measured; parsing is as fast without). mimalloc reads its options from the
# environment once, as it loads, so the option is set for the import only: processes
# started later (MCP servers, tools) do not inherit it.
if "MIMALLOC_ARENA_EAGER_COMMIT" in os.environ:
    import yaml_rs
else:
    os.environ["MIMALLOC_ARENA_EAGER_COMMIT"] = "0"
    try:
        import yaml_rs
    finally:
        del os.environ["MIMALLOC_ARENA_EAGER_COMMIT"]

FieldPath = tuple[str | int, ...]
_Raw = tuple[int, int, int, int]
"""(line, column, end line, end column), 0-based, relative to the YAML text."""

#: Aliases can expand a small document exponentially ("billion laughs"); stop early.
MAX_NODES = 100_000
_AT = re.compile(r"at line (\d+), column (\d+)")


class PositionMap:
    """Maps a field path to the span of its key (for mappings) and of its value.

    Built from `source` on first use; `line_offset` is where the YAML starts in its
    file (front matter starts below the `---` line).
    """

    def __init__(self, line_offset: int = 0, source: str | None = None) -> None:
        self.line_offset = line_offset
        self._source = source
        self._keys: dict[FieldPath, _Raw] = {}
        self._values: dict[FieldPath, _Raw] = {}

    def _build(self) -> None:
        if self._source is None:
            return
        source, self._source = self._source, None
        node = _compose(source)
        if node is not None:
            _walk(node, (), self._keys, self._values, [0])

    @property
    def keys(self) -> dict[FieldPath, _Raw]:
        self._build()
        return self._keys

    @property
    def values(self) -> dict[FieldPath, _Raw]:
        self._build()
        return self._values

    def _span(self, raw: _Raw) -> Span:
        line, column, end_line, end_column = raw
        offset = self.line_offset
        return Span(
            line=line + offset, column=column, end_line=end_line + offset, end_column=end_column
        )

    def key(self, path: FieldPath) -> Span:
        """The best place to point at for `path`: its key, else its value, else its parent."""
        keys, values = self.keys, self.values
        for cut in range(len(path), -1, -1):
            prefix = path[:cut]
            if prefix in keys:
                return self._span(keys[prefix])
            if prefix in values:
                return self._span(values[prefix])
        return Span(line=self.line_offset)

    def value(self, path: FieldPath) -> Span:
        raw = self.values.get(path)
        return self._span(raw) if raw is not None else self.key(path)

    def shifted(self, lines: int) -> PositionMap:
        moved = PositionMap(self.line_offset + lines, self._source)
        moved._keys, moved._values = self._keys, self._values
        return moved

    def under(self, prefix: FieldPath) -> PositionMap:
        """Positions re-rooted at `prefix`, for validating a nested part on its own."""
        inner = PositionMap(self.line_offset)
        size = len(prefix)
        inner._keys = {p[size:]: s for p, s in self.keys.items() if p[:size] == prefix}
        inner._values = {p[size:]: s for p, s in self.values.items() if p[:size] == prefix}
        if prefix in self.keys:
            inner._keys.setdefault((), self.keys[prefix])
        return inner


class YamlSyntaxError(Exception):
    def __init__(self, message: str, span: Span) -> None:
        super().__init__(message)
        self.message = message
        self.span = span


def _raw(node: yaml.Node) -> _Raw:
    start, end = node.start_mark, node.end_mark
    return (start.line, start.column, end.line, end.column)


def _loader() -> type[yaml.SafeLoader]:
    import yaml

    loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return loader


def _compose(text: str) -> yaml.Node | None:
    """PyYAML's node tree (positions only); None when PyYAML cannot read the text."""
    import yaml

    loader = _loader()(text)
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    except (yaml.YAMLError, ValueError, RecursionError):
        return None
    finally:
        loader.dispose()


def _walk(
    node: yaml.Node,
    path: FieldPath,
    keys: dict[FieldPath, _Raw],
    values: dict[FieldPath, _Raw],
    count: list[int],
) -> None:
    import yaml

    count[0] += 1
    if count[0] > MAX_NODES:
        return
    values[path] = _raw(node)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            child = (*path, key)
            keys[child] = _raw(key_node)
            _walk(value_node, child, keys, values, count)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), keys, values, count)


#: PyYAML's contexts for constructs that open on one line and must close later.
_OPENED = frozenset(
    {
        "while parsing a flow sequence",
        "while parsing a flow mapping",
        "while scanning a quoted scalar",
    }
)


def _pyyaml_error(text: str) -> YamlSyntaxError | None:
    """PyYAML's account of a syntax error, which carries a position; None if it reads."""
    import yaml

    try:
        yaml.load(text, Loader=_loader())
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        parts = [p for p in (error.context, error.problem) if p]
        message = "YAML syntax error: " + (", ".join(parts) if parts else "unreadable YAML")
        if error.context in _OPENED and error.context_mark is not None and mark is not None:
            # An unclosed bracket or quote is noticed lines later; the fix is where
            # the construct opened, so point there and say where it went wrong.
            what = error.context.split(" a ", 1)[-1]
            message = f"YAML syntax error: the {what} opened here is not closed ({error.problem})"
            mark = error.context_mark
        span = Span(line=mark.line, column=mark.column) if mark is not None else Span()
        return YamlSyntaxError(message, span)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as error:
        return YamlSyntaxError(f"YAML error: {error}", Span())
    return None


def load_yaml(text: str) -> tuple[Any, PositionMap]:
    """Parse one YAML document; raise YamlSyntaxError, with a position, if it is bad."""
    try:
        value = yaml_rs.loads(text)
    except Exception as failure:  # any failure of the fast parser: explain it precisely
        error = _pyyaml_error(text)
        if error is None:  # e.g. a duplicate key, which PyYAML would silently accept
            first = str(failure).strip().splitlines()[0] if str(failure).strip() else "error"
            found = _AT.search(first)
            span = (
                Span(line=int(found.group(1)) - 1, column=max(int(found.group(2)) - 1, 0))
                if found
                else Span()
            )
            error = YamlSyntaxError(f"YAML error: {_AT.sub('', first).rstrip(' ,')}", span)
        raise error from None
    # Each level takes a line, a bracket or a "- " (a cheap bound that spares the walk).
    levels = text.count("\n") + text.count("[") + text.count("{") + text.count("- ")
    if levels > MAX_NESTING and too_deep(value):
        raise YamlSyntaxError(
            f"YAML nests deeper than {MAX_NESTING} levels; not read", _deepest_line(text)
        )
    return value, PositionMap(source=text)


#: Deeper than any configuration needs; every walk over the data (validation, the
#: position map) recurses once per level, so deeper data is refused when read.
MAX_NESTING = 100


def too_deep(value: Any, limit: int = MAX_NESTING) -> bool:
    """True when `value` nests lists or mappings more than `limit` deep (no recursion)."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
    return False


def _deepest_line(text: str) -> Span:
    """The most indented line: where block nesting goes deepest."""
    lines = text.splitlines() or [""]
    indents = [len(line) - len(line.lstrip(" ")) for line in lines]
    line = max(range(len(lines)), key=indents.__getitem__)
    return Span(line=line, column=indents[line])


def positions_of_json(text: str) -> PositionMap:
    """Positions for a JSON document: JSON is (almost) YAML, so the composer reads it.

    Where it does not (tabs, odd escapes), every field points at the top.
    """
    return PositionMap(source=text)
