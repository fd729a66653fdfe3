"""Secrets never reach the journal, the logs, the terminal or the model: everything is
redacted before it is written or sent.

A :class:`Redactor` knows

- literal secrets: the API key and every value mcp.json puts in an `env`, `headers`,
  `args` or `url` through a ``${VAR}`` (the engine and the workspace pass them; see
  :data:`SECRETS` for the process-wide registry) — and each one also in the forms it
  travels in: without its ``Bearer ``/``token `` prefix, URL-encoded, JSON-escaped and
  base64-encoded (alone or inside a longer base64 text, as in ``Basic`` credentials);
- well-known token shapes: the rule set of detect-secrets (AWS, GitHub, GitLab, Slack,
  OpenAI, Stripe, JWT, private keys, …) plus a few shapes it lacks (Anthropic keys,
  newer OpenAI and GitHub tokens, Stripe test and restricted keys and webhook secrets,
  Google API keys, Hugging Face and npm tokens, an AWS secret key after its variable
  name, whole PEM private-key blocks), and ``Authorization:``/``x-api-key:`` header
  values; each to the end of its token (a rule that reads a fixed length matches a
  prefix of a longer key);
- the password of a URL's userinfo (``postgres://user:PASSWORD@host``, any scheme);
- detect-secrets' keyword assignments (``password = "…"``, ``SECRET_KEY = '…'``,
  ``api_key: …``, ``DB_PASSWORD=…``, ``"client_secret": "…"``): a quoted value, or a
  bare token that reads as a literal, not as code (see `_literal_secret`), with the
  package's own false-positive filters (templates, ``$VAR``, calls and subscripts).

It replaces them with ``[redacted]`` in every string of an event, however deeply nested;
dictionary keys are left alone (they are field names), but a string under a keyword's
key is redacted whole. :class:`StreamRedactor` does the same for text that arrives in
pieces (streamed model text, a terminal's writes), holding back only a tail that could
be the start of a secret (an unfinished assignment or URL too), and dropping what
continues a token redacted at the end of the previous piece, so a secret split across
two deltas is caught too.

A literal secret is redacted only where it could be a secret at all (see
`could_be_secret`): not shorter than 4 characters (``1`` or ``on`` in an `env` block
are configuration), not a placeholder (``<your key>``, ``${TOKEN}``, ``your-key-here``)
and not a plain word (a ``PGPASSWORD=postgres``): ordinary text is full of those. One
shorter than 8 characters is replaced only as a whole token (``pytest`` keeps its
``test``); encoded forms are added for secrets of 8 characters or more (a short
secret's base64 core would match ordinary text).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import contextlib
import json
import logging
import re
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import IO, TYPE_CHECKING, Any, AnyStr, TypeVar
from urllib.parse import quote, quote_plus

if TYPE_CHECKING:
    from pydantic import BaseModel

REDACTED = "[redacted]"
#: Orchestra's own credentials in the environment.
CREDENTIAL_VARIABLES = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")
#: Names of environment variables that hold a credential by their own account.
CREDENTIAL_NAME = re.compile(
    r"TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY"
    r"|COOKIE",
    re.IGNORECASE,
)


def environment_secrets(environ: Mapping[str, str]) -> list[str]:
    """Values of `environ` that are credentials: Orchestra's own and those of variables
    named like one (``AWS_SECRET_ACCESS_KEY``, ``GITHUB_TOKEN``), 8 characters or more."""
    return [
        value
        for name, value in environ.items()
        if (name in CREDENTIAL_VARIABLES or CREDENTIAL_NAME.search(name))
        and len(value) >= MIN_VARIANT_LENGTH
    ]


MIN_SECRET_LENGTH = 4
MIN_VARIANT_LENGTH = 8
#: The most text a stream holds back while waiting to see whether it is a secret.
MAX_HELD = 16_384

#: Secrets recognised by shape, beyond detect-secrets' rules. A pattern with a group
#: named `keep` keeps that prefix; one with an unnamed group redacts only that group.
#: Each starts with its literal text, which `re` finds by a fast scan: a `\b` first
#: makes it try every position (5 ms for 100 KB, per rule), so a word boundary is a
#: lookbehind after the literal, and a match that starts inside a token (`k_live_` of
#: `sk_live_`) is widened to the token's start (see `_secret_spans`).
DEFAULT_PATTERNS: tuple[str, ...] = (
    r"sk-ant-[A-Za-z0-9_\-]{8,}",
    r"sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_\-]{16,}",
    r"github_pat_[A-Za-z0-9_]{22,}",
    r"gh[pousr]_(?<!\wgh[pousr]_)[A-Za-z0-9_]{20,}",
    r"gl(?:pat|dt|ft|soat|rt|cbt|imt|ptt|agent|oas)-[A-Za-z0-9_\-]{16,}",
    r"xox[abposre]-(?<!\wxox.-)[A-Za-z0-9\-]{10,}",
    r"eyJ(?<!\weyJ)[A-Za-z0-9_\-]+\.eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*",
    r"(?i:aws).{0,24}?(?i:secret|key).{0,24}?[=:]\s*\\?[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])",
    r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:.*?-----END[A-Z0-9 ]*PRIVATE KEY"
    r"(?: BLOCK)?-----|.*)",
    r"(?P<keep>(?i:authorization)\\?\"?\s*[:=]\s*\\?\"?(?i:bearer|basic|token)\s+)[^\s\"'\\,;]+",
    # An API key header's value (`api_key = …` in code is the keyword rule's, with its
    # filters: `apiKey: process.env.API_KEY` is no secret); not a `<placeholder>`.
    r"(?P<keep>-(?:key|KEY|Key)(?<=[Aa][Pp][Ii]-[Kk][Ee][Yy])\\?\"?\s*[:=]\s*\\?\"?)"
    r"(?![<{$])[^\s\"'\\,;]{8,}",
    # Stripe's test and restricted keys and webhook secrets (detect-secrets knows only
    # `sk_live_`/`rk_live_`), Google API keys, Hugging Face and npm access tokens.
    r"k_(?:live|test)_(?<=[rs]k_live_|[rs]k_test_)[0-9A-Za-z]{16,}",
    r"whsec_(?<!\wwhsec_)[0-9A-Za-z+/=]{24,}",
    r"AIza(?<!\wAIza)[0-9A-Za-z_\-]{35}",
    r"hf_(?<!\whf_)[A-Za-z0-9]{30,}",
    r"npm_(?<!\wnpm_)[A-Za-z0-9]{36}",
    # The password of a URL's userinfo (`postgres://user:pass@host`, `redis://:pass@h`,
    # any scheme: the rule starts at `://`):
    # detect-secrets' BasicAuthDetector refuses passwords with any of RFC 3986's
    # sub-delimiters (`!$&'()*+,;=`), which real passwords have. Up to the last `@`
    # before the path (an unencoded `@` in a password); `${VAR}`, `$VAR`, `<password>`
    # and `{password}` are references, not secrets (detect-secrets' own filters).
    r"://[^\s:/?#@\[\]]*:(?![$<{])([^\s/?#]+)@",
)

#: detect-secrets plugins whose rules are precise enough to redact by. Left out: the
#: keyword and entropy plugins (they would redact ordinary words and hashes) and those
#: whose rules have no fixed text to look for (Discord, Mailchimp, Telegram, Twilio).
#: BasicAuthDetector's rule is replaced by the URL rule of `DEFAULT_PATTERNS` (it misses
#: passwords with `!$&'()*+,;=`, and takes `<password>`, which its filters then drop).
_DETECT_SECRETS_PLUGINS = (
    ("aws", "AWSKeyDetector"),
    ("azure_storage_key", "AzureStorageKeyDetector"),
    ("github_token", "GitHubTokenDetector"),
    ("gitlab_token", "GitLabTokenDetector"),
    ("jwt", "JwtTokenDetector"),
    ("npm", "NpmDetector"),
    ("openai", "OpenAIDetector"),
    ("private_key", "PrivateKeyDetector"),
    ("pypi_token", "PypiTokenDetector"),
    ("sendgrid", "SendGridDetector"),
    ("slack", "SlackDetector"),
    ("square_oauth", "SquareOAuthDetector"),
    ("stripe", "StripeDetector"),
)

#: detect-secrets' keywords (`keyword.DENYLIST`, as a test checks): written out, since the
#: screens run before, and mostly without, the package being imported.
_KEYWORDS = (
    r"api_?key|auth_?key|service_?key|account_?key|db_?key|database_?key|priv_?key"
    r"|private_?key|client_?key|db_?pass|database_?pass|key_?pass|password|passwd|pwd|secret"
    r"|contraseña|contrasena"
)

#: Text every shape rule needs: where none occurs (most text), no rule is tried. RE2
#: runs this alternation in one linear pass; Python's `re` was 30 times slower here.
_SHAPE_WORDS = (
    r"sk-|akia|asia|abia|acca|a3t|gh[pousr]_|github_pat_|gl[a-z]{1,6}-|gr1348941|xox|aws"
    r"|private key|putty|authoriz|api.?key|://|accountkey|eyj|_authtoken|sg\.|sq0csp"
    r"|k_live_|k_test_|whsec_|aiza|hf_|npm_|pypi-"
)


@lru_cache(maxsize=1)
def _shape_screen() -> Any:
    """`_SHAPE_WORDS`, compiled on first use: RE2 (with the C++ runtime it loads) adds
    some 2.5 MiB to a process, and an idle language server redacts nothing."""
    import re2  # type: ignore[import-untyped]

    return re2.compile(f"(?i){_SHAPE_WORDS}")


#: The start of a shape-recognised secret at the very end of a text: a stream holds it
#: back until the next piece shows where it ends.
_PARTIAL_SHAPE = re.compile(
    r"(?:sk-|AKIA|ASIA|ABIA|ACCA|A3T|gh[pousr]_|github_pat_|gl[a-z]{1,5}-|xox[a-z]-|eyJ"
    r"|SG\.|[rs]k_live_|[rs]k_test_|whsec_|AIza|hf_|pypi-|npm_|(?i:bearer|basic|token|x-api-key)[\"':=\s]*)"
    r"[A-Za-z0-9_\-./+=:]*\Z"
    r"|-----BEGIN[^\n]*PRIVATE KEY(?:(?!-----END)[\s\S])*\Z"
    r"|[-A-Za-z_]{1,10}\Z"
)
#: The start of a keyword assignment or of a URL's userinfo at the end of a line: held
#: until the value's closing quote, its token's end or the URL's host is seen.
_PARTIAL_ASSIGNMENT = re.compile(
    rf"(?:{_KEYWORDS})\w*(?:\\?[\]'\"]){{0,2}}[ \t]*(?:(?::=|=>|===?|!==?|=|:)[ \t]*@?"
    r"(?:\\?[\"'`](?:[^\"'`\\\n]|\\[^\"'`])*\\?|[^\s\"'`\\]*))?\Z",
    re.IGNORECASE,
)
_PARTIAL_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.\-]+(?::/?|://[^\s/?#]*)\Z")
#: How much of the last line those are looked for in.
_ASSIGNMENT_HOLD = 512
#: What `_PARTIAL_SHAPE` allows after a shape's start (and its starts are made of);
#: the separators after a scheme word (`Bearer `, `token: "`, besides whitespace); and
#: the longest such word (`x-api-key`), for `held_length`'s starting point.
_TOKEN = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-./+=:"
_SEPARATORS = "\"':="
_LONGEST_SCHEME = len("x-api-key")


@lru_cache(maxsize=1)
def _detect_secrets_rules() -> tuple[re.Pattern[str], ...]:
    """The compiled rules of the chosen detect-secrets plugins (imported on first use:
    the language server must start without paying for them)."""
    import importlib

    rules: list[re.Pattern[str]] = []
    for module_name, class_name in _DETECT_SECRETS_PLUGINS:
        try:
            module = importlib.import_module(f"detect_secrets.plugins.{module_name}")
            rules.extend(getattr(module, class_name).denylist)
        except (ImportError, AttributeError):  # a plugin renamed upstream: keep the rest
            continue
    return tuple(rules)


@lru_cache(maxsize=8)
def _shape_rules(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    own = tuple(re.compile(pattern, re.DOTALL) for pattern in patterns)
    return own + (_detect_secrets_rules() if patterns == DEFAULT_PATTERNS else ())


def secret_variants(secret: str) -> set[str]:
    """`secret` and the forms it travels in: the token of ``Bearer <token>``, URL- and
    JSON-escaped, base64 (standard and URL-safe, at each of the 3 alignments inside a
    longer base64 text), and the password of ``Basic`` credentials."""
    variants = {secret} if len(secret.strip()) >= MIN_SECRET_LENGTH else set()
    words = secret.split()
    if len(words) == 2 and words[0].lower() in _SCHEMES and len(words[1]) >= MIN_SECRET_LENGTH:
        return secret_variants(words[1]) | _basic_password(words[1])  # the scheme stays readable
    if len(words) > 1:
        for word in words[1:]:
            if len(word) >= MIN_VARIANT_LENGTH:
                variants |= secret_variants(word)
        if words[0].lower() == "basic":
            variants |= _basic_password(words[-1])
    if len(secret) < MIN_VARIANT_LENGTH:
        return variants
    variants |= {quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}
    raw = secret.encode("utf-8")
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        for shift in range(3):
            encoded = encode(b"\0" * shift + raw).decode("ascii")
            # Only the characters made of the secret's own bits are the same whatever
            # surrounds it: from ceil(8*shift/6) to floor(8*(shift+n)/6).
            core = encoded[-(-8 * shift // 6) : 8 * (shift + len(raw)) // 6]
            if len(core) >= MIN_VARIANT_LENGTH:
                variants.add(core)
    return variants


_SCHEMES = frozenset({"bearer", "basic", "token", "bot", "apikey"})


@lru_cache(maxsize=4096)
def could_be_secret(value: str) -> bool:
    """Whether a known value (an environment variable's, an `env` entry's, the API key)
    is worth redacting as a literal wherever it appears: 4 characters or more, and none
    of what detect-secrets' filters read as no secret — a placeholder (see
    `is_placeholder`), a run (`12345678`, `abcdefgh`), no letter or digit at all
    (`********`), or under 1.5 bits of Shannon entropy a character by its entropy
    plugin (`xxxxxxxx`, `aaaa1111`) — nor a plain word (`postgres`, `test`,
    `Production`: letters only, in one case or capitalised), which ordinary text is full
    of. A person's ``PGPASSWORD=postgres`` is no secret worth mangling every mention of
    the database for. Imports detect-secrets; cached, since a logging filter builds a
    redactor a record."""
    from detect_secrets.filters import heuristic
    from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString

    word = value.strip()
    if len(word) < MIN_SECRET_LENGTH or is_placeholder(word):
        return False
    if word.isalpha() and (word.islower() or word.isupper() or word.istitle()):
        return False
    return not (
        heuristic.is_sequential_string(word)
        or heuristic.is_not_alphanumeric_string(word)
        or Base64HighEntropyString().calculate_shannon_entropy(word) < _MIN_ENTROPY
    )


_MIN_ENTROPY = 1.5
#: The words of a placeholder someone is meant to replace (`your-key-here`,
#: `YOUR_API_KEY`, `<your key>`, `token_here`).
_PLACEHOLDER_WORDS = re.compile(r"(?<![A-Za-z0-9])(?:your|here)(?![A-Za-z0-9])", re.IGNORECASE)


def is_placeholder(value: str) -> bool:
    """Whether `value` stands for a secret rather than being one: a template (`<token>`,
    `<your key>`, `{token}`, `${TOKEN}`) or a variable (`$TOKEN`), as detect-secrets'
    filters read them, or a text to replace (`your-key-here`, `YOUR_API_KEY`)."""
    from detect_secrets.filters import heuristic

    return bool(
        heuristic.is_templated_secret(value)
        or heuristic.is_prefixed_with_dollar_sign(value)
        or _PLACEHOLDER_WORDS.search(value)
    )


def _literal_pattern(literal: str) -> str:
    """The regular expression for `literal`: one shorter than `MIN_VARIANT_LENGTH` only
    where no letter or digit continues it on either side (a 4-character API key `ab12`
    is no secret inside `xab123`, and a short value inside a longer word is chance);
    a longer one anywhere (no chance puts it inside another word, and inside a longer
    token it is still the secret, readable)."""
    escaped = re.escape(literal)
    if len(literal) >= MIN_VARIANT_LENGTH:
        return escaped
    before = r"(?<![^\W_])" if literal[0].isalnum() else ""
    after = r"(?![^\W_])" if literal[-1].isalnum() else ""
    return f"{before}{escaped}{after}"


def _basic_password(token: str) -> set[str]:
    try:
        decoded = base64.b64decode(token, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return set()
    password = decoded.partition(":")[2]
    return secret_variants(password) if len(password) >= MIN_SECRET_LENGTH else set()


class Redactor:
    """Replaces known secrets and secret-shaped strings with ``[redacted]``."""

    def __init__(
        self, secrets: Iterable[str] = (), *, patterns: Iterable[str] = DEFAULT_PATTERNS
    ) -> None:
        given = {secret for secret in secrets if len(secret.strip()) >= MIN_SECRET_LENGTH}
        self._secrets = tuple(sorted(given))
        self._patterns = tuple(patterns)
        self._matcher: tuple[tuple[str, ...], re.Pattern[str] | None] | None = None
        """The literals and their regular expression (see `_literal_matcher`), made on
        first use: deciding which values could be secrets imports detect-secrets."""
        self._screened = self._patterns == DEFAULT_PATTERNS
        self._screen: Any = None
        """One RE2 pass for the literals and `_SHAPE_WORDS` (see `_combined_screen`),
        compiled on first use, like `_shape_screen`; False where RE2 will not take it."""
        self._all_forms: list[str] | None = None
        self._prefix_set: frozenset[str] | None = None
        self._prefix_ends: dict[str, tuple[int, ...]] = {}

    def _literal_matcher(self) -> tuple[tuple[str, ...], re.Pattern[str] | None]:
        """The forms of the given secrets that could be secrets (see `could_be_secret`),
        longest first so a secret containing another is replaced whole, and the regular
        expression that finds them: one shorter than `MIN_VARIANT_LENGTH` only as a whole
        token (see `_literal_pattern`)."""
        if self._matcher is None:
            variants = {
                variant
                for secret in self._secrets
                if could_be_secret(secret)
                for variant in secret_variants(secret)
                if could_be_secret(variant)
            }
            literals = tuple(sorted(variants, key=len, reverse=True))
            regex = re.compile("|".join(map(_literal_pattern, literals))) if literals else None
            self._matcher = literals, regex
        return self._matcher

    @property
    def secrets(self) -> tuple[str, ...]:
        """The literal secrets this redactor was given."""
        return self._secrets

    def covers(self, other: Redactor) -> bool:
        """Whether this redactor replaces everything `other` would: the same shape rules
        and at least its literal secrets."""
        return self._patterns == other._patterns and set(other._secrets) <= set(self._secrets)

    def with_secrets(self, secrets: Iterable[str]) -> Redactor:
        """A redactor that also knows `secrets` (e.g. after mcp.json was reloaded)."""
        return Redactor((*self._secrets, *secrets), patterns=self._patterns)

    def redact_text(self, text: str) -> str:
        """`text` with every secret replaced."""
        if not text:
            return text
        screen = self._combined()
        if screen is not None and screen.search(text) is None:
            return text  # neither a literal secret nor a shape's word, in one pass
        literal_regex = self._literal_matcher()[1]
        if literal_regex is not None:
            text = literal_regex.sub(REDACTED, text)
        spans: list[tuple[int, int]] = []
        if not self._screened or _shape_screen().search(text) is not None:
            rules = _shape_rules(self._patterns)
            spans = [span for rule in rules for span in _secret_spans(rule, text)]
        if self._screened:
            spans.extend(_keyword_spans(text))
        if not spans:
            return text
        spans.sort()
        out: list[str] = []
        position = 0
        for start, end in spans:
            if end <= position:
                continue
            if start >= position:
                out.append(text[position:start])
                out.append(REDACTED)
            position = end  # an overlapping span extends the one already replaced
        out.append(text[position:])
        return "".join(out)

    def may_hold_secret(self, json_text: str) -> bool:
        """False only when no string of the value `json_text` encodes (as JSON) can hold a
        secret: a screen that spares walking most events. JSON escapes could hide a
        secret from the raw text (a quote inside a literal secret, a newline inside a
        PEM block), so the screen reads the text with its escapes decoded: every string
        then stands in it as it is."""
        text = _json_unescaped(json_text) if "\\" in json_text else json_text
        try:
            return self.redact_text(text) != text
        except UnicodeError:  # a decoded lone surrogate: let the walk decide
            return True

    def _combined(self) -> Any:
        """The one-pass screen, or None where there is none (custom patterns, or
        literals RE2 will not take)."""
        if self._screen is None:
            # Every form of the given secrets, whether or not it could be one: the screen
            # only says where to look closer, and deciding which could be (the matcher)
            # imports detect-secrets, a tenth of a second a command line need not pay
            # for text that holds none of them.
            self._screen = (self._screened and _combined_screen(self._forms())) or False
            # The codec `_json_unescaped` reads escapes with is imported on its first use
            # (half a millisecond): now, with the screen, not in the turn of the first
            # event that has an escape.
            codecs.lookup("unicode_escape")
        return self._screen or None

    def redact(self, value: Any) -> Any:
        """A copy of `value` with every string redacted, recursing into mappings (values
        only), lists and tuples; other values are returned as they are."""
        if isinstance(value, str):
            return self.redact_text(value)
        if isinstance(value, Mapping):
            return {key: self._redact_field(key, item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.redact(item) for item in value]
        return value

    def _redact_field(self, key: object, item: Any) -> Any:
        """A mapping's value redacted; a string under a keyword's name (`"password":
        "…"`, `client_secret`) also whole when it looks like a literal secret, as the
        keyword rule reads it in text."""
        if (
            self._screened
            and isinstance(item, str)
            and isinstance(key, str)
            and item
            and _KEYWORD_NAME.search(key)
            and _literal_secret(item, f"{key}: {item}", bare=False)
        ):
            return REDACTED
        return self.redact(item)

    def held_length(self, text: str) -> int:
        """How many characters at the end of `text` (already redacted) could be the start
        of a secret that the next piece of a stream completes."""
        longest = 0
        if text and self._secrets:
            # The prefixes of every form of the given secrets, whether or not it could
            # be one (see `could_be_secret`): holding back a little more text than the
            # matcher would redact costs a piece's delay, and deciding which could be
            # imports detect-secrets, which a command line's output should not wait for.
            prefixes, lengths = self._prefixes()
            for length in lengths.get(text[-1], ()):
                if length <= len(text) and text[-length:] in prefixes:
                    longest = length
                    break
        window = text[-MAX_HELD:]
        # A shape's start and what follows it are `_TOKEN` characters, after at most a
        # scheme word and its separators: no match starts before them, so the search
        # starts there instead of trying every position of up to 16 KB. A PEM block's
        # start is the exception (its body is any text).
        start = 0
        if "-----BEGIN" not in window:
            start = len(window.rstrip(_TOKEN))
            while True:
                stripped = window[:start].rstrip().rstrip(_SEPARATORS)
                if len(stripped) == start:
                    break
                start = len(stripped)
            start = max(0, start - _LONGEST_SCHEME)
        match = _PARTIAL_SHAPE.search(window, start)
        if match is not None:
            longest = max(longest, len(match.group()))
        return min(max(longest, _held_assignment(window)), MAX_HELD)

    def _forms(self) -> list[str]:
        """Every form of the given secrets long enough to be one, whether or not it
        could be (see `could_be_secret`), longest first: what the screen and the
        holding back of a stream look for without making the matcher, which imports
        detect-secrets."""
        if self._all_forms is None:
            forms = {
                v
                for secret in self._secrets
                for v in secret_variants(secret)
                if len(v.strip()) >= MIN_SECRET_LENGTH  # as `could_be_secret` asks first
            }
            self._all_forms = sorted(forms, key=len, reverse=True)
        return self._all_forms

    def _prefixes(self) -> tuple[frozenset[str], dict[str, tuple[int, ...]]]:
        """The proper prefixes of `_forms`, and by last character the lengths of those
        ending in it, longest first."""
        if self._prefix_set is None:
            self._prefix_set, self._prefix_ends = _prefix_table(self._forms())
        return self._prefix_set, self._prefix_ends


def _prefix_table(
    literals: Sequence[str],
) -> tuple[frozenset[str], dict[str, tuple[int, ...]]]:
    """The literals' proper prefixes, and by last character the lengths of those ending
    in it, longest first."""
    prefixes = frozenset(
        literal[:length] for literal in literals for length in range(1, len(literal))
    )
    ends: dict[str, set[int]] = {}
    for prefix in prefixes:
        ends.setdefault(prefix[-1], set()).add(len(prefix))
    return prefixes, {c: tuple(sorted(n, reverse=True)) for c, n in ends.items()}


def _held_assignment(text: str) -> int:
    """How much of the end of `text` is an unfinished keyword assignment or URL userinfo
    (see `_PARTIAL_ASSIGNMENT`), looked for in the last `_ASSIGNMENT_HOLD` characters of
    its last line."""
    line = text[text.rfind("\n") + 1 :][-_ASSIGNMENT_HOLD:]
    held = 0
    scheme = line.rfind("://")
    if scheme < 0 and line.endswith((":", ":/")):
        scheme = len(line) - 2  # a scheme's `:` or `:/`, whose `//` the next piece brings
    if scheme >= 0:
        match = _PARTIAL_URL.search(line, max(0, scheme - 32))
        held = len(match.group()) if match else 0
    match = _PARTIAL_ASSIGNMENT.search(line)
    return max(held, len(match.group()) if match else 0)


def _combined_screen(literals: Sequence[str]) -> Any:
    """One RE2 pass finding any literal secret or any word a shape rule needs: most
    text (every event, every tool result) has neither, and two passes, one per kind,
    cost twice as much; None when RE2 will not take the literals."""
    import re2

    words = f"(?i:{_SHAPE_WORDS}|{_KEYWORDS})"
    pattern = "|".join([words, *(re.escape(v) for v in literals)])
    try:
        return re2.compile(pattern)
    except Exception:  # RE2's error type depends on its binding's version
        return None


_JSON_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|(.))", re.DOTALL)
_JSON_SIMPLE_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _json_unescaped(json_text: str) -> str:
    """`json_text` with its escapes decoded. In JSON a backslash always starts an escape,
    and each one but `\\/` means in Python's `unicode_escape` what it means in JSON; the
    codec reads bytes, so every other character is first written as the Python escape
    it decodes back from. Several times faster than a substitution per escape (a tool's
    summary has a newline a line)."""
    if "\\/" not in json_text:
        with contextlib.suppress(UnicodeError):
            return json_text.encode("latin-1", "backslashreplace").decode("unicode_escape")
    return _JSON_ESCAPE.sub(_unescape, json_text)


def _unescape(match: re.Match[str]) -> str:
    """The character a JSON escape stands for."""
    code, char = match.group(1), match.group(2)
    return chr(int(code, 16)) if code else _JSON_SIMPLE_ESCAPES.get(char, char)


ModelT = TypeVar("ModelT", bound="BaseModel")


def redact_model_data(model: ModelT, redactor: Redactor) -> tuple[ModelT, dict[str, Any]]:
    """`model` with every string field redacted (the same object when nothing was), and
    its `model_dump(mode="json")` (the engine journals that dict: one dump per event)."""
    model, data, _ = redact_model_json(model, redactor)
    return model, data


def redact_model_json(
    model: ModelT, redactor: Redactor
) -> tuple[ModelT, dict[str, Any], bytes | None]:
    """As :func:`redact_model_data`, with the data's compact JSON (pydantic-core's
    encoder, as the journal writes it) when nothing was redacted, else None: the screen
    encodes the event anyway, and the journal's line can reuse that encoding."""
    import pydantic_core

    data = model.model_dump(mode="json")
    # pydantic-core's encoder (compact, UTF-8, the same escapes as json.dumps with
    # ensure_ascii=False): several times faster, and this runs for every event.
    encoded = pydantic_core.to_json(data)
    if not redactor.may_hold_secret(encoded.decode()):
        return model, data, encoded
    redacted = redactor.redact(data)
    if redacted == data:  # an escape (a newline) made the screen walk; nothing was found
        return model, data, encoded
    return type(model).model_validate(redacted), redacted, None


