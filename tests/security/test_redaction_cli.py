"""End to end through the real CLI: a scripted model reads a file of secrets nobody
declared (a long Stripe key, connection URLs, keyword assignments in .env, YAML, JSON
and Python) and repeats it in streamed text cut inside the secrets. The terminal, the
run's journal and every request the model server received hold none of them, and what
is no secret in the file (a variable read from the environment, a template) reaches
the model as written."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent / "engine"))
from engine_helpers import all_files_text, command_file, orchestra, workspace

from orchestra_lsp.testing import ScriptedServer

STRIPE = "sk_live_" + "51HxYz2LkQ9wErTy7UiOp3AsDf5GhJk8LzXc4VbNm6Qw1ErTy9Ui" * 2
SECRETS = {
    "stripe key": STRIPE,
    "stripe test key": "sk_test_" + "4eC39HqLyjWDarjtT1zdp7dcAbCdEf",
    "postgres password": "S3cr3tPassw0rd!",
    "mysql password": "My$qlR00t-Pass",
    "redis password": "R3d1s:Pa55",
    "https password": "gitP4ss-2024",
    "python password": "Hunt3r2-v3ry-s3cr3t",
    "django key": "django-insecure-q7#x!2k@9zw8",
    "yaml api key": "abcd1234efgh5678ijkl",
    "env password": "Tr0ub4dor&3x",
    "json client secret": "GOCSPX-Zx8Yw7Vu6Ts5",
}
FILE = f"""\
# secrets.txt
STRIPE_KEY={STRIPE}
STRIPE_TEST_KEY={SECRETS["stripe test key"]}
DATABASE_URL=postgres://admin:{SECRETS["postgres password"]}@db.example:5432/app
MYSQL_URL=mysql://root:{SECRETS["mysql password"]}@localhost/shop
REDIS_URL=redis://:{SECRETS["redis password"]}@cache:6379/0
REMOTE=https://dev:{SECRETS["https password"]}@git.example.com/org/repo.git
password = "{SECRETS["python password"]}"
SECRET_KEY = '{SECRETS["django key"]}'
config:
  api_key: {SECRETS["yaml api key"]}
export DB_PASSWORD={SECRETS["env password"]}
{{"client_id": "web", "client_secret": "{SECRETS["json client secret"]}"}}
# not secrets:
DB_PASSWORD_READ = os.environ["DB_PASSWORD"]
password: ${{DB_PASSWORD}}
"""
NOT_SECRETS = ['os.environ["DB_PASSWORD"]', "password: ${DB_PASSWORD}", "postgres://admin:"]

READER = command_file([{"id": "read", "agent": "worker", "prompt": "Read secrets.txt."}])


def _deltas(text: str, size: int = 7) -> list[str]:
    """The text in pieces of `size` characters: every secret is cut, most several times."""
    return [text[i : i + size] for i in range(0, len(text), size)]


def _leaks(text: str) -> list[str]:
    return [name for name, secret in SECRETS.items() if secret in text or secret[-10:] in text]


def test_a_run_reading_a_file_of_secrets_leaks_none(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", {"read": READER}, extra={"secrets.txt": FILE})
    script: list[dict[str, Any]] = [
        {"reply": {"tool_use": [{"name": "read_file", "input": {"path": "secrets.txt"}}]}},
        {
            "expect": {"last_tool_result_contains": NOT_SECRETS},
            "reply": {"text": _deltas(f"The file says:\n{FILE}\nThat is all.")},
        },
    ]
    with ScriptedServer(script) as model:
        done = orchestra(root, model, tmp_path / "config", "run", "read", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    model.assert_no_failures()
    model.assert_all_consumed()
    terminal = done.stdout + done.stderr
    assert "That is all." in terminal and "[redacted]" in terminal, terminal
    assert not _leaks(terminal), terminal
    runs = root / ".orchestra" / "runs"
    [events] = list(runs.rglob("events.jsonl"))
    journal = "\n".join(text for _, text in all_files_text(runs))
    assert "client_id" in events.read_text(encoding="utf-8")  # the tool result is journaled
    assert "[redacted]" in journal
    assert not _leaks(journal), _leaks(journal)
    sent = json.dumps([request.body for request in model.requests])
    assert "client_id" in sent
    assert not _leaks(sent), _leaks(sent)
    # What only names a secret reached the model as written.
    second = json.dumps(model.requests[-1].body)
    for text in NOT_SECRETS:
        assert json.dumps(text)[1:-1] in second, text
