"""The registry: every built-in tool has a clean spec the Messages API accepts."""

from __future__ import annotations

from orchestra_lsp.tools import ASK_USER_SPEC, BUILTIN_TOOLS, builtin_specs, builtin_tool_names


def test_names_and_specs() -> None:
    assert builtin_tool_names() == [
        "ask_user",
        "edit",
        "list_files",
        "read_file",
        "run_shell",
        "search",
    ]
    assert "ask_user" not in BUILTIN_TOOLS
    specs = builtin_specs()
    assert [spec.name for spec in specs] == builtin_tool_names()
    for spec in specs:
        schema = spec.input_schema
        assert schema["type"] == "object" and "title" not in schema and "description" not in schema
        for prop in schema["properties"].values():
            assert "title" not in prop and "anyOf" not in prop and prop.get("description")
        assert spec.description


def test_ask_user_schema() -> None:
    schema = ASK_USER_SPEC.input_schema
    assert schema["required"] == ["question"]
    assert schema["properties"]["choices"] == {
        "description": "Possible answers to pick from. Leave out for a free-text answer.",
        "items": {"type": "string"},
        "type": "array",
    }