def _secret_spans(rule: re.Pattern[str], text: str) -> Iterator[tuple[int, int]]:
    """Where `rule` finds secrets in `text`, each extended to the end of its token: a rule
    that reads a fixed length (detect-secrets' Stripe rule reads 24 characters of keys
    that run to 100) would otherwise leave the rest of the token in the text; a whole
    match also to its token's start (its letters and digits before)."""
    for match in rule.finditer(text):
        keep = next((n for n, v in match.groupdict().items() if n == "keep" and v), None)
        if keep is not None:
            start, end = match.end(keep), match.end()
        elif rule.groups and match.lastindex and match.group(match.lastindex):
            start, end = match.span(match.lastindex)
        elif match.end() > match.start():
            start, end = match.span()
            while start and text[start - 1].isascii() and text[start - 1].isalnum():
                start -= 1  # the token's letters before the rule's literal
        else:
            continue
        yield start, _token_end(text, end)


#: What continues a token: the characters of base64, base64url, hex and the usual
#: `prefix_body-part` shapes; a `.` only inside it (a JWT's, not a sentence's end); a
#: percent escape (a token URL-encoded).
_CONTINUATION = re.compile(r"(?:[A-Za-z0-9_\-+/=]|\.(?=[A-Za-z0-9_\-])|%[0-9A-Fa-f]{2})*")


