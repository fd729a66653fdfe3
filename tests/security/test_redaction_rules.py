"""Secrets nobody declared, as real files hold them: every token shape at full length
(a rule that reads a prefix must not leave the rest), connection URLs with a password,
and keyword assignments (detect-secrets' KeywordDetector) in code, JSON, YAML, .env and
prose, whole or split across stream pieces; and what is not a secret stays readable
(a variable read from the environment, a template, a name, prose)."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestra_lsp.redaction import REDACTED, Redactor, StreamRedactor

BODY = "Zq4Wx8Er2Ty6Ui0OpAs5Df9Gh3Jk7Lm1Nb"  # 34 characters of token alphabet

#: Token shapes at the length real ones have (Stripe's live keys run to ~100).
LONG_TOKENS = {
    "stripe live": "sk_live_" + BODY * 3,
    "stripe test": "sk_test_" + BODY * 3,
    "stripe restricted": "rk_live_" + BODY * 2,
    "stripe webhook": "whsec_" + BODY,
    "anthropic": "sk-ant-api03-" + BODY * 3 + "-AA",
    "openai project": "sk-proj-" + BODY * 4,
    "github classic": "ghp_" + BODY + "QQ",
    "github fine-grained": "github_pat_11AB" + BODY * 2,
    "gitlab": "glpat-" + BODY,
    "slack": "xoxb-1234567890123-1234567890123-" + BODY,
    "aws access key": "AKIA" + "Z7Q3LMNO4PRSTUVW" + "XY2Q",  # 20 + 4 more: a longer token
    "google api key": "AIza" + BODY + "x",
    "hugging face": "hf_" + BODY,
    "npm": "npm_" + BODY + "ab",
    "pypi": "pypi-AgEIcHlwaS5vcmc" + BODY * 3,
    "sendgrid": "SG." + BODY[:22] + "." + BODY + "abcdefghi",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0." + BODY,
}

#: Where a token stands in a file or a message.
PLACES = {
    "env": "STRIPE_KEY={}\n",
    "prose": "The key is {} and it is live.",
    "json": '{{"key": "{}", "n": 1}}',
    "yaml": "stripe:\n  key: {}\n",
    "url": "https://api.example/v1?key={}&x=1",
    "quoted": "key = '{}'",
}


@pytest.mark.parametrize("place", list(PLACES))
@pytest.mark.parametrize("kind", list(LONG_TOKENS))
def test_a_token_is_redacted_to_its_end(kind: str, place: str) -> None:
    token = LONG_TOKENS[kind]
    text = PLACES[place].format(token)
    redacted = Redactor().redact_text(text)
    assert REDACTED in redacted, redacted
    # Nothing of the token is left: not its head, not any stretch of its tail.
    assert token[:12] not in redacted and token[-8:] not in redacted, redacted
    assert redacted == text.replace(token, REDACTED), redacted


@pytest.mark.parametrize("kind", ["stripe live", "github classic", "slack", "jwt"])
def test_a_url_encoded_token_is_redacted_whole(kind: str) -> None:
    token = LONG_TOKENS[kind] + "/+="  # characters that URL encoding escapes
    redacted = Redactor().redact_text(f"GET /hook?t={quote(token, safe='')} HTTP/1.1")
    assert redacted == f"GET /hook?t={REDACTED} HTTP/1.1"


URLS = {
    "postgres": ("postgres://admin:{}@db.example:5432/app", "S3cr3tPassw0rd!"),
    "postgresql+driver": ("postgresql+psycopg://app_user:{}@10.0.0.5/app", "p&ss=w;rd(1)"),
    "mysql": ("mysql://root:{}@localhost:3306/shop", "my$ql-Root-99"),
    "redis, no user": ("redis://:{}@cache.internal:6379/0", "r3d1s*Pass"),
    "amqp": ("amqp://guest:{}@rabbit:5672/vhost", "Gu3st+Rabbit"),
    "mongodb+srv": ("mongodb+srv://svc:{}@cluster0.ab1cd.mongodb.net/db?retryWrites=true", "M0ng0!Pw"),
    "https": ("https://user:{}@git.example.com/org/repo.git", "pass1234word"),
    "an @ in the password": ("postgres://u:{}@h/db", "p@ssw0rd"),
    "percent-encoded": ("postgres://u:{}@h/db", "p%40ss%2Fw0rd"),
    "no path": ("redis://default:{} is the cache", "SuperRedis9@r.example:6379"),
}  # fmt: skip


@pytest.mark.parametrize("kind", list(URLS))
def test_a_connection_url_keeps_all_but_its_password(kind: str) -> None:
    shape, password = URLS[kind]
    url = shape.format(password)
    for text in (url, f"DATABASE_URL={url}\n", json.dumps({"dsn": url}), f"Use `{url}`."):
        redacted = Redactor().redact_text(text)
        assert password not in redacted and REDACTED in redacted, redacted
        head = shape.split("{}")[0]
        assert head in redacted  # the scheme, the user and the host stay readable


ASSIGNMENTS = {
    "python double quotes": ('password = "{}"', "hunter2-very-secret"),
    "django settings": ("SECRET_KEY = '{}'", "django-insecure-7h#x!2k@q9z$w"),
    "yaml bare": ("database:\n  api_key: {}\n  host: db", "abcd1234efgh5678ijkl"),
    "yaml quoted": ('auth:\n  client_secret: "{}"\n', "ZmFrZSBzZWNyZXQ"),
    "env export": ("export DB_PASSWORD={}\n", "Tr0ub4dor&3"),
    "env, letters only": ("DB_PASSWORD={}\n", "correcthorsebatterystaple"),
    "dotenv quoted": ('STRIPE_SECRET="{}"\n', "some secret with spaces"),
    "json": ('{{"client_id": "web", "client_secret": "{}"}}', "GOCSPX-a1B2c3D4e5F6"),
    "json escaped in json": ('{{\\"password\\": \\"{}\\"}}', "esc4ped-Pa55"),
    "go": ('dbPassword := "{}"', "g0-passw0rd"),
    "javascript": ("const apiKey = `{}`;", "js-key-8f7e6d5c"),
    "ini": ("[db]\npasswd = {}\n", "ini_pass_42"),
    "toml": ('[server]\nprivate_key = "{}"', "toml-pk-value-9"),
    "comparison": ('if password == "{}":', "letmein-2024"),
    "prose": ("Log in with password: {} and change it.", "Welcome123!"),
    "markdown": ("Set `api_key: {}` in config.yaml.", "ak_live_77aa88bb"),
    "url query": ("https://svc.example/login?user=a&password={}", "Qwerty9876"),
    "spanish": ("contraseña = '{}'", "s3creta-clave"),
    "placeholder-like literal": ('password = "{}"', "changeme"),
    "short literal": ("password = '{}'", "xxx"),
}


@pytest.mark.parametrize("kind", list(ASSIGNMENTS))
def test_a_keyword_assignment_has_its_value_redacted(kind: str) -> None:
    shape, value = ASSIGNMENTS[kind]
    text = shape.format(value)
    redacted = Redactor().redact_text(text)
    assert redacted == text.replace(value, REDACTED), redacted


NOT_SECRETS = [
    'password = os.environ["DB_PASSWORD"]',
    'SECRET_KEY = os.environ.get("SECRET_KEY", "")',
    "api_key = get_api_key()",
    "password = self.password",
    "password = new_password",
    "apiKey: process.env.API_KEY,",
    "def login(user: str, password: str) -> None:",
    "    password: str",
    "connect(user=user, password=password)",
    "password: ${DB_PASSWORD}",
    'password: "${DB_PASSWORD}"',
    "DB_PASSWORD=$DB_PASSWORD_FROM_VAULT",
    "api_key: <your-api-key>",
    'client_secret = "{client_secret}"',
    "password: null",
    '"password": null, "secret": true',
    "password = None",
    'password = "********"',
    "secret_id: 4f2a91",
    "PWD=/home/dev/project",
    "OLDPWD=/tmp",
    "The password is required; enter your password: see the admin guide.",
    "Store the secret: it must never be committed.",
    "An API key: a token that identifies the caller.",
    "password:\n  min_length: 12",
    "postgres://admin:${DB_PASSWORD}@db:5432/app",
    "postgres://admin:<password>@db:5432/app",
    "http://localhost:8080?next=a@b",
    "git@github.com:org/repo.git ssh://git@github.com/org/repo",
    "key = 'abc'  # a dict key, no keyword",
    "5 passed, 1 skipped in 0.3s; bypass the compass",
    "a token-like word sk_live without a body",
    "my-key: abcdefgh12345",
    "x-api-key: <your-key-here>",
]


@pytest.mark.parametrize("text", NOT_SECRETS)
def test_what_only_names_a_secret_stays_readable(text: str) -> None:
    assert Redactor().redact_text(text) == text


def test_a_mapping_value_under_a_keyword_is_redacted() -> None:
    """Structured arguments (an MCP tool's `{"password": …}`) have no text around the
    value: the key is the keyword."""
    redacted = Redactor().redact(
        {"user": "admin", "password": "hunter2x", "db_password_ref": "${X}", "nested": [
            {"client_secret": "Zz9-secret-value"}, {"secret": None}]}
    )  # fmt: skip
    assert redacted == {
        "user": "admin",
        "password": REDACTED,
        "db_password_ref": "${X}",
        "nested": [{"client_secret": REDACTED}, {"secret": None}],
    }


SECRETS_FILE = "\n".join(
    [
        "STRIPE_KEY=" + LONG_TOKENS["stripe live"],
        "STRIPE_TEST=" + LONG_TOKENS["stripe test"],
        "DATABASE_URL=postgres://admin:S3cr3tPassw0rd!@db.example:5432/app",
        'password = "Hunt3r2-v3ry s3cr3t"',
        "export DB_PASSWORD=hunter",
        '{"client_secret": "GOCSPX-a1B2c3D4e5F6"}',
        "api_key: abcd1234efgh5678ijkl",
        "redis://:p@ss!word1@cache:6379/0 ok",
        "done",
    ]
)
FILE_SECRETS = [
    LONG_TOKENS["stripe live"][8:],
    LONG_TOKENS["stripe test"][8:],
    "S3cr3tPassw0rd!",
    "Hunt3r2-v3ry s3cr3t",
    "hunter",
    "GOCSPX-a1B2c3D4e5F6",
    "abcd1234efgh5678ijkl",
    "p@ss!word1",
]


def _shown(text: str, cuts: list[int]) -> str:
    stream = StreamRedactor(Redactor())
    pieces, start = [], 0
    for cut in sorted(set(cuts)):
        pieces.append(text[start:cut])
        start = max(start, cut)
    pieces.append(text[start:])
    return "".join(stream.feed(piece) for piece in pieces) + stream.flush()


def _leaked(shown: str) -> list[str]:
    """Secrets of the file, or stretches of 6 characters of one, that were shown."""
    return [
        secret
        for secret in FILE_SECRETS
        if any(secret[i : i + 6] in shown for i in range(max(1, len(secret) - 5)))
    ]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 24, 40])
def test_a_stream_in_even_pieces_shows_what_the_whole_text_shows(size: int) -> None:
    cuts = list(range(size, len(SECRETS_FILE), size))
    shown = _shown(SECRETS_FILE, cuts)
    assert not _leaked(shown), shown
    assert shown == Redactor().redact_text(SECRETS_FILE), shown


@settings(max_examples=150, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=len(SECRETS_FILE)), max_size=12))
def test_a_stream_cut_anywhere_leaks_nothing(cuts: list[int]) -> None:
    shown = _shown(SECRETS_FILE, cuts)
    assert not _leaked(shown), shown
    assert shown.endswith("ok\ndone")


def test_the_rest_of_a_token_after_a_piece_boundary_is_dropped() -> None:
    """A shape rule can match before the token ends (24 characters of a 100-character
    Stripe key): the piece that brings the rest of the token is the secret too."""
    token = LONG_TOKENS["stripe live"]
    stream = StreamRedactor(Redactor())
    shown = stream.feed("key " + token[:40]) + stream.feed(token[40:80])
    shown += stream.feed(token[80:]) + stream.feed(" next\n") + stream.flush()
    assert shown == f"key {REDACTED} next\n"


def test_the_keyword_list_is_detect_secrets_own() -> None:
    """The screens carry detect-secrets' keywords written out (they run before the
    package is imported): the same list, so an upstream change is seen here."""
    from detect_secrets.plugins.keyword import DENYLIST

    from orchestra_lsp.redaction import _KEYWORDS

    assert tuple(_KEYWORDS.split("|")) == DENYLIST


def test_the_screens_pass_clean_text_and_catch_keywords() -> None:
    redactor = Redactor()
    assert not redactor.may_hold_secret('{"message":"the engine read 3 files"}')
    assert redactor.may_hold_secret('{"m":"DB_PASSWORD=Tr0ub4dor&3"}')
    assert redactor.may_hold_secret('{"m":"postgres://a:S3cr3t!@h/db"}')
    assert redactor.may_hold_secret('{"password":"hunter2x"}')  # a key, walked as one


TOKENS_TEXT = "".join(f"{kind}: {token}\n" for kind, token in LONG_TOKENS.items())


@settings(max_examples=150, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=len(TOKENS_TEXT)), max_size=20))
def test_every_token_shape_streamed_in_pieces_is_redacted_whole(cuts: list[int]) -> None:
    """Each shape's held-back start and the rest of its token after a match: cut
    anywhere, the stream shows what redacting the whole text shows."""
    stream = StreamRedactor(Redactor())
    pieces, start = [], 0
    for cut in sorted(set(cuts)):
        pieces.append(TOKENS_TEXT[start:cut])
        start = max(start, cut)
    pieces.append(TOKENS_TEXT[start:])
    shown = "".join(stream.feed(piece) for piece in pieces) + stream.flush()
    assert shown == "".join(f"{kind}: {REDACTED}\n" for kind in LONG_TOKENS), shown
