"""The test account, read from `.env.example`, then `.env`, then the environment.

The shop has one account, for testing: it is what the QA workflow logs in with. Its
password lives in `.env.example` (test data, committed on purpose) so that the shop
runs with no setup; a `.env` or the environment can override it.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The example's folder (where `.env.example` lives)."""


@dataclass(frozen=True)
class Account:
    email: str
    password: str

    def accepts(self, email: str, password: str) -> bool:
        """Emails compare without regard to case (people type them either way);
        passwords exactly, in constant time."""
        same_email = email.strip().casefold() == self.email.casefold()
        same_password = hmac.compare_digest(password.encode(), self.password.encode())
        return same_email and same_password


def read_env_file(path: Path) -> dict[str, str]:
    """`NAME=value` lines; blank lines and `#` comments skipped, quotes stripped."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        values[name.strip()] = value.strip().strip("'\"")
    return values


def load_account(root: Path = ROOT, environ: Mapping[str, str] = os.environ) -> Account:
    settings = read_env_file(root / ".env.example") | read_env_file(root / ".env")
    settings |= {name: value for name, value in environ.items() if name.startswith("SHOP_")}
    try:
        return Account(settings["SHOP_QA_EMAIL"], settings["SHOP_QA_PASSWORD"])
    except KeyError as missing:
        raise RuntimeError(f"{missing} is not set (see .env.example)") from None
