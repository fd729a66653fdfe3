"""Redaction knows its secrets in every form they travel in, and token shapes it was
never told about; a stream catches a secret cut anywhere between two pieces."""

from __future__ import annotations

import base64
import io
import json
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestra_lsp.redaction import (
    REDACTED,
    RedactingStream,
    Redactor,
    SecretRegistry,
    StreamRedactor,
    secret_variants,
)

SECRET = "tok_9f8e7d6c+5b4a/3210=XYZ"


def encodings(secret: str) -> dict[str, str]:
    raw = secret.encode()
    return {
        "plain": secret,
        "url": quote(secret, safe=""),
        "form": quote_plus(secret),
        "json": json.dumps(secret)[1:-1],
        "base64": base64.b64encode(raw).decode(),
        "base64url": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "base64 shifted 1": base64.b64encode(b"x" + raw + b"y").decode(),
        "base64 shifted 2": base64.b64encode(b"xy" + raw).decode(),
        "basic": base64.b64encode(b"deploy:" + raw).decode(),
    }


@pytest.mark.parametrize("kind", list(encodings(SECRET)))
def test_a_known_secret_is_redacted_in_every_encoding(kind: str) -> None:
    text = f"before {encodings(SECRET)[kind]} after"
    redacted = Redactor([f"Bearer {SECRET}"]).redact_text(text)
    assert REDACTED in redacted
    for form in encodings(SECRET).values():
        # no encoding of the secret survives, in full or as its stable base64 core
        assert form not in redacted or len(form) < 8


def test_the_scheme_stays_readable() -> None:
    redactor = Redactor([f"Bearer {SECRET}"])
    assert redactor.redact_text(f"Authorization: Bearer {SECRET}") == (
        f"Authorization: Bearer {REDACTED}"
    )


TOKENS = {
    "anthropic": "sk-ant-api03-" + "A1b2C3d4" * 8,
    "openai project": "sk-proj-" + "Q9w8E7r6T5y4U3i2O1p0" * 2,
    "openai legacy": "sk-" + "a" * 20 + "T3BlbkFJ" + "b" * 20,
    "aws access key": "AKIAIOSFODNN7EXAMPLE",
    "aws temporary key": "ASIAY34FZKBOKMUTVV7A",
    "github classic": "ghp_" + "x1Y2z3" * 6,
    "github fine-grained": "github_pat_11ABCDEFG0" + "abcdefghij" * 6,
    "github app": "ghs_" + "Z9y8X7" * 6,
    "gitlab": "glpat-" + "aB3dE5gH7jK9mN1pQ3sT",
    "slack bot": "xoxb-1234567890-0987654321-abcdefghijklmnopqrstuvwx",
    "stripe": "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
}


@pytest.mark.parametrize("kind", list(TOKENS))
def test_well_known_token_shapes_are_redacted(kind: str) -> None:
    token = TOKENS[kind]
    redacted = Redactor().redact_text(f"the model said: {token}.")
    assert token not in redacted
    assert token[-12:] not in redacted


def test_aws_secret_key_and_private_key_blocks() -> None:
    secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    for line in (
        f"aws_secret_access_key = {secret_key}",
        f'AWS_SECRET_ACCESS_KEY="{secret_key}"',
        f"export AWS_SECRET_ACCESS_KEY={secret_key}",
    ):
        assert secret_key not in Redactor().redact_text(line), line
    block = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----"
    assert "b3BlbnNzaC1rZXktdjEAAAAA" not in Redactor().redact_text(f"key:\n{block}\nend")
    cut = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7"  # no END: redacted to the end
    assert "MIIEowIBAAKCAQEA7" not in Redactor().redact_text(cut)


def test_ordinary_text_is_left_alone() -> None:
    text = "git log --oneline -3; commit 1a2b3c4d5e6f deploy skeleton (task-list) https://example.com/a"
    assert Redactor([SECRET]).redact_text(text) == text