def _token_end(text: str, end: int) -> int:
    """The end of the token a match ending at `end` belongs to."""
    if end >= len(text) or text[end] in _TOKEN_STOPS:
        return end  # the common case, without a regex call
    return _CONTINUATION.match(text, end).end()  # type: ignore[union-attr]  # matches ""


_TOKEN_STOPS = frozenset(" \t\n\r\"',;:()[]{}<>@!?*&|`~^#$")


@lru_cache(maxsize=1)
def _keyword_rule() -> re.Pattern[str]:
    """detect-secrets' KeywordDetector, read for redaction: a name with one of its
    keywords (`keyword.DENYLIST`: `password`, `secret`, `api_key`, `db_pass`, …, with
    any prefix and suffix: `DB_PASSWORD`, `client_secret`), its closing quotes or
    bracket, an assignment or comparison (`=`, `:`, `:=`, `=>`, `==`, `!=`) and a value,
    quoted (`"…"`, `'…'`, `` `…` ``, JSON-escaped `\\"…\\"` too) or a bare token.

    Its own regular expressions are not used as they are: they are written for one line
    of a file whose type chooses among them (a quoted value in code, a bare one in
    configuration), and a bare value there runs to the end of the line (prose after
    `password:` would go). Here the type is unknown, so a bare value is one token and
    must look like a literal (see `_literal_secret`)."""
    words = _KEYWORDS
    value = r"(?:[^\"'`\\\n]|\\[^\"'`])*"
    return re.compile(
        rf"(?P<name>(?:{words})\w*)(?:\\?[\]'\"]){{0,2}}(?P<before>[ \t]*)"
        r"(?P<op>:=|=>|===?|!==?|=|:)(?P<after>[ \t]*)@?"
        rf"(?:(?P<q>\\?[\"'`])(?P<quoted>{value})(?P=q)|(?P<bare><[^<>\n]*>|[^\s\"'`\\]+))",
        re.IGNORECASE,
    )


