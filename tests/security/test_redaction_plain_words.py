"""Which known values are redacted as literals, and where: a value that could be no
secret (a plain word, a placeholder, a run) never is; a short one only as a whole token;
a long one wherever it appears. And placeholders after a credential's name are kept."""

from __future__ import annotations

import pytest

from orchestra_lsp.redaction import Redactor, StreamRedactor, environment_secrets

TEXT = "A says: run pytest, connect with postgres; Production is up, PASSWORD changeme."


@pytest.mark.parametrize("value", ["postgres", "test", "Production", "PASSWORD", "changeme"])
def test_a_plain_word_is_no_secret_worth_mangling_text_for(value: str) -> None:
    assert Redactor([value]).redact_text(TEXT) == TEXT


def test_weak_environment_values_leave_words_whole() -> None:
    environ = {"PGPASSWORD": "postgres", "ANTHROPIC_API_KEY": "test", "HOME": "/home/a"}
    redactor = Redactor(["test", *environment_secrets(environ)])
    assert redactor.redact_text(TEXT) == TEXT


@pytest.mark.parametrize(
    "value",
    [
        "<your key>",
        "<token>",
        "${TOKEN}",
        "{token}",
        "$TOKEN",
        "your-key-here",
        "YOUR_API_KEY",
        "token_here",
        "xxxxxxxx",
        "********",
        "12345678",
        "abcdefgh",
    ],
)
def test_a_placeholder_or_a_run_is_no_secret(value: str) -> None:
    text = f"export API_TOKEN={value} # set {value} first"
    assert Redactor([value]).redact_text(text) == text


def test_a_short_value_is_redacted_only_as_a_whole_token() -> None:
    redactor = Redactor(["ab12"])
    assert (
        redactor.redact_text("key ab12, (ab12) ab12.") == "key [redacted], ([redacted]) [redacted]."
    )
    assert redactor.redact_text("xab12 ab123 ab12x") == "xab12 ab123 ab12x"
    assert redactor.redact_text("a_ab12-b") == "a_[redacted]-b"  # `_` and `-` end a token


def test_a_long_value_is_redacted_wherever_it_appears() -> None:
    """Inside a longer token it is still the secret, readable: no chance puts it there."""
    secret = "deploytoken-4f7a9c2e1b8d6035"
    assert Redactor([secret]).redact_text(f"x{secret}y {secret}") == "x[redacted]y [redacted]"


def test_a_streamed_reply_keeps_words_a_weak_key_is_part_of() -> None:
    stream = StreamRedactor(Redactor(["test", "postgres", "k3y9"]))
    pieces = ["run py", "test with post", "gres and k3", "y9 not k3y9x"]
    shown = "".join(stream.feed(piece) for piece in pieces) + stream.flush()
    assert shown == "run pytest with postgres and [redacted] not k3y9x"


@pytest.mark.parametrize(
    "text",
    [
        "export ANTHROPIC_API_KEY=<your key> (from console.anthropic.com)",
        "API_KEY=your-key-here",
        "GITHUB_TOKEN=YOUR_TOKEN password: <token>",
        'api_key = "${API_KEY}" and SECRET=$SECRET',
        "client_secret: your_secret_here",
    ],
)
def test_a_placeholder_after_a_credentials_name_is_kept(text: str) -> None:
    assert Redactor().redact_text(text) == text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("API_KEY=s3cr3tK3y99 next", "API_KEY=[redacted] next"),
        ("password=<Xk9mQ2zpW4 next", "password=[redacted] next"),  # no closing `>`
        ('password = "yourPassw0rd-9x"', 'password = "[redacted]"'),
    ],
)
def test_a_value_that_only_looks_like_a_placeholder_is_redacted(text: str, shown: str) -> None:
    assert Redactor().redact_text(text) == shown
