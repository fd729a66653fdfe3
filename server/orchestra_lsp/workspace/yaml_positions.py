"""YAML (and JSON) parsing that remembers where every key and value came from.

Pydantic reports a bad field as a path (`steps.2.agent`); to point at the right
line we keep, for each such path, the position of the key and of the value.
PyYAML's composer gives nodes with marks; libyaml's C loader is used when present
because loading 400 files must stay well under 100 ms.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from orchestra_lsp.workspace.diagnostics import Span

try:
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader

FieldPath = tuple[str | int, ...]


class PositionMap:
    """Maps a field path to the span of its key (for mappings) and of its value."""

    def __init__(self) -> None:
        self.keys: dict[FieldPath, Span] = {}
        self.values: dict[FieldPath, Span] = {}

    def key(self, path: FieldPath) -> Span:
        """The best place to point at for `path`: its key, else its value, else its parent."""
        for cut in range(len(path), -1, -1):
            prefix = path[:cut]
            if prefix in self.keys:
                return self.keys[prefix]
            if prefix in self.values:
                return self.values[prefix]
        return Span()

    def value(self, path: FieldPath) -> Span:
        return self.values.get(path) or self.key(path)

    def shifted(self, lines: int) -> PositionMap:
        moved = PositionMap()
        moved.keys = {p: s.shifted(lines) for p, s in self.keys.items()}
        moved.values = {p: s.shifted(lines) for p, s in self.values.items()}
        return moved


class YamlSyntaxError(Exception):
    def __init__(self, message: str, span: Span) -> None:
        super().__init__(message)
        self.message = message
        self.span = span


def _span(node: yaml.Node) -> Span:
    start, end = node.start_mark, node.end_mark
    return Span(line=start.line, column=start.column, end_line=end.line, end_column=end.column)


def _walk(node: yaml.Node, path: FieldPath, positions: PositionMap) -> None:
    positions.values[path] = _span(node)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            child = (*path, key)
            positions.keys[child] = _span(key_node)
            _walk(value_node, child, positions)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), positions)


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


def load_yaml(text: str) -> tuple[Any, PositionMap]:
    """Parse one YAML document; raise YamlSyntaxError with a position on bad syntax."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, PositionMap()
        value = loader.construct_document(node)
    except yaml.YAMLError as error:
        raise YamlSyntaxError(_describe(error), _error_span(error)) from None
    except (ValueError, TypeError, RecursionError) as error:
        # Constructors can fail on odd scalars (e.g. a timestamp out of range).
        raise YamlSyntaxError(f"YAML error: {error}", Span()) from None
    finally:
        loader.dispose()
    positions = PositionMap()
    _walk(node, (), positions)
    return value, positions


def positions_of_json(text: str) -> PositionMap:
    """Positions for a JSON document, read through the YAML composer.

    JSON is (almost) YAML, so this gives key positions for free; where the
    composer disagrees (tabs, odd escapes) every field points at the top.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError:
        return PositionMap()
    finally:
        loader.dispose()
    positions = PositionMap()
    if node is not None:
        _walk(node, (), positions)
    return positions


def iter_paths(positions: PositionMap) -> Iterator[FieldPath]:
    yield from positions.values