_KEYWORD_NAME = re.compile(_KEYWORDS, re.IGNORECASE)
_KEYWORD_LOWER = re.compile(_KEYWORDS)
#: A part of every keyword, and how far a keyword reaches past it (`pass` in `password`).
_ANCHORS = (("key", 0), ("pass", 4), ("pwd", 0), ("secret", 0), ("contras", 3))
_LONGEST_PREFIX = len("database_")


def _keyword_starts(text: str) -> list[int]:
    """Where keywords start in `text`, in order. Found through their anchors with
    `str.find`: a regular expression tries its 18 alternatives at every position (2.5
    ms for 3 KB case-insensitively, and RE2's binding costs 30 µs a match)."""
    lower = text.lower()
    if len(lower) != len(text):  # a character lowercased to two: positions would shift
        return [match.start() for match in _KEYWORD_NAME.finditer(text)]
    starts: set[int] = set()
    for anchor, reach in _ANCHORS:
        at = lower.find(anchor)
        while at >= 0:
            end = at + len(anchor)
            match = _KEYWORD_LOWER.search(lower, max(0, at - _LONGEST_PREFIX), end + reach)
            if match is not None and match.start() <= at:
                starts.add(match.start())
            at = lower.find(anchor, end)
    return sorted(starts)


_CONSTANTS = frozenset({"none", "null", "nil", "true", "false", "undefined", "redacted"})
_DOTTED_NAME = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+")
_WORD_ONLY = re.compile(r"[A-Za-z_]+")


