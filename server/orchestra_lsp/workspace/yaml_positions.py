"""YAML (and JSON) parsing that remembers where every key and value came from.

Pydantic reports a bad field as a path (`steps.2.agent`); to point at the right
line we keep, for each such path, the position of the key and of the value.
PyYAML's composer gives nodes with marks; libyaml's C loader is used when present
because loading 400 files must stay well under 100 ms.
"""

from __future__ import annotations

from typing import Any

import yaml

from orchestra_lsp.workspace.diagnostics import Span

try:
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader

FieldPath = tuple[str | int, ...]
_Raw = tuple[int, int, int, int] | yaml.Node
"""A node (read lazily) or (line, column, end line, end column): far cheaper than
building a Span for each of thousands of fields that no diagnostic will name."""

#: Aliases can expand a small document exponentially ("billion laughs"); stop early.
MAX_NODES = 100_000
_STR_TAG = "tag:yaml.org,2002:str"


class PositionMap:
    """Maps a field path to the span of its key (for mappings) and of its value.

    Positions are stored raw and turned into `Span`s (shifted by `line_offset`,
    where the YAML starts in its file) only when a diagnostic asks for one.
    """

    def __init__(self, line_offset: int = 0) -> None:
        self.keys: dict[FieldPath, _Raw] = {}
        self.values: dict[FieldPath, _Raw] = {}
        self.line_offset = line_offset

    def _span(self, raw: _Raw) -> Span:
        line, column, end_line, end_column = _raw(raw) if isinstance(raw, yaml.Node) else raw
        offset = self.line_offset
        return Span(
            line=line + offset, column=column, end_line=end_line + offset, end_column=end_column
        )

    def key(self, path: FieldPath) -> Span:
        """The best place to point at for `path`: its key, else its value, else its parent."""
        for cut in range(len(path), -1, -1):
            prefix = path[:cut]
            if prefix in self.keys:
                return self._span(self.keys[prefix])
            if prefix in self.values:
                return self._span(self.values[prefix])
        return Span(line=self.line_offset)

    def value(self, path: FieldPath) -> Span:
        raw = self.values.get(path)
        return self._span(raw) if raw is not None else self.key(path)

    def shifted(self, lines: int) -> PositionMap:
        moved = PositionMap(self.line_offset + lines)
        moved.keys, moved.values = self.keys, self.values
        return moved

    def under(self, prefix: FieldPath) -> PositionMap:
        """Positions re-rooted at `prefix`, for validating a nested part on its own."""
        inner = PositionMap(self.line_offset)
        size = len(prefix)
        inner.keys = {p[size:]: s for p, s in self.keys.items() if p[:size] == prefix}
        inner.values = {p[size:]: s for p, s in self.values.items() if p[:size] == prefix}
        if prefix in self.keys:
            inner.keys.setdefault((), self.keys[prefix])
        return inner


class YamlSyntaxError(Exception):
    def __init__(self, message: str, span: Span) -> None:
        super().__init__(message)
        self.message = message
        self.span = span


def _raw(node: yaml.Node) -> tuple[int, int, int, int]:
    start, end = node.start_mark, node.end_mark
    return (start.line, start.column, end.line, end.column)


class _Builder:
    """Builds the Python value and the position map in one walk over the nodes.

    PyYAML's own constructor is pure Python even with libyaml and walks the tree a
    second time; strings (nearly every scalar here) need no constructing at all.
    """

    def __init__(self, loader: yaml.SafeLoader) -> None:
        self.loader = loader
        self.positions = PositionMap()
        self.count = 0

    def build(self, node: yaml.Node, path: FieldPath) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlSyntaxError(f"YAML document too large (over {MAX_NODES} nodes)", Span())
        self.positions.values[path] = node
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        if node.tag == _STR_TAG:
            return node.value
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: FieldPath) -> dict[Any, Any]:
        if any(key.tag == "tag:yaml.org,2002:merge" for key, _ in node.value):
            self.loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.build(key_node, (*path, "<key>"))
            try:
                hash(key)
            except TypeError:
                line, column, _, _ = _raw(key_node)
                raise YamlSyntaxError(
                    "YAML error: a mapping key must be a plain value, not a list or mapping",
                    Span(line=line, column=column),
                ) from None
            child = (*path, key if isinstance(key, str | int) else str(key))
            self.positions.keys[child] = key_node
            result[key] = self.build(value_node, child)
        return result


def _error_span(error: yaml.YAMLError) -> Span:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if mark is None:
        return Span()
    return Span(line=mark.line, column=mark.column)


def _describe(error: yaml.YAMLError) -> str:
    if isinstance(error, yaml.MarkedYAMLError):
        parts = [p for p in (error.context, error.problem) if p]
        return "YAML syntax error: " + ", ".join(parts) if parts else "YAML syntax error"
    return f"YAML syntax error: {error}"


def _compose(text: str) -> tuple[yaml.SafeLoader, yaml.Node | None]:
    loader = _Loader(text)
    try:
        return loader, loader.get_single_node()
    except yaml.YAMLError as error:
        loader.dispose()
        raise YamlSyntaxError(_describe(error), _error_span(error)) from None


def load_yaml(text: str) -> tuple[Any, PositionMap]:
    """Parse one YAML document; raise YamlSyntaxError with a position on bad syntax."""
    loader, node = _compose(text)
    try:
        if node is None:
            return None, PositionMap()
        builder = _Builder(loader)
        return builder.build(node, ()), builder.positions
    except yaml.YAMLError as error:
        raise YamlSyntaxError(_describe(error), _error_span(error)) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as error:
        # Constructors can fail on odd scalars (e.g. a timestamp out of range).
        raise YamlSyntaxError(f"YAML error: {error}", Span()) from None
    finally:
        loader.dispose()


def positions_of_json(text: str) -> PositionMap:
    """Positions for a JSON document, read through the YAML composer.

    JSON is (almost) YAML, so this gives key positions for free; where the
    composer disagrees (tabs, odd escapes) every field points at the top.
    """
    try:
        return load_yaml(text)[1]
    except YamlSyntaxError:
        return PositionMap()