@settings(max_examples=200)
@given(cuts=st.lists(st.integers(min_value=0, max_value=120), max_size=6))
def test_a_stream_catches_a_secret_cut_anywhere(cuts: list[int]) -> None:
    text = f"the value is {SECRET} and the key {TOKENS['aws access key']} ends here"
    stream = StreamRedactor(Redactor([SECRET]))
    pieces, start = [], 0
    for cut in sorted(set(cuts)):
        pieces.append(text[start:cut])
        start = max(start, cut)
    pieces.append(text[start:])
    shown = "".join(stream.feed(piece) for piece in pieces) + stream.flush()
    assert SECRET not in shown and TOKENS["aws access key"] not in shown
    assert shown.startswith("the value is ") and shown.endswith(" ends here")


def test_a_stream_holds_back_only_what_may_be_a_secret() -> None:
    stream = StreamRedactor(Redactor([SECRET]))
    assert stream.feed("Apply the change? [y/n]: ") == "Apply the change? [y/n]: "
    assert stream.feed("line one\n") == "line one\n"
    assert stream.feed("the value tok_9f") == "the value "
    assert stream.feed("8e7d6c+5b4a/3210=XYZ!") == f"{REDACTED}!"


def test_a_redacting_stream_learns_secrets_as_they_are_registered() -> None:
    registry = SecretRegistry()
    target = io.StringIO()
    stream = RedactingStream(target, registry)
    stream.write("before\n")
    registry.add([SECRET])
    stream.write(f"the key is {SECRET[:10]}")
    stream.write(f"{SECRET[10:]}\n")
    stream.close()
    assert target.getvalue() == f"before\nthe key is {REDACTED}\n"


PROSE = "The list is long, and it goes on; " * 500  # 17 KB: more than a stream holds


@pytest.mark.parametrize(
    ("tail", "held"),
    [
        ("x-api-key: 'abcd", "x-api-key: 'abcd"),  # the longest scheme word, separators
        ('Authorization: Bearer \t "abc', 'Bearer \t "abc'),
        ("key sk-ant-api03", "sk-ant-api03"),
        (f"the value {SECRET[:7]}", SECRET[:7]),  # a literal secret's start
        ("the end", "end"),  # a word may begin a token
        ("the end.", ""),
    ],
)
def test_a_stream_holds_a_possible_secret_after_long_text(tail: str, held: str) -> None:
    """What is held at the end of 17 KB of text is what is held at the end of a short one."""
    redactor = Redactor([SECRET])
    assert redactor.held_length(tail) == len(held)
    assert redactor.held_length(PROSE + tail) == len(held)


def test_a_private_key_block_is_held_from_its_start() -> None:
    block = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nab cd: ef!\n"
    assert Redactor().held_length(PROSE + block) == len(block)


PIECES = [
    "sk-", "AKIA", "Bearer", "x-api-key", "token", " ", "\t", ":", "=", '"', "'", "\n", "ab",
    "12", ".", "/", "!", "é", "\u00a0", "ſ", "eyJ", "ghp_", "-----BEGIN RSA PRIVATE KEY-----",
    SECRET[:4], SECRET[4:12], "password", "DB_", " = ", '"', "`", "@", "postgres:", "//", "u:p",
]  # fmt: skip


@settings(max_examples=300)
@given(st.lists(st.sampled_from(PIECES), max_size=14))
def test_held_length_is_the_longest_possible_secret_start(pieces: list[str]) -> None:
    """Against the plain definition: the longest end of the text that starts a literal
    secret, or that a partial-shape pattern matches, searched from every position."""
    from orchestra_lsp.redaction import _PARTIAL_ASSIGNMENT, _PARTIAL_SHAPE, _PARTIAL_URL

    text = "".join(pieces)
    redactor = Redactor([SECRET])
    literal = max(
        (n for n in range(1, len(text) + 1) if any(v.startswith(text[-n:]) and len(v) > n
         for v in secret_variants(SECRET))),
        default=0,
    )  # fmt: skip
    match = _PARTIAL_SHAPE.search(text)
    line = text[text.rfind("\n") + 1 :]
    assignment = max(
        (len(line) - n for n in range(len(line)) for partial in (_PARTIAL_ASSIGNMENT, _PARTIAL_URL)
         if partial.match(line, n)),
        default=0,
    )  # fmt: skip
    expected = max(literal, len(match.group()) if match else 0, assignment)
    assert redactor.held_length(text) == expected