def _keyword_spans(text: str) -> Iterator[tuple[int, int]]:
    """The values detect-secrets' keyword rule finds in `text` that look like secrets."""
    rule = _keyword_rule()
    done = 0
    for start in _keyword_starts(text):
        if start < done:
            continue  # a keyword inside a value already read
        match = rule.match(text, start)
        if match is None:
            continue
        done = match.end()
        quoted = match.group("quoted")
        if quoted is not None:
            if _literal_secret(quoted, match.group(), bare=False):
                yield match.span("quoted")
            continue
        value = match.group("bare").rstrip(",;)]}")
        if not value:
            continue
        # A bare word of letters reads as a name in code (`password: str`, `password =
        # new_password`); it counts only in a shell or .env assignment (`DB_PASSWORD=x`).
        start = match.start("name")
        while start and (text[start - 1].isalnum() or text[start - 1] == "_"):
            start -= 1
        env_style = (
            match.group("op") == "="
            and not match.group("before")
            and not match.group("after")
            and text[start : match.end("name")].isupper()
        )
        if (env_style or not _WORD_ONLY.fullmatch(value)) and _literal_secret(
            value, match.group(), bare=True
        ):
            begin = match.start("bare")
            yield begin, begin + len(value)


def _literal_secret(value: str, assignment: str, *, bare: bool) -> bool:
    """Whether `value`, assigned in `assignment`, is a literal secret: detect-secrets'
    default filters for its keyword plugin (not a placeholder, see `is_placeholder`:
    `{x}`/`<x>`/`${x}`, `$VAR`, `your-key-here`; has a letter, not a run like `abcdef`,
    not an id `user_id = …`, no call or subscript `os.environ["X"]`), and not a constant
    (`None`, `null`); a bare value also not a dotted name (`self.password`,
    `process.env.API_KEY`), nor a path (`PWD=/home/a`), and 4 characters or more. Its
    UUID filter is not applied: a UUID assigned to an API key is one (Heroku's are
    UUIDs)."""
    from detect_secrets.filters import heuristic

    if value.lower().strip("[]") in _CONSTANTS:
        return False
    if bare and (
        len(value) < MIN_SECRET_LENGTH
        or _DOTTED_NAME.fullmatch(value)
        or any(bracket in value for bracket in "([{")  # a call, a subscript
        or value.startswith(("/", "~/", "./", "../"))
        or heuristic.is_indirect_reference(assignment)
    ):
        return False
    return not (
        is_placeholder(value)
        or heuristic.is_not_alphanumeric_string(value)
        or heuristic.is_sequential_string(value)
        or heuristic.is_likely_id_string(value, assignment)
    )


class StreamRedactor:
    """Redacts text that arrives in pieces: :meth:`feed` returns what can be shown now,
    :meth:`flush` the rest at the end of the stream."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self._held = ""
        self._in_secret = False
        """The text so far (shown or held) ends in a redacted secret: what continues its
        token in the next piece is the rest of that secret (a shape rule matched the
        first 24 characters of a 100-character key, and the piece ended there)."""

    def feed(self, text: str) -> str:
        """Redact `text` after what was held; return all but a possible secret's start."""
        if self._in_secret:
            rest = _CONTINUATION.match(text).end()  # type: ignore[union-attr]  # matches ""
            text = text[rest:]
            if not text:
                return ""
        buffer = self.redactor.redact_text(self._held + text)
        held = self.redactor.held_length(buffer)
        self._held = buffer[len(buffer) - held :] if held else ""
        self._in_secret = buffer.endswith(REDACTED)
        return buffer[: len(buffer) - held]

    def flush(self) -> str:
        """Everything still held, redacted (the stream ended)."""
        held, self._held = self._held, ""
        self._in_secret = False
        return self.redactor.redact_text(held)


class SecretRegistry:
    """The secrets this process knows, for front ends that print (the terminal, the
    language server's log): the workspace and the engine add to it as they learn them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._redactor = Redactor()

    def add(self, secrets: Iterable[str]) -> None:
        """Learn more secrets (empty and short values are ignored)."""
        fresh = [s for s in secrets if s and s not in self._redactor.secrets]
        if fresh:
            with self._lock:
                self._redactor = self._redactor.with_secrets(fresh)

    @property
    def redactor(self) -> Redactor:
        """A redactor that knows every secret added so far."""
        return self._redactor


#: The process-wide registry (see :class:`SecretRegistry`).
SECRETS = SecretRegistry()


class RedactingStream:
    """A text stream that redacts with :data:`SECRETS` (or a given registry) before
    writing to `target`; the CLI wraps stdout and stderr with it, since CI keeps them as
    a log. Text that may be the start of a secret is held until the next write shows
    where it ends, or until :meth:`close` (a line's end is never held)."""

    def __init__(self, target: IO[str], registry: SecretRegistry = SECRETS) -> None:
        self._target = target
        self._registry = registry
        self._stream = StreamRedactor(registry.redactor)

    def write(self, text: AnyStr) -> int:
        """Write `text` (redacted; a possible secret's start is held back)."""
        value = text if isinstance(text, str) else text.decode("utf-8", "replace")
        self._stream.redactor = self._registry.redactor
        ready = self._stream.feed(value)
        if ready:
            self._target.write(ready)
        return len(value)

    def flush(self) -> None:
        """Flush the target. What is held stays held unless it ends a line: a prompt is
        shown as soon as it is complete, a secret's start is not."""
        self._target.flush()

    def close(self) -> None:
        """Write what is still held, redacted."""
        rest = self._stream.flush()
        if rest:
            self._target.write(rest)
        self._target.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


@contextlib.contextmanager
def redacted_std_streams(registry: SecretRegistry = SECRETS) -> Iterator[None]:
    """Within the block, everything printed to stdout and stderr is redacted (see
    :class:`RedactingStream`); the streams are restored, and what they held written,
    on the way out."""
    saved = sys.stdout, sys.stderr
    out, err = RedactingStream(sys.stdout, registry), RedactingStream(sys.stderr, registry)
    sys.stdout, sys.stderr = out, err
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
        for stream in (out, err):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe, a closed file
                stream.close()


class RedactingFilter(logging.Filter):
    """A logging filter that redacts a record's message, arguments, exception text and
    stack before any handler formats it.

    Attach it to handlers (``handler.addFilter(...)``): filters on a logger do not see
    records propagated from its children. Replace `redactor` to learn new secrets; with
    `registry`, the filter always uses the registry's current redactor.
    """

    def __init__(self, redactor: Redactor, registry: SecretRegistry | None = None) -> None:
        super().__init__()
        self.redactor = redactor
        self.registry = registry

    def filter(self, record: logging.LogRecord) -> bool:
        redactor = self.redactor
        if self.registry is not None:
            redactor = redactor.with_secrets(self.registry.redactor.secrets)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that don't fit the format string
            message = f"{record.msg} {record.args!r}"
        record.msg = redactor.redact_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redactor.redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redactor.redact_text(record.stack_info)
        return True
